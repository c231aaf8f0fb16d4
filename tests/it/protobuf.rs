use crate::*;

const DIR: &str = "tests/fixtures/protobuf";

#[test]
fn imports_resolve_from_discovered_roots_and_well_known_types() {
    let r = inspect_json(&[DIR]);
    let contracts = r["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 2, "{r:#}");
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
    assert_eq!(f["location"], "tests/fixtures/protobuf/nested/acme/v1/orders.proto:26:3");
    assert_eq!(find_field(&r, "Order.id")["json_name"], "id");
    let status = find_type(&r, "acme.v1.Order.Status");
    assert_eq!(status["values"][1], "STATUS_OPEN=1");
}

#[test]
fn services_and_streaming_rpcs() {
    let r = inspect_json(&[DIR]);
    let orders = r["contracts"].as_array().unwrap().iter().find(|c| !c["rpcs"].is_null()).unwrap();
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
