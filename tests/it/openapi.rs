use crate::*;

const PETSTORE: &str = "tests/fixtures/openapi/petstore-3.0.yaml";
const WEBHOOKS: &str = "tests/fixtures/openapi/webhooks-3.1.json";

#[test]
fn openapi_30_fields_have_paths_types_and_positions() {
    let r = inspect_json(&[PETSTORE]);
    let c = &r["contracts"][0];
    assert_eq!(c["format"], "openapi");
    assert_eq!(c["format_version"], "3.0.3");
    assert_eq!(c["version"], "2.1.0");
    let name = find_field(&r, "Pet.name");
    assert_eq!(name["type"], "string");
    assert_eq!(name["required"], true);
    assert_eq!(name["constraints"]["max_length"], 64);
    assert_eq!(name["location"], format!("{PETSTORE}:83:9"));
    let id = find_field(&r, "Pet.id");
    assert_eq!(id["type"], "int64");
    assert_eq!(id["read_only"], true);
}

#[test]
fn openapi_30_nullable_and_boolean_exclusive_minimum() {
    let r = inspect_json(&[PETSTORE]);
    let nick = find_field(&r, "Pet.nickname");
    assert_eq!(nick["nullable"], true);
    assert_eq!(nick["required"], false);
    assert_eq!(nick["type"], "string?");
    let weight = find_field(&r, "Pet.weight");
    assert_eq!(weight["constraints"]["exclusive_minimum"], 0.0);
    assert!(weight["constraints"].get("minimum").is_none());
    assert_eq!(find_field(&r, "Pet.status")["type"], "enum[available|pending|sold]");
}

#[test]
fn recursion_is_a_reference_not_an_expansion() {
    let r = inspect_json(&[PETSTORE]);
    assert_eq!(find_field(&r, "Pet.parent")["type"], "#/components/schemas/Pet");
    assert_eq!(
        find_field(&r, "Pet.children")["type"],
        "array<#/components/schemas/Pet>"
    );
    // A recursive type in another file.
    let person = find_type(&r, "shared/people.yaml#/Person");
    assert_eq!(person["fields"][1]["type"], "array<shared/people.yaml#/Person>");
}

#[test]
fn cross_file_refs_load_the_referenced_documents() {
    let r = inspect_json(&[PETSTORE]);
    assert_eq!(find_field(&r, "Pet.owner")["type"], "shared/people.yaml#/Person");
    let problem = find_type(&r, "shared/errors.yaml#/components/schemas/Problem");
    assert!(
        problem["location"]
            .as_str()
            .unwrap()
            .starts_with("tests/fixtures/openapi/shared/errors.yaml:")
    );
    let files = r["contracts"][0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{files:?}");
}

#[test]
fn operations_merge_path_level_parameters_and_follow_refs() {
    let r = inspect_json(&[PETSTORE]);
    let ops = r["contracts"][0]["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 3);
    let list = &ops[0];
    assert_eq!(list["operation_id"], "listPets");
    assert_eq!(list["parameters"][0], "query:limit? int32");
    assert_eq!(
        list["responses"][1],
        "default application/problem+json shared/errors.yaml#/components/schemas/Problem"
    );
    let get = ops.iter().find(|o| o["operation_id"] == "getPet").unwrap();
    assert_eq!(get["deprecated"], true);
    assert_eq!(get["parameters"][0], "path:petId int64");
    let create = ops.iter().find(|o| o["operation_id"] == "createPet").unwrap();
    assert_eq!(create["request"], "application/json #/components/schemas/Pet");
}

#[test]
fn openapi_31_type_arrays_const_prefix_items_and_webhooks() {
    let r = inspect_json(&[WEBHOOKS]);
    let c = &r["contracts"][0];
    assert_eq!(c["format_version"], "3.1.0");
    assert_eq!(find_field(&r, "Order.note")["type"], "string?");
    assert_eq!(find_field(&r, "Order.note")["nullable"], true);
    assert_eq!(find_field(&r, "Order.code")["type"], "anyOf<string|integer>");
    assert_eq!(find_field(&r, "Order.total")["constraints"]["exclusive_minimum"], 0.0);
    assert_eq!(find_field(&r, "Order.kind")["constraints"]["const"], "order");
    assert_eq!(find_field(&r, "Order.id")["type"], "uuid");
    assert_eq!(find_field(&r, "Order.lines")["type"], "array<never>");
    let ops = c["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0]["webhook"], true);
    assert_eq!(ops[0]["path"], "orderPaid");
}

#[test]
fn clean_specs_lint_clean() {
    let (findings, code) = lint_json(&[PETSTORE, WEBHOOKS]);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn broken_spec_reports_every_problem_with_its_place() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/broken-refs.openapi.yaml"]);
    assert_eq!(code, 1);
    let unresolved = with_rule(&findings, "unresolved-ref");
    assert_eq!(unresolved.len(), 1, "{findings:#?}");
    assert_eq!(unresolved[0]["location"]["line"], 15);
    assert!(
        unresolved[0]["message"]
            .as_str()
            .unwrap()
            .contains("#/components/schemas/Missing")
    );
    let remote = with_rule(&findings, "remote-ref");
    assert_eq!(remote.len(), 1);
    assert!(remote[0]["message"].as_str().unwrap().contains("network"));
    assert_eq!(with_rule(&findings, "duplicate-operation-id").len(), 1);
    let undeclared = with_rule(&findings, "undeclared-path-parameter");
    assert_eq!(undeclared.len(), 1);
    assert!(undeclared[0]["message"].as_str().unwrap().contains("{thingId}"));
    assert_eq!(with_rule(&findings, "unused-path-parameter").len(), 1);
    let invalid = with_rule(&findings, "invalid-schema");
    assert_eq!(invalid.len(), 2, "{invalid:#?}");
    assert!(
        invalid
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("`minimum` must be a number"))
    );
    assert!(
        invalid
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("unknown type `colour`"))
    );
}

#[test]
fn a_ref_that_leaves_the_workspace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(ws.join("api")).unwrap();
    std::fs::write(ws.join("mapcheck.toml"), "").unwrap();
    std::fs::write(dir.path().join("outside.yaml"), "X:\n  type: string\n").unwrap();
    std::fs::write(
        ws.join("api/spec.yaml"),
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    A:\n      $ref: '../../outside.yaml#/X'\n",
    )
    .unwrap();
    let o = mapcheck_in(&ws, &["lint", "api/spec.yaml", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "ref-outside-root");
    assert_eq!(v["findings"][0]["location"]["file"], "api/spec.yaml");
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let o = mapcheck(&["lint", "tests/fixtures/errors/malformed.yaml"]);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(out.contains("error[parse-error]"), "{out}");
    assert!(out.contains("tests/fixtures/errors/malformed.yaml:8:1"), "{out}");
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let o = mapcheck(&["inspect", "tests/fixtures/errors/malformed.json"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("tests/fixtures/errors/malformed.json:5:36"), "{err}");
}

#[test]
fn absurdly_deep_documents_are_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"openapi\": \"3.1.0\", \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep.json"), deep).unwrap();
    let o = mapcheck_in(dir.path(), &["lint", "deep.json"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("nests deeper than"), "{}", stdout(&o));
}

#[test]
fn callbacks_security_and_ref_siblings_in_31() {
    let r = inspect_json(&["tests/fixtures/openapi/callbacks-security.yaml"]);
    // A 3.1 $ref with assertion siblings is both: allOf of the reference and the siblings.
    assert_eq!(
        find_field(&r, "Subscription.filter")["type"],
        "allOf<#/components/schemas/Filter&any>"
    );
    let event = find_type(&r, "#/components/schemas/Event");
    assert_eq!(
        event["type"],
        "oneOf<#/components/schemas/Created|#/components/schemas/Deleted>"
    );
    let (findings, code) = lint_json(&["tests/fixtures/openapi/callbacks-security.yaml"]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}

#[test]
fn reference_cycles_between_components_are_reported_not_followed_forever() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/ref-cycle.openapi.yaml"]);
    assert_eq!(code, 1);
    assert!(
        with_rule(&findings, "unresolved-ref")[0]["message"]
            .as_str()
            .unwrap()
            .contains("cycle"),
        "{findings:#?}"
    );
}

#[test]
fn ambiguous_paths_are_a_warning_and_never_pair_the_wrong_operations() {
    let old = "tests/fixtures/openapi/ambiguous/old.yaml";
    let new = "tests/fixtures/openapi/ambiguous/new.yaml";
    let (findings, code) = lint_json(&[old]);
    assert_eq!(code, 0, "a warning does not fail lint: {findings:#?}");
    assert_eq!(rules(&findings), vec!["ambiguous-path"]);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("`/v1/{parent}` differs from `/v1/{name}`")
    );
    // Against itself, and against a copy with reversed paths and `{parent}` renamed: nothing. The
    // OData path lists its parameters out of template order; they pair by place, not by list order.
    for (a, b) in [(old, old), (new, new), (old, new), (new, old)] {
        let (findings, code) = diff_json(&[a, b, "--fail-on", "info"]);
        assert_eq!((code, findings.len()), (0, 0), "{a} -> {b}: {findings:#?}");
    }
}

#[test]
fn changes_point_at_their_keyword_name_what_happens_and_every_place_they_reach() {
    let dir = "tests/fixtures/openapi/shared-component";
    let (findings, code) = diff_json(&[&format!("{dir}/old.yaml"), &format!("{dir}/new.yaml")]);
    assert_eq!(code, 1);
    let max = with_rule(&findings, "maximum-decreased");
    assert_eq!(max.len(), 1, "reported once, at the first operation: {findings:#?}");
    assert_eq!(max[0]["location"]["line"], 55, "the `maximum:` line, not `type:`");
    assert_eq!(max[0]["old_location"]["line"], 55);
    let message = max[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`PATCH /orders/{id} request application/json`"),
        "{message}"
    );
    assert!(
        message.contains("`PUT /orders/{id} request application/json`"),
        "{message}"
    );
    let added = with_rule(&findings, "enum-value-added");
    assert_eq!(added[0]["old_location"]["line"], 63, "the old `enum:` line: {added:#?}");
    let removed = with_rule(&findings, "optional-field-removed");
    let message = removed[0]["message"].as_str().unwrap();
    assert!(
        message.contains("consumers of the old contract stop receiving `discount_code`"),
        "{message}"
    );
    assert!(!message.contains("values it did not allow"), "{message}");
}

#[test]
fn a_minified_spec_shows_a_window_around_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |extra_type: &str| {
        let mut paths = serde_json::Map::new();
        for i in 0..200 {
            paths.insert(
                format!("/padding/{i}"),
                serde_json::json!({"get": {"responses": {"200": {"description": "a long description to make the line long"}}}}),
            );
        }
        paths.insert(
            "/z".into(),
            serde_json::json!({"post": {"requestBody": {"content": {"application/json": {"schema":
                {"type": "object", "properties": {"n": {"type": extra_type}}}}}},
                "responses": {"200": {"description": "ok"}}}}),
        );
        serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}).to_string()
    };
    std::fs::write(dir.path().join("old.json"), spec("string")).unwrap();
    std::fs::write(dir.path().join("new.json"), spec("integer")).unwrap();
    let out = mapcheck_in(dir.path(), &["diff", "old.json", "new.json", "--color", "never"]);
    let text = stdout(&out);
    assert!(text.contains("type-changed"), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() < 200,
            "a line of {} characters",
            line.chars().count()
        );
    }
    // The caret sits under the keyword's value in the shown window.
    let lines: Vec<&str> = text.lines().collect();
    let caret = lines
        .iter()
        .position(|l| l.trim_end().ends_with('^'))
        .expect("a caret line");
    let column = lines[caret].find('^').unwrap();
    let shown = lines[caret - 1];
    assert!(shown.contains('…'), "{shown}");
    assert_eq!(&shown[column..column + 1], "\"", "{shown}\n{}", lines[caret]);
}
