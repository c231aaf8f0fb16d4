use crate::*;

const ORDER: &str = "tests/fixtures/jsonschema/order.draft7.json";
const ADDRESS: &str = "tests/fixtures/jsonschema/address.schema.json";
const LEGACY: &str = "tests/fixtures/jsonschema/legacy.draft4.json";

#[test]
fn draft7_definitions_dependencies_and_tuples() {
    let r = inspect_json(&[ORDER]);
    let c = &r["contracts"][0];
    assert_eq!(c["format"], "jsonschema");
    assert_eq!(c["format_version"], "draft-07");
    let root = find_type(&r, "#");
    assert_eq!(root["declared_as"], "root");
    assert_eq!(find_field(&r, "Order.id")["constraints"]["pattern"], "^ord_[a-z0-9]+$");
    assert_eq!(find_field(&r, "Order.lines")["type"], "array<#/definitions/Line>");
    assert_eq!(find_field(&r, "Order.lines")["required"], true);
    // Numeric exclusiveMaximum in draft 7.
    assert_eq!(
        find_field(&r, "Order.discount")["constraints"]["exclusive_maximum"],
        100.0
    );
    // Recursive definition.
    assert_eq!(find_field(&r, "Line.bundle")["type"], "array<#/definitions/Line>");
    // Tuple form of items with additionalItems: false.
    assert_eq!(find_field(&r, "Order.tuple")["type"], "array<never>");
}

#[test]
fn local_file_refs_resolve_into_the_other_documents_defs() {
    let r = inspect_json(&[ORDER]);
    assert_eq!(
        find_field(&r, "Order.shipTo")["type"],
        "address.schema.json#/$defs/Address"
    );
    let addr = find_type(&r, "address.schema.json#/$defs/Address");
    assert!(addr["location"].as_str().unwrap().starts_with(ADDRESS));
}

#[test]
fn draft_2020_keywords_are_kept() {
    let r = inspect_json(&[ADDRESS]);
    let c = &r["contracts"][0];
    assert_eq!(c["format_version"], "2020-12");
    // The root is a $ref to a $def.
    assert_eq!(find_type(&r, "#")["type"], "#/$defs/Address");
    assert_eq!(
        find_field(&r, "Address.country")["constraints"]["pattern"],
        "^[A-Z]{2}$"
    );
    assert_eq!(find_field(&r, "Address.lines")["constraints"]["max_items"], 4);
    // The full model keeps if/then/else, unevaluatedProperties, patternProperties, dependentRequired.
    let o = mapcheck(&["inspect", "--format", "json", ADDRESS]);
    assert_eq!(code(&o), 0);
}

#[test]
fn draft4_boolean_exclusive_minimum_and_maps() {
    let r = inspect_json(&[LEGACY]);
    assert_eq!(r["contracts"][0]["format_version"], "draft-04");
    let score = find_field(&r, "Legacy.score");
    assert_eq!(score["constraints"]["exclusive_minimum"], 0.0);
    assert_eq!(score["constraints"]["maximum"], 10.0);
    assert_eq!(find_field(&r, "Legacy.tags")["constraints"]["unique_items"], true);
    assert_eq!(find_field(&r, "Legacy.attrs")["type"], "map<string,integer>");
}

#[test]
fn valid_schemas_lint_clean() {
    let (findings, code) = lint_json(&["tests/fixtures/jsonschema"]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}

#[test]
fn meta_schema_violations_are_reported_where_they_are() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/meta-invalid.schema.json"]);
    assert_eq!(code, 1);
    let meta = with_rule(&findings, "meta-schema");
    assert!(meta.len() >= 2, "{findings:#?}");
    let min_len = meta
        .iter()
        .find(|f| f["location"]["pointer"] == "/properties/name/minLength")
        .expect("minLength finding");
    assert_eq!(min_len["location"]["line"], 6);
    assert!(
        meta.iter()
            .any(|f| f["location"]["pointer"] == "/properties/age/maximum")
    );
}

#[test]
fn anchors_and_id_based_refs_to_sibling_files() {
    let r = inspect_json(&["tests/fixtures/jsonschema/anchors.schema.json"]);
    assert_eq!(find_field(&r, "Tree.root")["type"], "#/$defs/Node");
    assert_eq!(find_field(&r, "Node.children")["type"], "array<#/$defs/Node>");
    assert_eq!(find_field(&r, "Node.value")["type"], "integer?");
    // An absolute $ref under the document's own $id base is a local file, not the network.
    assert_eq!(
        find_field(&r, "Tree.address")["type"],
        "address.schema.json#/$defs/Address"
    );
}

/// JSON Schema compatibility against IBM's subschema checker (`jsonsubschema`, which
/// `ci/test-tools.sh` installs into jss-venv/): 2,400 seeded pairs of draft-04 schemas, both
/// modes, at least 2,000 compared in each, no disagreement left unexplained (the named ones are in
/// docs/jsonschema-compatibility.md and the script).
#[test]
fn jsonschema_differential_against_a_subschema_checker() {
    let python = tools_dir().join("jss-venv/bin/python");
    let has_oracle = std::process::Command::new(&python)
        .args(["-c", "import jsonsubschema.api"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_oracle {
        let why = format!(
            "`{} -c \"import jsonsubschema.api\"` fails: install the oracle with `bash ci/test-tools.sh` (.ci/run does)",
            python.display()
        );
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the JSON Schema differential test: {why}"
        );
        eprintln!("skipping the JSON Schema differential test: {why}");
        return;
    }
    let script = repo().join("ci/jsonschema-differential/generate_and_check.py");
    let out = std::process::Command::new(&python)
        .arg(&script)
        .args([
            "--mapcheck",
            env!("CARGO_BIN_EXE_mapcheck"),
            "--pairs",
            "2400",
            "--seed",
            "20250904",
            "--min-compared",
            "2000",
        ])
        .output()
        .expect("run the differential script");
    let (text, errors) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    println!("{text}");
    assert!(out.status.success(), "differential test failed:\n{text}\n{errors}");
    assert!(text.contains("2400 old/new pairs"), "{text}");
    assert!(text.contains("unexplained disagreements: 0"), "{text}");
}
