//! Avro schema resolution through the real binary: one fixture per Avro rule, the modes, and the
//! differential test against the reference checker of the Apache Avro Python package.

use std::path::PathBuf;
use std::process::Command;

use mapcheck::compare::avro::ALL as AVRO_RULES;

use crate::*;

fn fixture(rule: &str, side: &str) -> String {
    format!("tests/fixtures/rules/{rule}/{side}.avsc")
}

#[test]
fn every_avro_rule_has_a_fixture_and_every_avro_fixture_a_rule() {
    for rule in AVRO_RULES {
        for side in ["old", "new"] {
            assert!(
                repo().join(fixture(rule.id, side)).is_file(),
                "{} has no {side}.avsc",
                rule.id
            );
        }
    }
    let dir = repo().join("tests/fixtures/rules");
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if name.starts_with("avro-") {
            assert!(AVRO_RULES.iter().any(|r| r.id == name), "fixture {name} has no rule");
        }
    }
}

#[test]
fn each_avro_rule_fixture_produces_its_rule_and_nothing_against_itself() {
    for rule in AVRO_RULES {
        let (old, new) = (fixture(rule.id, "old"), fixture(rule.id, "new"));
        let (findings, code) = diff_json(&[&old, &new]);
        let hits = with_rule(&findings, rule.id);
        assert!(!hits.is_empty(), "{}: {findings:#?}", rule.id);
        let hit = hits[0];
        assert_eq!(hit["severity"], rule.severity.as_str(), "{}: {hit:#}", rule.id);
        assert!(!hit["path"].as_str().unwrap_or("").is_empty(), "{}: {hit:#}", rule.id);
        assert_eq!(hit["location"]["file"], new.as_str());
        assert_eq!(hit["old_location"]["file"], old.as_str());
        assert_eq!(
            code,
            if rule.severity.as_str() == "error" { 1 } else { 0 },
            "{}",
            rule.id
        );
        for same in [&old, &new] {
            let (findings, code) = diff_json(&[same, same, "--mode", "full"]);
            assert!(findings.is_empty(), "{same} against itself: {findings:#?}");
            assert_eq!(code, 0);
        }
    }
}

#[test]
fn findings_say_which_reader_cannot_read_which_data() {
    let (old, new) = (
        fixture("avro-reader-field-missing-default", "old"),
        fixture("avro-reader-field-missing-default", "new"),
    );
    let (backward, _) = diff_json(&[&old, &new]);
    let hit = with_rule(&backward, "avro-reader-field-missing-default")[0];
    let message = hit["message"].as_str().unwrap();
    assert!(message.contains("`Customer.region`"), "{message}");
    assert!(
        message.ends_with("readers using the new schema cannot read data written with the old one"),
        "{message}"
    );
    assert_eq!(hit["direction"], "accepts");
    assert_eq!(hit["location"]["pointer"], "/fields/2");
    // Old readers ignore the new field: nothing to report forward.
    let (forward, code) = diff_json(&[&old, &new, "--mode", "forward"]);
    assert!(forward.iter().all(|f| f["severity"] == "info"), "{forward:#?}");
    assert_eq!(code, 0);
    // Swapping the files turns it into a removed field that old readers still require.
    let (swapped, code) = diff_json(&[&new, &old, "--mode", "forward"]);
    let removed = with_rule(&swapped, "field-removed");
    assert_eq!(removed.len(), 1, "{swapped:#?}");
    assert_eq!(removed[0]["severity"], "error");
    assert!(
        removed[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("readers using the old schema cannot read data written with the new one")
    );
    assert_eq!(code, 1);
}

#[test]
fn avro_modes_combine_directions() {
    let (old, new) = (
        fixture("avro-name-mismatch", "old"),
        fixture("avro-name-mismatch", "new"),
    );
    let errors = |mode: &str| -> Vec<String> {
        let (f, _) = diff_json(&[&old, &new, "--mode", mode]);
        f.iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} {} {}", f["rule"], f["path"], f["direction"]))
            .collect()
    };
    let (backward, forward, full) = (errors("backward"), errors("forward"), errors("full"));
    assert_eq!(backward.len(), 1);
    assert_eq!(forward.len(), 1);
    let mut both = [backward, forward].concat();
    both.sort();
    let mut full = full;
    full.sort();
    assert_eq!(full, both);
    let (none, code) = diff_json(&[&old, &new, "--mode", "none"]);
    assert!(!none.is_empty() && none.iter().all(|f| f["severity"] == "info"));
    assert_eq!(code, 0);
}

#[test]
fn avro_differential_against_the_reference_checker() {
    let has_avro = Command::new(python())
        .args(["-c", "import avro.compatibility"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_avro {
        let why = format!(
            "`{} -c \"import avro.compatibility\"` fails: install the reference checker with \
             `bash ci/test-tools.sh` (.ci/run does)",
            python()
        );
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the Avro differential test: {why}"
        );
        eprintln!("skipping the Avro differential test: {why}");
        return;
    }
    let script: PathBuf = repo().join("ci/avro-differential/generate_and_check.py");
    let out = Command::new(python())
        .arg(&script)
        .args([
            "--mapcheck",
            env!("CARGO_BIN_EXE_mapcheck"),
            "--pairs",
            "2000",
            "--seed",
            "20240611",
        ])
        .output()
        .expect("run the differential script");
    let (text, errors) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    println!("{text}");
    assert!(out.status.success(), "differential test failed:\n{text}\n{errors}");
    assert!(text.contains("2000 reader/writer pairs"), "{text}");
    assert!(text.contains("unexplained disagreements: 0"), "{text}");
}
