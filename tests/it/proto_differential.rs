//! The differential test against `buf breaking`: hundreds of mutated old/new pairs of real protos
//! (`ci/proto-differential/generate.py`), each judged by buf and by mapcheck at every level, and
//! compared after normalizing both to (file, element, kind of break)
//! (`ci/proto-differential/compare.py`). Any break buf reports that mapcheck does not, or any
//! undocumented extra, fails the test. Needs buf from `ci/test-tools.sh` and python3: without
//! them the test fails under CI and is skipped elsewhere.

use std::path::PathBuf;
use std::process::Command;

use crate::*;

/// The buf binary `ci/test-tools.sh` installed: the native one when present (the npm wrapper
/// starts node first, which doubles the run time).
fn buf_binary() -> Option<PathBuf> {
    let modules = tools_dir().join("node_modules");
    let native = std::fs::read_dir(modules.join("@bufbuild"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/buf"))
        .find(|p| p.is_file() && p.parent().and_then(|b| b.parent()).is_some_and(|d| !d.ends_with("buf")));
    native.or_else(|| Some(modules.join(".bin/buf")).filter(|p| p.is_file()))
}

fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// buf and python, or `None` (and a note) outside CI, where the test is skipped without them.
fn tools() -> Option<(PathBuf, &'static str)> {
    match (buf_binary(), python()) {
        (Some(buf), Some(python)) => Some((buf, python)),
        _ => {
            let why = "buf (run ci/test-tools.sh) and python3 are needed for the differential test against buf";
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipped: {why}");
            None
        }
    }
}

#[test]
fn mapcheck_agrees_with_buf_breaking_on_mutated_protos() {
    let Some((buf, python)) = tools() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let pairs = work.path().join("pairs");
    let report = work.path().join("report.json");
    let script = |name: &str| repo().join("ci/proto-differential").join(name);
    let generated = Command::new(python)
        .arg(script("generate.py"))
        .arg(&pairs)
        .output()
        .expect("run generate.py");
    assert!(generated.status.success(), "{}", stderr(&generated));
    let compared = Command::new(python)
        .arg(script("compare.py"))
        .arg("--buf")
        .arg(&buf)
        .arg("--mapcheck")
        .arg(env!("CARGO_BIN_EXE_mapcheck"))
        .arg("--json")
        .arg(&report)
        .arg(&pairs)
        .output()
        .expect("run compare.py");
    let summary = stdout(&compared);
    eprintln!("{summary}");
    assert!(
        compared.status.success(),
        "mapcheck and buf disagree beyond the documented divergences (docs/protobuf-compatibility.md):\n{summary}{}",
        stderr(&compared)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("report JSON");
    assert!(
        v["compared"].as_u64().unwrap_or(0) >= 500,
        "too few pairs compared: {summary}"
    );
    // Every level saw breaks, so agreement is not the agreement of two silent tools.
    for level in ["wire", "wire-json", "package", "file"] {
        assert!(
            v["summary"][level]["buf_findings"].as_u64().unwrap_or(0) > 100,
            "{level}: {summary}"
        );
    }
}

/// Each pair of `tests/fixtures/buf-config/` carries a buf.yaml (v1 or v2) whose `breaking`
/// section selects rules (`use`, `except`, rule ids alone) or leaves files out (`ignore`,
/// `ignore_only`, `ignore_unstable_packages`): `buf breaking` and `mapcheck diff` (no
/// `--proto-level`, so the buf.yaml decides) must report the same breaks.
#[test]
fn mapcheck_honours_buf_yaml_breaking_configuration_as_buf_does() {
    let Some((buf, python)) = tools() else { return };
    let work = tempfile::tempdir().expect("tempdir");
    let report = work.path().join("report.json");
    let compared = Command::new(python)
        .arg(repo().join("ci/proto-differential/compare.py"))
        .arg("--configured")
        .arg("--buf")
        .arg(&buf)
        .arg("--mapcheck")
        .arg(env!("CARGO_BIN_EXE_mapcheck"))
        .arg("--json")
        .arg(&report)
        .arg(repo().join("tests/fixtures/buf-config"))
        .output()
        .expect("run compare.py");
    let summary = stdout(&compared);
    eprintln!("{summary}");
    assert!(compared.status.success(), "{summary}{}", stderr(&compared));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("report JSON");
    let pairs = std::fs::read_dir(repo().join("tests/fixtures/buf-config"))
        .expect("fixtures")
        .count() as u64;
    assert_eq!(v["compared"].as_u64(), Some(pairs), "every pair compared: {summary}");
    assert!(
        v["summary"]["null"]["buf_findings"].as_u64().unwrap_or(0) >= 20,
        "{summary}"
    );
}
