use crate::*;

const DIR: &str = "tests/fixtures/protobuf";

#[test]
fn imports_resolve_from_discovered_roots_and_well_known_types() {
    let r = inspect_json(&[DIR]);
    let contracts = r["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 3, "{r:#}");
    let order = find_type(&r, "acme.v1.Order");
    assert_eq!(order["declared_as"], "message");
    assert_eq!(find_field(&r, "Order.total")["type"], "acme.v1.Money");
    assert_eq!(find_field(&r, "Order.placed_at")["type"], "timestamp");
    assert_eq!(find_field(&r, "Order.note")["type"], "string?");
    assert_eq!(find_field(&r, "Order.labels")["type"], "map<string,string>");
    assert_eq!(find_field(&r, "Order.lines")["type"], "array<acme.v1.Order.Line>");
    assert_eq!(find_field(&r, "Order.parent")["type"], "acme.v1.Order");
}

#[test]
fn field_numbers_json_names_and_positions() {
    let r = inspect_json(&[DIR]);
    let f = find_field(&r, "Order.customer_ref");
    assert_eq!(f["proto_number"], 15);
    assert_eq!(f["json_name"], "customerRef");
    assert_eq!(f["deprecated"], true);
    assert_eq!(
        f["location"],
        "tests/fixtures/protobuf/nested/acme/v1/orders.proto:26:3"
    );
    assert_eq!(find_field(&r, "Order.id")["json_name"], "id");
    let status = find_type(&r, "acme.v1.Order.Status");
    assert_eq!(status["values"][1], "STATUS_OPEN=1");
}

#[test]
fn services_and_streaming_rpcs() {
    let r = inspect_json(&[DIR]);
    let orders = r["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["rpcs"].is_null())
        .unwrap();
    let rpcs = orders["rpcs"].as_array().unwrap();
    assert_eq!(rpcs.len(), 2);
    assert_eq!(rpcs[1]["name"], "WatchOrders");
    assert_eq!(rpcs[1]["server_streaming"], true);
    assert_eq!(rpcs[0]["input"], "acme.v1.GetOrderRequest");
}

#[test]
fn a_file_given_alone_still_finds_its_import_root() {
    let r = inspect_json(&["tests/fixtures/protobuf/nested/acme/v1/orders.proto"]);
    find_type(&r, "acme.v1.Order");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let o = mapcheck(&["lint", "tests/fixtures/errors/broken.proto"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("tests/fixtures/errors/broken.proto:8:3"), "{out}");
}

#[test]
fn unknown_types_are_compile_errors() {
    let (findings, code) = lint_json(&["tests/fixtures/errors/unknown-type.proto"]);
    assert_eq!(code, 2);
    assert_eq!(findings[0]["rule"], "proto-compile-error");
    assert_eq!(findings[0]["location"]["line"], 6, "{findings:#?}");
    assert!(findings[0]["message"].as_str().unwrap().contains("Missing"));
}

#[test]
fn proto2_required_defaults_packed_and_custom_options() {
    let r = inspect_json(&["tests/fixtures/protobuf/legacy.proto"]);
    let id = find_field(&r, "Account.id");
    assert_eq!(id["required"], true);
    assert_eq!(find_field(&r, "Account.retries")["default"], 3);
    assert_eq!(find_field(&r, "Account.retries")["required"], false);
    // Custom options are readable in the model.
    let o = mapcheck(&["inspect", "--format", "json", "tests/fixtures/protobuf/legacy.proto"]);
    assert_eq!(code(&o), 0);
    let (findings, code) = lint_json(&["tests/fixtures/protobuf/legacy.proto"]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}

#[test]
fn binary_descriptor_sets_load() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("orders.binpb");
    std::fs::write(&set, mapcheck_descriptor_set()).unwrap();
    let o = mapcheck_in(dir.path(), &["inspect", "--format", "json", "orders.binpb"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    find_type(&v, "acme.v1.Order");
    assert_eq!(find_field(&v, "Order.customer_ref")["proto_number"], 15);
    std::fs::write(&set, b"\xff\xffnot a descriptor set").unwrap();
    let o = mapcheck_in(dir.path(), &["lint", "orders.binpb"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("orders.binpb"), "{}", stdout(&o));
}

/// A FileDescriptorSet compiled from the fixtures, as protoc --descriptor_set_out would write it.
fn mapcheck_descriptor_set() -> Vec<u8> {
    let mut compiler = protox::Compiler::new([repo().join("tests/fixtures/protobuf/nested")]).unwrap();
    compiler.include_imports(true);
    compiler.open_file("acme/v1/orders.proto").unwrap();
    compiler.encode_file_descriptor_set()
}

#[test]
fn editions_files_load_with_their_features() {
    let r = inspect_json(&["tests/fixtures/editions/edition.proto"]);
    assert_eq!(r["contracts"][0]["format_version"], "editions 2023");
    // Editions default to explicit presence; a field can opt into implicit presence.
    assert_eq!(find_field(&r, "Item.name")["proto_label"], "optional");
    assert_eq!(find_field(&r, "Item.count")["proto_label"], "singular");
    assert_eq!(
        find_field(&r, "Item.count")["location"],
        "tests/fixtures/editions/edition.proto:7:3"
    );
    let (findings, code) = lint_json(&["tests/fixtures/editions"]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}

/// Found by fuzzing: this file made loading hang (a stray `]` in a message body).
#[test]
fn fuzz_stray_bracket_is_a_parse_error_not_a_hang() {
    let o = mapcheck(&["lint", "tests/fixtures/errors/fuzz-stray-bracket.proto"]);
    assert_eq!(code(&o), 2);
    assert!(
        stdout(&o).contains("tests/fixtures/errors/fuzz-stray-bracket.proto:12:6"),
        "{}",
        stdout(&o)
    );
}
