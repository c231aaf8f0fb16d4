//! Notes and details for the person running mapcheck, on stderr: notes unless `--quiet`, details
//! (what a step did and how long it took) only with `--verbose`. Findings never go here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static QUIET: AtomicBool = AtomicBool::new(false);
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Sets how much is said (from `--quiet` and `--verbose`).
pub fn set(quiet: bool, verbose: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    VERBOSE.store(verbose, Ordering::Relaxed);
}

/// A note for the person running mapcheck (stderr), unless `--quiet`.
pub fn note(message: impl std::fmt::Display) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("mapcheck: {message}");
    }
}

/// A detail shown only with `--verbose` (stderr): what a step did and how long it took.
pub fn detail(started: Instant, message: impl std::fmt::Display) {
    if VERBOSE.load(Ordering::Relaxed) {
        eprintln!("mapcheck: {message} ({} ms)", started.elapsed().as_millis());
    }
}
