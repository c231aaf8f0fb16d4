#![no_main]
//! A mapping file: parsed, then validated against a small workspace's contracts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (mapping, _findings) = mapcheck::mapping::spec::parse("mappings/m.yaml", text);
    if let Some(mapping) = mapping {
        thread_local! {
            static DIR: tempfile::TempDir = {
                let dir = tempfile::tempdir().expect("temp dir");
                let canonical = dir.path().join("contracts/canonical/customer");
                std::fs::create_dir_all(&canonical).expect("dirs");
                std::fs::write(
                    canonical.join("v1.schema.json"),
                    r#"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}}}"#,
                )
                .expect("write");
                std::fs::write(
                    dir.path().join("contracts/src.schema.json"),
                    r#"{"type": "object", "properties": {"Id": {"type": "string"}, "Name": {"type": ["string", "null"]}, "Items": {"type": "array", "items": {"type": "object", "properties": {"Sku": {"type": "integer"}}}}}}"#,
                )
                .expect("write");
                dir
            };
        }
        DIR.with(|dir| {
            let mut ws = mapcheck::mapping::Workspace::new(dir.path(), mapcheck::load::LoadOptions::default());
            let _ = mapcheck::mapping::validate(std::slice::from_ref(&mapping), &mut ws);
            let _ = mapcheck::mapping::lineage(std::slice::from_ref(&mapping), &mut ws);
        });
    }
});
