use crate::*;

fn summary(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_contract_compared_with_itself_has_no_changes() {
    for file in [
        "contracts/crm/accounts.openapi.yaml",
        "contracts/billing/customer_events.avsc",
        "contracts/canonical/customer/v1.schema.json",
        "contracts/erp/customer_service.proto",
        "tests/fixtures/openapi/petstore-3.0.yaml",
    ] {
        let (findings, code) = diff_json(&[file, file, "--mode", "full"]);
        assert!(findings.is_empty(), "{file}: {findings:#?}");
        assert_eq!(code, 0);
    }
}

#[test]
fn openapi_requests_accept_and_responses_produce() {
    let (findings, code) = diff_json(&[
        "tests/fixtures/diff/openapi/old.yaml",
        "tests/fixtures/diff/openapi/new.yaml",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        summary(&findings),
        vec![
            "error operation-removed GET /users",
            "warning optional-field-removed GET /users/{id} 200 application/json.nickname",
            "error enum-value-added GET /users/{id} 200 application/json.role",
            "error field-became-required PATCH /users/{id} request application/json.name",
            "error max-length-decreased PATCH /users/{id} request application/json.name",
            "error enum-value-removed PATCH /users/{id} request application/json.role",
        ]
    );
    // Renaming the path parameter and moving properties into allOf are not changes.
    assert!(
        !findings.iter().any(|f| f["path"].as_str().unwrap().contains(":id")),
        "{findings:#?}"
    );
    let removed = &findings[0];
    assert_eq!(removed["old_location"]["file"], "tests/fixtures/diff/openapi/old.yaml");
    assert_eq!(removed["old_location"]["line"], 28);
}

#[test]
fn avro_backward_and_forward_modes_judge_opposite_sides() {
    let (backward, code) = diff_json(&["tests/fixtures/diff/avro/v1.avsc", "tests/fixtures/diff/avro/v2.avsc"]);
    assert_eq!(code, 1);
    assert_eq!(
        summary(&backward),
        vec![
            "error enum-value-removed Customer.tier",
            "info type-widened Customer.score",
            "error avro-reader-field-missing-default Customer.region",
        ]
    );
    let (forward, _) = diff_json(&[
        "tests/fixtures/diff/avro/v1.avsc",
        "tests/fixtures/diff/avro/v2.avsc",
        "--mode",
        "forward",
    ]);
    assert_eq!(
        summary(&forward),
        vec![
            "info enum-value-removed Customer.tier",
            "error type-widened Customer.score",
            "info avro-reader-field-missing-default Customer.region",
        ]
    );
    let (none, code) = diff_json(&[
        "tests/fixtures/diff/avro/v1.avsc",
        "tests/fixtures/diff/avro/v2.avsc",
        "--mode",
        "none",
    ]);
    assert_eq!(code, 0);
    assert!(none.iter().all(|f| f["severity"] == "info"));
}

#[test]
fn full_mode_is_backward_plus_forward() {
    let pair = ["tests/fixtures/diff/avro/v1.avsc", "tests/fixtures/diff/avro/v2.avsc"];
    let errors = |mode: &str| -> std::collections::BTreeSet<String> {
        let (f, _) = diff_json(&[pair[0], pair[1], "--mode", mode]);
        f.iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} {}", f["rule"], f["path"]))
            .collect()
    };
    let mut both = errors("backward");
    both.extend(errors("forward"));
    assert_eq!(errors("full"), both);
}

#[test]
fn json_schema_constraints_and_closed_models() {
    let dir = tempfile::tempdir().unwrap();
    let old = r#"{"type": "object", "additionalProperties": false, "required": ["a"],
        "properties": {"a": {"type": "string", "maxLength": 10}, "b": {"type": "integer", "minimum": 0}, "c": {"type": "string"}}}"#;
    let new = r#"{"type": "object", "additionalProperties": false, "required": ["a"],
        "properties": {"a": {"type": "string", "maxLength": 20}, "b": {"type": "integer", "exclusiveMinimum": 0}}}"#;
    std::fs::write(dir.path().join("old.schema.json"), old).unwrap();
    std::fs::write(dir.path().join("new.schema.json"), new).unwrap();
    let o = mapcheck_in(
        dir.path(),
        &["diff", "old.schema.json", "new.schema.json", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        summary(findings),
        vec![
            "error field-removed old.c",
            "info max-length-increased old.a",
            "error minimum-increased old.b"
        ],
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn transitive_modes_compare_the_newest_with_every_earlier_version() {
    let v = |n: u8| format!("tests/fixtures/diff/transitive/v{n}.avsc");
    let (v1, v2, v3) = (v(1), v(2), v(3));
    // v2 -> v3 alone is compatible: v3 re-adds `channel` with a default.
    let (findings, code) = diff_json(&[&v1, &v2, &v3]);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
    // Against v1 too, `channel` changed type from int to string.
    let (findings, code) = diff_json(&[&v1, &v2, &v3, "--mode", "backward-transitive"]);
    assert_eq!(code, 1);
    assert!(
        summary(&findings).contains(&"error type-changed Order.channel".to_string()),
        "{findings:#?}"
    );
    let old = findings
        .iter()
        .find(|f| f["rule"] == "type-changed")
        .map(|f| f["old_location"]["file"].clone());
    assert_eq!(old, Some(serde_json::json!(v1)));
    // full-transitive = backward-transitive + forward-transitive.
    let rules = |mode: &str| {
        let (f, _) = diff_json(&[&v1, &v2, &v3, "--mode", mode]);
        let mut s = summary(&f);
        s.retain(|x| x.starts_with("error"));
        s
    };
    let mut both = rules("backward-transitive");
    both.extend(rules("forward-transitive"));
    both.sort();
    let mut full = rules("full-transitive");
    full.sort();
    assert_eq!(full, both);
}

#[test]
fn diff_without_two_versions_is_a_usage_error() {
    let o = mapcheck(&["diff", "tests/fixtures/diff/transitive/v1.avsc"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("diff needs OLD and NEW"), "{}", stderr(&o));
}

#[test]
fn reordering_inline_union_branches_is_not_a_change() {
    let (findings, code) = diff_json(&[
        "tests/fixtures/diff/refactors/anyof-old.schema.json",
        "tests/fixtures/diff/refactors/anyof-reordered.schema.json",
        "--mode",
        "full",
    ]);
    assert_eq!(code, 0);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// Each refactor under tests/fixtures/refactors (a schema extracted into components or inlined, a
/// component renamed, properties split into allOf, a path parameter renamed, reordering, a
/// recursive schema, a schema moved to another file) changes nothing a client sees.
#[test]
fn refactors_are_not_changes() {
    let root = repo().join("tests/fixtures/refactors");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("refactor fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "{cases:?}");
    for case in cases {
        let (old, new) = (case.join("old"), case.join("new"));
        let (findings, code) = diff_json(&[old.to_str().unwrap(), new.to_str().unwrap(), "--mode", "full"]);
        let breaking: Vec<_> = findings.iter().filter(|f| f["severity"] != "info").collect();
        assert!(breaking.is_empty(), "{}: {breaking:#?}", case.display());
        assert_eq!(code, 0, "{}", case.display());
    }
}

#[test]
fn a_new_canonical_version_is_not_an_edit_of_the_old_one() {
    // docs/mappings.md suggests this very command to see what v2 changes.
    let (findings, _) = diff_json(&[
        "contracts/canonical/customer/v1.schema.json",
        "contracts/canonical/customer/v2.schema.json",
    ]);
    assert!(!findings.is_empty(), "v2 changes the customer");
    let policy: Vec<_> = findings
        .iter()
        .filter(|f| {
            matches!(
                f["rule"].as_str(),
                Some("canonical-version-edited" | "version-not-bumped")
            )
        })
        .collect();
    assert!(policy.is_empty(), "{policy:#?}");
    // --breaking-only leaves out the info findings, from the report and its summary.
    let v1 = "contracts/canonical/customer/v1.schema.json";
    let v2 = "contracts/canonical/customer/v2.schema.json";
    let (all, _) = diff_json(&[v1, v2]);
    let (breaking, code) = diff_json(&[v1, v2, "--breaking-only"]);
    assert_eq!(code, 1);
    assert!(all.iter().any(|f| f["severity"] == "info"), "{all:#?}");
    assert!(
        !breaking.is_empty() && breaking.iter().all(|f| f["severity"] != "info"),
        "{breaking:#?}"
    );
    assert_eq!(breaking.len(), all.iter().filter(|f| f["severity"] != "info").count());
    let o = mapcheck(&["diff", v1, v2, "--breaking-only"]);
    assert!(stdout(&o).contains(", 0 infos in"), "{}", stdout(&o));
    // The same version changed in place still is one.
    let fixture = "tests/fixtures/rules/canonical-version-edited/jsonschema";
    let (findings, _) = diff_json(&[&format!("{fixture}/old/canonical"), &format!("{fixture}/new/canonical")]);
    assert!(
        rules(&findings).contains(&"canonical-version-edited".to_string()),
        "{findings:#?}"
    );
}

#[test]
fn changelog_lists_every_change_grouped_by_contract_and_type() {
    let v1 = "contracts/canonical/customer/v1.schema.json";
    let v2 = "contracts/canonical/customer/v2.schema.json";
    let o = mapcheck(&["changelog", v1, v2]);
    assert_eq!(code(&o), 0, "a listing, not a gate: {}", stderr(&o));
    let text = stdout(&o);
    for line in [
        "# Changes",
        "2 changes (1 breaking) in 1 contract.",
        "## `contracts/canonical/customer/v2.schema.json`",
        "### `Customer`",
        "- **breaking** `enum-value-removed`: `Customer.status` no longer has enum value `inactive`",
        "- `enum-value-added`: `Customer.status` has a new enum value `dormant`",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    let o = mapcheck(&["changelog", v1, v2, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"], 2);
    assert_eq!(json["contracts"][0]["groups"][0]["name"], "Customer");
    // Operations group OpenAPI changes; nothing changed says so; a broken file is exit 2.
    let dir = "tests/fixtures/openapi/shared-component";
    let text = stdout(&mapcheck(&[
        "changelog",
        &format!("{dir}/old.yaml"),
        &format!("{dir}/new.yaml"),
    ]));
    assert!(text.contains("### `POST /orders`"), "{text}");
    assert!(stdout(&mapcheck(&["changelog", v1, v1])).contains("No changes."));
    let o = mapcheck(&["changelog", v1, "tests/fixtures/errors/malformed.json"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
}
