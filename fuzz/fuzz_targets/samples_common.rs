#![allow(dead_code)] // each target uses one of the entry points
//! Shared by the sample-reader targets: write the input as a sample file, scan it (observe every
//! record), draft contracts from what was seen, and drift it against a small contract. Any panic,
//! hang or crash is a bug; malformed records and read errors are expected.

use std::path::PathBuf;

use mapcheck::samples::{self, ScanOptions, drift::Expectations, infer};

pub fn run(data: &[u8], file_name: &str) {
    run_with(data, file_name, None);
}

/// [`run`] for binary Protobuf samples: decoded as `message` of the `.proto` text `proto`.
pub fn run_proto(data: &[u8], file_name: &str, proto: &str, message: &str) {
    thread_local! {
        static PROTO: std::cell::OnceCell<Option<samples::protobuf::ProtoSamples>> = const { std::cell::OnceCell::new() };
        static PROTO_DIR: tempfile::TempDir = tempfile::tempdir().expect("temp dir");
    }
    let decoder = PROTO.with(|cell| {
        cell.get_or_init(|| {
            PROTO_DIR.with(|dir| {
                let file = dir.path().join("fuzz.proto");
                std::fs::write(&file, proto).ok()?;
                let spec = samples::protobuf::ProtoSpec {
                    message: message.to_string(),
                    files: Vec::new(),
                    framing: samples::protobuf::Framing::Delimited,
                };
                spec.resolve(&file, &[]).ok()
            })
        })
        .clone()
    });
    run_with(data, file_name, decoder);
}

fn run_with(data: &[u8], file_name: &str, proto: Option<samples::protobuf::ProtoSamples>) {
    // As the binary does: a panic mapcheck contains at a file's boundary (the Parquet reader's) is
    // an error for that file, not a crash; libFuzzer's hook still sees every other panic.
    mapcheck::contain::quiet_contained_panics();
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().expect("temp dir");
    }
    DIR.with(|dir| {
        let path: PathBuf = dir.path().join(file_name);
        if std::fs::write(&path, data).is_err() {
            return;
        }
        // A small record limit, so the limit's own paths are fuzzed too.
        let opts = ScanOptions {
            max_errors: 1_000,
            chunk_size: 64,
            max_record_bytes: 4_096,
            proto: proto.clone(),
            ..ScanOptions::default()
        };
        if let Ok(scan) = samples::scan(std::slice::from_ref(&path), None, opts.clone()) {
            let draft = infer::InferOptions::default();
            let _ = infer::json_schema(&scan.observed, &draft);
            let _ = infer::avro(&scan.observed, &draft);
        }
        let contract = dir.path().join("contract.schema.json");
        if !contract.exists() {
            let _ = std::fs::write(
                &contract,
                r#"{"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}, "email": {"type": "string", "format": "email"}, "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}}, "a": {"type": "object", "properties": {"b": {"enum": ["x", "y"]}}}}}"#,
            );
        }
        let opts_load = mapcheck::load::LoadOptions::default();
        if let Ok(loaded) = mapcheck::load::load_paths(&[contract], &opts_load)
            && let Some(ty) = loaded.contracts.first().and_then(|c| c.root.clone())
        {
            let types = loaded.contracts.first().map(|c| c.types.clone()).unwrap_or_default();
            let expect = Expectations::compile(&ty, &types);
            if let Ok(scan) = samples::scan(std::slice::from_ref(&path), Some(&expect), opts) {
                let _ = samples::drift::findings(
                    &scan.observed,
                    &expect,
                    &scan.files,
                    samples::drift::DriftOptions { max_rate: 0.0 },
                );
            }
        }
    });
}
