//! `diff A B --mode backward` and `diff B A --mode forward` ask the same question: their errors
//! sit at the same places. `ci/direction-symmetry.py` makes mechanical variants of every JSON
//! Schema and Avro schema in this repository's workspace and fixtures and compares both runs for
//! each pair, both ways round (run it on `../shared/corpora/schemastore` for SchemaStore). Without
//! python3 the test fails under CI and is skipped elsewhere.

use std::process::Command;

use crate::*;

#[test]
fn backward_errors_are_the_mirror_of_forward_errors() {
    let Some(python) = ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is needed for the symmetry test"
        );
        eprintln!("skipped: python3 is needed for the symmetry test");
        return;
    };
    let out = Command::new(python)
        .arg(repo().join("ci/direction-symmetry.py"))
        .args(["--jobs", "2", "--bin", env!("CARGO_BIN_EXE_mapcheck")])
        .arg(repo().join("contracts"))
        .arg(repo().join("tests/fixtures"))
        .output()
        .expect("python runs");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let checked: usize = text
        .lines()
        .last()
        .and_then(|l| l.split("ok ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(checked >= 200, "only {checked} pairs checked:\n{text}");
}
