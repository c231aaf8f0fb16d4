//! Shared by every target: write the input as a contract file, load it, inspect and lint it.
//! Any panic, hang or crash is a bug; findings and load errors are expected.

use std::path::PathBuf;

use mapcheck::load::{LoadOptions, load_paths};
use mapcheck::model::Format;

pub fn run(data: &[u8], file_name: &str, format: Format) {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("temp dir");
    }
    DIR.with(|dir| {
        let path: PathBuf = dir.path().join(file_name);
        if std::fs::write(&path, data).is_err() {
            return;
        }
        let opts = LoadOptions {
            format: Some(format),
            root: Some(dir.path().to_path_buf()),
            proto_paths: Vec::new(),
        };
        if let Ok(loaded) = load_paths(&[path], &opts) {
            let report = mapcheck::inspect::build(&loaded.contracts);
            let mut sink = Vec::new();
            let _ = mapcheck::inspect::render_text(&report, &mut sink);
            let summary =
                mapcheck::report::Summary::of(&loaded.findings, loaded.contracts.len(), loaded.unusable.len());
            let style = mapcheck::report::Style { color: false };
            let _ = mapcheck::report::render_text(&loaded.findings, &summary, style, &mut sink);
        }
    });
}
