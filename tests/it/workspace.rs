//! The example workspace in `contracts/` must always load cleanly.
use crate::*;

#[test]
fn example_workspace_lints_clean() {
    let (findings, code) = lint_json(&["contracts"]);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0);
}

#[test]
fn example_workspace_has_all_four_formats() {
    let r = inspect_json(&["contracts"]);
    let formats: std::collections::BTreeSet<String> = r["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["format"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(formats.len(), 4, "{formats:?}");
    find_type(&r, "#/components/schemas/Account");
    find_type(&r, "com.example.billing.events.CustomerEvent");
    find_type(&r, "erp.customers.v1.Customer");
    find_field(&r, "Customer.legal_name");
}
