use crate::*;

#[test]
fn named_types_resolve_across_files_in_any_order() {
    for args in [
        vec!["tests/fixtures/avro/set"],
        vec![
            "tests/fixtures/avro/set/b_shared.avsc",
            "tests/fixtures/avro/set/a_event.avsc",
        ],
    ] {
        let r = inspect_json(&args);
        assert_eq!(find_field(&r, "Event.payload")["type"], "com.acme.shared.Payload");
        let payload = find_type(&r, "com.acme.shared.Payload");
        assert_eq!(payload["declared_as"], "record");
        let (findings, code) = lint_json(&args);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(code, 0);
    }
}

#[test]
fn logical_types_become_shared_primitives() {
    let r = inspect_json(&["tests/fixtures/avro/set"]);
    assert_eq!(find_field(&r, "Event.id")["type"], "uuid");
    assert_eq!(find_field(&r, "Event.at")["type"], "timestamp");
    assert_eq!(find_field(&r, "Event.amount")["type"], "decimal(10,2)");
    assert_eq!(find_field(&r, "Event.amount")["required"], true);
}

#[test]
fn recursion_defaults_aliases_and_enums() {
    let r = inspect_json(&["tests/fixtures/avro/set"]);
    let next = find_field(&r, "Event.next");
    assert_eq!(next["type"], "com.acme.events.Event?");
    assert_eq!(next["nullable"], true);
    assert_eq!(next["required"], false);
    assert_eq!(find_field(&r, "Payload.old_name")["aliases"][0], "legacy_name");
    assert_eq!(find_field(&r, "Payload.hash")["type"], "com.acme.shared.Hash");
    let kind = find_type(&r, "com.acme.shared.Kind");
    assert_eq!(kind["values"], serde_json::json!(["A", "B", "C"]));
}

#[test]
fn protocols_load_types_and_messages() {
    let r = inspect_json(&["tests/fixtures/avro/chat.avpr"]);
    find_type(&r, "com.acme.chat.Message");
    assert_eq!(find_type(&r, "com.acme.chat.Refused")["declared_as"], "error");
}

#[test]
fn avro_schema_in_a_json_file_with_as_override() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("event.json"),
        r#"{"type": "record", "name": "E", "fields": [{"name": "a", "type": "int"}]}"#,
    )
    .unwrap();
    let o = mapcheck_in(
        dir.path(),
        &["inspect", "event.json", "--as", "avro", "--format", "json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["contracts"][0]["format"], "avro");
    assert_eq!(find_field(&v, "E.a")["type"], "int32");
}

#[test]
fn invalid_defaults_and_unknown_names_are_lint_errors() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/bad-defaults.avsc"]);
    assert_eq!(code, 1);
    let defaults = with_rule(&findings, "invalid-avro-default");
    assert_eq!(defaults.len(), 3, "{findings:#?}");
    assert!(
        defaults
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("first branch"))
    );
    assert!(defaults.iter().any(|f| f["location"]["line"] == 6));
    let unresolved = with_rule(&findings, "unresolved-ref");
    assert_eq!(unresolved.len(), 1);
    assert!(unresolved[0]["message"].as_str().unwrap().contains("com.acme.Nowhere"));
}

#[test]
fn invalid_logical_types_warn_and_fall_back() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/invalid-logical.avsc"]);
    assert_eq!(code, 0, "warnings do not fail by default");
    assert_eq!(with_rule(&findings, "invalid-logical-type").len(), 2, "{findings:#?}");
    let r = inspect_json(&["tests/fixtures/errors/invalid-logical.avsc"]);
    assert_eq!(find_field(&r, "Odd.when")["type"], "string");
    assert_eq!(find_field(&r, "Odd.money")["type"], "bytes");
}

#[test]
fn a_full_name_declared_twice_is_reported() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/dup"]);
    assert_eq!(code, 1);
    let dup = with_rule(&findings, "duplicate-type");
    assert_eq!(dup.len(), 1, "{findings:#?}");
    assert!(dup[0]["message"].as_str().unwrap().contains("com.acme.Same"));
}
