//! Containing a panic at a file's boundary. Third-party decoders (the Parquet reader) can panic on a
//! malformed file instead of returning an error; one bad file must end that file's reading with an
//! error naming it, never the whole process.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs code whose panics are caught and reported as errors.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Keeps panics that [`contained`] catches off stderr (the error that replaces them says what
/// happened); every other panic is printed as before. Installed once, by the binary.
pub fn quiet_contained_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside it becomes `Err` with the panic's message.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = CONTAINED.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".to_string());
        format!("the reader failed on this file ({message})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_flag_is_restored() {
        quiet_contained_panics();
        let r: Result<(), String> = contained(|| {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            let _ = v[i];
        });
        assert!(r.unwrap_err().contains("index out of bounds"));
        assert!(!CONTAINED.with(Cell::get));
        assert_eq!(contained(|| 7), Ok(7));
    }
}
