//! Integration tests: the real binary on real files. One test binary (DuckDB makes links slow).

mod architecture;
mod avro;
mod avro_resolution;
mod buf_yaml;
mod check;
mod cli;
mod config;
#[cfg(feature = "crosswalk")]
mod crosswalk;
mod diff;
mod direction_symmetry;
mod drift;
mod event_samples;
mod git;
mod hostile;
mod jsonschema;
mod mapping;
mod openapi;
mod openapi_corpus;
mod pipeline;
mod proto_differential;
mod proto_rules;
mod protobuf;
mod report;
mod rules;
mod workspace;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs mapcheck from the repository root with colour off.
pub fn mapcheck(args: &[&str]) -> Output {
    mapcheck_in(&repo(), args)
}

pub fn mapcheck_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mapcheck"))
        .args(args)
        .current_dir(dir)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .output()
        .expect("run mapcheck")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// `inspect --format json` as a value; panics with stderr when it fails.
pub fn inspect_json(args: &[&str]) -> serde_json::Value {
    let mut full = vec!["inspect", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck(&full);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("inspect prints JSON")
}

/// `lint --format json` findings and exit code.
pub fn lint_json(args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let mut full = vec!["lint", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck(&full);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("lint JSON: {e}\n{}\n{}", stdout(&o), stderr(&o)));
    (v["findings"].as_array().cloned().unwrap_or_default(), code(&o))
}

/// `diff --format json` findings and exit code; panics with the output when it is not JSON.
pub fn diff_json(args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let mut full = vec!["diff", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck(&full);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (v["findings"].as_array().cloned().unwrap_or_default(), code(&o))
}

/// Finds a type by id in an inspect report.
pub fn find_type<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["contracts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["types"].as_array().into_iter().flatten())
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no type {id} in {report:#}"))
}

/// Finds a field by path in an inspect report.
pub fn find_field<'a>(report: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    report["contracts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["types"].as_array().into_iter().flatten())
        .flat_map(|t| t["fields"].as_array().into_iter().flatten())
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no field {path}"))
}

pub fn rules(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or("").to_string())
        .collect()
}

pub fn with_rule<'a>(findings: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// Compares `actual` with the snapshot file `tests/snapshots/<name>`; with `MAPCHECK_BLESS=1` in
/// the environment, writes it instead.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = repo().join("tests/snapshots").join(name);
    if std::env::var_os("MAPCHECK_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create snapshot dir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with MAPCHECK_BLESS=1 to create it", path.display()));
    if expected != actual {
        panic!(
            "snapshot {} differs (MAPCHECK_BLESS=1 rewrites it after review)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// Where `ci/test-tools.sh` installs the peers tests compare against (`MAPCHECK_TOOLS` overrides).
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MAPCHECK_TOOLS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache/mapcheck-tools")
}

/// The Python that has Apache Avro: `MAPCHECK_PYTHON`, else the virtual environment
/// `ci/test-tools.sh` makes, else `python3`.
pub fn python() -> String {
    if let Ok(p) = std::env::var("MAPCHECK_PYTHON") {
        return p;
    }
    let venv = tools_dir().join("avro-venv/bin/python");
    if venv.is_file() {
        return venv.display().to_string();
    }
    "python3".to_string()
}

/// `drift --format json` findings and exit code.
pub fn drift_json(args: &[&str]) -> (Vec<serde_json::Value>, i32) {
    let mut full = vec!["drift", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck(&full);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (v["findings"].as_array().cloned().unwrap_or_default(), code(&o))
}

/// `severity rule path` of each finding, sorted.
pub fn lines(findings: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap_or("?"),
                f["rule"].as_str().unwrap_or("?"),
                f["path"].as_str().unwrap_or("")
            )
        })
        .collect();
    v.sort();
    v
}
