//! Every Protobuf rule on its fixture (`tests/fixtures/rules/<rule-id>/{old,new}/*.proto`), through
//! the real binary at every `--proto-level`: it fires at the levels it belongs to and at no other.

use std::path::Path;

use crate::*;

const LEVELS: [&str; 4] = ["wire", "wire-json", "package", "file"];
const ALL: &[&str] = &["wire", "wire-json", "package", "file"];
const JSON_AND_SOURCE: &[&str] = &["wire-json", "package", "file"];
const SOURCE: &[&str] = &["package", "file"];

/// Each rule's fixture, and the levels at which the fixture's change breaks someone.
const EXPECTED: &[(&str, &[&str])] = &[
    ("contract-removed", &["file"]),
    ("type-removed", SOURCE),
    ("enum-value-removed", ALL),
    ("default-changed", ALL),
    ("proto-package-removed", &["package"]),
    ("proto-declaration-moved", &["file"]),
    ("proto-service-removed", SOURCE),
    ("proto-rpc-removed", SOURCE),
    ("proto-extension-removed", SOURCE),
    ("proto-oneof-removed", SOURCE),
    ("proto-extension-range-removed", SOURCE),
    ("proto-reserved-removed", ALL),
    ("proto-field-removed", ALL),
    ("proto-field-number-changed", ALL),
    ("proto-field-wire-type-changed", ALL),
    ("proto-field-json-type-changed", JSON_AND_SOURCE),
    ("proto-field-type-changed", SOURCE),
    ("proto-field-cardinality-changed", ALL),
    ("proto-field-presence-changed", SOURCE),
    ("proto-field-renamed", JSON_AND_SOURCE),
    ("proto-field-json-name-changed", JSON_AND_SOURCE),
    ("proto-field-oneof-changed", ALL),
    ("proto-field-ctype-changed", SOURCE),
    ("proto-field-jstype-changed", SOURCE),
    ("proto-field-utf8-validation-changed", SOURCE),
    ("proto-required-fields-changed", ALL),
    ("proto-enum-value-renamed", JSON_AND_SOURCE),
    ("proto-enum-type-changed", SOURCE),
    ("proto-json-format-changed", JSON_AND_SOURCE),
    ("proto-descriptor-accessor-removed", SOURCE),
    ("proto-message-set-wire-format-changed", ALL),
    ("proto-rpc-request-type-changed", ALL),
    ("proto-rpc-response-type-changed", ALL),
    ("proto-rpc-streaming-changed", ALL),
    ("proto-rpc-idempotency-changed", ALL),
    ("proto-http-binding-changed", &["file"]),
    ("proto-file-package-changed", ALL),
    ("proto-file-syntax-changed", SOURCE),
    ("proto-file-option-changed", SOURCE),
];

fn fixture(rule: &str) -> String {
    format!("tests/fixtures/rules/{rule}")
}

/// `diff OLD NEW --proto-level LEVEL --format json` run inside `dir`: the findings, and the exit code.
fn proto_diff(dir: &str, old: &str, new: &str, level: &str) -> (Vec<serde_json::Value>, i32) {
    let o = mapcheck_in(
        &repo().join(dir),
        &["diff", old, new, "--proto-level", level, "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{dir} at {level}: {e}\n{}{}", stdout(&o), stderr(&o)));
    (v["findings"].as_array().cloned().unwrap_or_default(), code(&o))
}

#[test]
fn every_protobuf_rule_fires_at_its_levels_and_at_no_other() {
    let mut wrong = Vec::new();
    for (rule, levels) in EXPECTED {
        for level in LEVELS {
            let (findings, code) = proto_diff(&fixture(rule), "old", "new", level);
            let fired = !with_rule(&findings, rule).is_empty();
            let expected = levels.contains(&level);
            if fired != expected {
                wrong.push(format!(
                    "{rule} at {level}: expected {}, got {:?}",
                    if expected { "a finding" } else { "none" },
                    rules(&findings)
                ));
            }
            if expected {
                assert_eq!(code, 1, "{rule} at {level}: breaking changes fail the run");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_fixture_compared_with_itself_has_no_findings() {
    for (rule, _) in EXPECTED {
        for level in LEVELS {
            for side in ["old", "new"] {
                let (findings, code) = proto_diff(&fixture(rule), side, side, level);
                assert!(findings.is_empty(), "{rule}/{side} at {level}: {findings:#?}");
                assert_eq!(code, 0);
            }
        }
    }
}

#[test]
fn every_protobuf_rule_has_a_fixture_and_every_fixture_a_rule() {
    let declared: Vec<&str> = mapcheck::compare::protobuf::ALL.iter().map(|r| r.id).collect();
    for id in &declared {
        assert!(
            EXPECTED.iter().any(|(r, _)| r == id),
            "{id} has no fixture in tests/fixtures/rules"
        );
    }
    for (rule, _) in EXPECTED {
        assert!(
            declared.contains(rule) || mapcheck::rules::find(rule).is_some(),
            "{rule} is not a registered rule"
        );
        for side in ["old", "new"] {
            let dir = repo().join(fixture(rule)).join(side);
            assert!(has_proto(&dir), "{} has no .proto file", dir.display());
        }
    }
}

fn has_proto(dir: &Path) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        let p = e.path();
        p.extension().is_some_and(|x| x == "proto") || (p.is_dir() && has_proto(&p))
    })
}

#[test]
fn moving_a_message_to_another_file_breaks_only_per_file_generated_code() {
    let dir = fixture("proto-declaration-moved");
    for level in ["wire", "wire-json", "package"] {
        let (findings, code) = proto_diff(&dir, "old", "new", level);
        assert!(findings.is_empty(), "{level}: {findings:#?}");
        assert_eq!(code, 0);
    }
    let (findings, _) = proto_diff(&dir, "old", "new", "file");
    assert_eq!(rules(&findings), ["proto-declaration-moved"], "{findings:#?}");
    let moved = &findings[0];
    assert_eq!(moved["path"], "acme.v1.Money");
    assert_eq!(moved["old_location"]["file"], "old/orders.proto");
    assert_eq!(moved["old_location"]["line"], 9);
    assert!(
        moved["message"].as_str().unwrap().contains("to `common.proto`"),
        "{moved}"
    );
}

#[test]
fn the_default_level_is_file() {
    let dir = fixture("proto-declaration-moved");
    let o = mapcheck_in(&repo().join(&dir), &["diff", "old", "new", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rules(v["findings"].as_array().unwrap()), ["proto-declaration-moved"]);
}

#[test]
fn findings_name_the_element_and_both_locations() {
    let (findings, _) = proto_diff(&fixture("proto-field-removed"), "old", "new", "wire");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "proto-field-removed");
    assert_eq!(f["path"], "acme.v1.Customer.fax");
    // The old field, and the message it was removed from.
    assert_eq!(f["old_location"]["file"], "old/customer.proto");
    assert_eq!(f["old_location"]["line"], 7);
    assert_eq!(f["location"]["file"], "new/customer.proto");
    assert_eq!(f["location"]["line"], 5);
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("without reserving its number or name"), "{message}");
}

#[test]
fn a_reserved_number_makes_a_removal_safe_on_the_wire_only() {
    let dir = tempfile::tempdir().unwrap();
    for (side, body) in [
        ("old", "string id = 1;\n  string fax = 14;"),
        ("new", "string id = 1;\n  reserved 14;"),
    ] {
        std::fs::create_dir_all(dir.path().join(side)).unwrap();
        std::fs::write(
            dir.path().join(side).join("c.proto"),
            format!("syntax = \"proto3\";\npackage acme.v1;\nmessage Customer {{\n  {body}\n}}\n"),
        )
        .unwrap();
    }
    let run = |level: &str| {
        let o = mapcheck_in(
            dir.path(),
            &["diff", "old", "new", "--proto-level", level, "--format", "json"],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        rules(v["findings"].as_array().unwrap())
    };
    assert!(run("wire").is_empty());
    // JSON carries names: the name `fax` is free for reuse, so the JSON encoding may break.
    assert_eq!(run("wire-json"), ["proto-field-removed"]);
    assert_eq!(run("file"), ["proto-field-removed"]);
}

#[test]
fn the_example_workspace_compared_with_itself_has_no_findings() {
    for level in LEVELS {
        let o = mapcheck(&[
            "diff",
            "contracts/erp",
            "contracts/erp",
            "--proto-level",
            level,
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{level}: {v:#}");
        assert_eq!(code(&o), 0);
    }
}

#[test]
fn an_unknown_level_is_a_usage_error() {
    let o = mapcheck(&["diff", "a", "b", "--proto-level", "bytes"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("wire-json"), "{}", stderr(&o));
}
