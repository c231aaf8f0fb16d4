use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// Where a type, field or finding comes from.
///
/// `pointer` is a JSON pointer for JSON-shaped formats (`/components/schemas/Account/properties/Name`)
/// and a dotted declaration path for Protobuf (`erp.customers.v1.Customer.email`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Location {
    /// Shared: every type and field of a file names the same file.
    #[serde(serialize_with = "shared_str")]
    pub file: Arc<str>,
    pub pointer: String,
    pub line: u32,
    pub col: u32,
}

fn shared_str<S: serde::Serializer>(s: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(s)
}

impl Location {
    pub fn new(file: impl Into<Arc<str>>, pointer: impl Into<String>, pos: Pos) -> Self {
        Location {
            file: file.into(),
            pointer: pointer.into(),
            line: pos.line,
            col: pos.col,
        }
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

/// Appends one segment to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn pointer_push(pointer: &str, segment: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + segment.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Splits a JSON pointer (`/a/b~1c`) into unescaped segments; `None` if it is not a pointer.
pub fn pointer_segments(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip_escapes() {
        let p = pointer_push(&pointer_push("", "paths"), "/users/{id}");
        assert_eq!(p, "/paths/~1users~1{id}");
        assert_eq!(
            pointer_segments(&p).unwrap(),
            vec!["paths".to_string(), "/users/{id}".to_string()]
        );
        assert_eq!(pointer_segments("a/b"), None);
    }
}
