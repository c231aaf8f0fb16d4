#![no_main]
//! mapcheck.toml: parsed, and its sample sets listed.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = std::env::temp_dir().join("mapcheck-fuzz-config");
    if let Ok(config) = mapcheck::config::Config::parse(text, std::path::Path::new("mapcheck.toml"), dir.clone()) {
        for set in &config.samples {
            let _ = set.files(&dir);
        }
        for ignore in &config.ignores {
            let _ = ignore.expired("2026-12-02");
        }
    }
});
