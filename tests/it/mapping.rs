//! `mapcheck map validate` and `mapcheck map lineage` on real mapping files.
//!
//! tests/fixtures/mapping-ws is a workspace (it has mapcheck.toml) whose `mappings/<rule-id>.yaml`
//! each make that rule fire; `clean.yaml` makes none. The findings of each are kept in
//! `mappings/<name>.expected` (MAPCHECK_BLESS=1 rewrites them).

use std::path::Path;

use crate::*;

fn workspace() -> std::path::PathBuf {
    repo().join("tests/fixtures/mapping-ws")
}

fn validate(dir: &Path, args: &[&str]) -> (Vec<serde_json::Value>, i32, String) {
    let mut full = vec!["map", "validate", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck_in(dir, &full);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (
        v["findings"].as_array().cloned().unwrap_or_default(),
        code(&o),
        stderr(&o),
    )
}

#[test]
fn every_mapping_rule_fires_on_its_fixture_and_only_there() {
    let dir = workspace();
    let bless = std::env::var_os("MAPCHECK_BLESS").is_some();
    let mut problems = Vec::new();
    let mut covered = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("mappings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
        let rel = format!("mappings/{stem}.yaml");
        let (findings, status, err) = validate(&dir, &[&rel]);
        let lines: String = findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}:{}\n",
                    f["severity"].as_str().unwrap(),
                    f["rule"].as_str().unwrap(),
                    f["path"].as_str().unwrap(),
                    f["location"]["line"],
                    f["location"]["col"]
                )
            })
            .collect();
        let expected = dir.join(format!("mappings/{stem}.expected"));
        if bless {
            std::fs::write(&expected, &lines).unwrap();
        } else if std::fs::read_to_string(&expected).ok().as_deref() != Some(lines.as_str()) {
            problems.push(format!("{rel}: findings differ from {stem}.expected:\n{lines}{err}"));
        }
        if stem == "clean" {
            if !findings.is_empty() || status != 0 {
                problems.push(format!("clean.yaml has findings: {lines}"));
            }
            continue;
        }
        if !findings.iter().any(|f| f["rule"] == stem.as_str()) {
            problems.push(format!("{rel}: {stem} does not fire: {lines}{err}"));
        }
        let failing = findings.iter().any(|f| f["severity"] == "error");
        assert_eq!(status, i32::from(failing), "{rel}: exit {status}");
        covered.push(stem);
    }
    // The impact rules are covered by `impact_names_broken_and_touched_lines`, the `map run`
    // ones by `run_writes_canonical_records_and_reports_what_fails`, the crosswalk one (it needs a
    // store) by `crosswalk::unknown_crosswalks_in_mappings_are_reported`.
    let impact = [
        "mapping-broken-by-change",
        "mapping-affected-by-change",
        "mapping-unknown-crosswalk",
    ];
    for rule in mapcheck::rules::all()
        .into_iter()
        .filter(|r| r.category == "mapping" && !impact.contains(&r.id) && !r.id.starts_with("map-run-"))
    {
        if !covered.iter().any(|c| c == rule.id) {
            problems.push(format!("{} has no fixture mappings/{}.yaml", rule.id, rule.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_example_workspace_maps_cleanly_and_reports_lineage() {
    let (findings, status, err) = validate(&repo(), &[]);
    assert_eq!(status, 0, "{findings:#?} {err}");
    assert!(findings.iter().all(|f| f["severity"] == "info"), "{findings:#?}");
    let o = mapcheck(&["map", "lineage", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lineage: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let v1 = lineage
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["entity"] == "customer" && l["version"] == 1)
        .expect("customer v1");
    let field = |path: &str| {
        v1["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path}"))
            .clone()
    };
    let customer_id = field("customer_id");
    let systems: Vec<&str> = customer_id["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["system"].as_str().unwrap())
        .collect();
    assert_eq!(systems, ["billing", "crm", "erp"]);
    assert_eq!(field("shipping_address.city")["sources"], serde_json::json!([]));
    let md = stdout(&mapcheck(&["map", "lineage"]));
    assert!(md.contains("| `legal_name` | yes | billing `name` (copy)"), "{md}");
    assert!(md.contains("No source fills:"), "{md}");
    // HTML: a matrix of canonical fields by source system, one self-contained page.
    let html = stdout(&mapcheck(&["map", "lineage", "--format", "html"]));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "{html}");
    assert!(html.contains("<th>billing</th><th>crm</th><th>erp</th>"), "{html}");
    let row = html
        .lines()
        .find(|l| l.contains("<code>customer_id</code>"))
        .unwrap_or_else(|| panic!("{html}"));
    assert!(
        row.contains("class=\"req\"") && row.contains("crosswalk crm/account"),
        "{row}"
    );
    let unfilled = html
        .lines()
        .find(|l| l.contains("<code>shipping_address.city</code>"))
        .unwrap_or_else(|| panic!("{html}"));
    assert!(unfilled.contains("none"), "{unfilled}");
}

#[test]
fn findings_point_at_the_mapping_line_in_every_format() {
    let dir = workspace();
    let o = mapcheck_in(&dir, &["map", "validate", "mappings/mapping-source-missing.yaml"]);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    assert!(text.contains("mappings/mapping-source-missing.yaml:7:"), "{text}");
    assert!(text.contains("FullName"), "{text}");
    // The mapping line itself, quoted under the finding as `check` quotes it.
    let quoted = text.lines().any(|l| l.starts_with("   7 |") || l.starts_with("  7 |"));
    assert!(quoted, "{text}");
    for format in ["markdown", "github", "sarif", "junit", "html"] {
        let o = mapcheck_in(
            &dir,
            &[
                "map",
                "validate",
                "mappings/mapping-source-missing.yaml",
                "--format",
                format,
            ],
        );
        assert_eq!(code(&o), 1, "{format}");
        assert!(stdout(&o).contains("mapping-source-missing"), "{format}");
    }
    let o = mapcheck_in(&dir, &["map", "validate", "mappings/nope.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("mappings/nope.yaml: no such file"),
        "{}",
        stderr(&o)
    );
}

/// docs/schemas/mapping.schema.json accepts the example mappings and the valid fixtures, and
/// rejects the fixture the parser rejects.
#[test]
fn the_json_schema_for_mapping_files_matches_the_parser() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("docs/schemas/mapping.schema.json")).unwrap())
            .unwrap();
    let validator = ::jsonschema::validator_for(&schema).expect("a valid schema");
    let as_json = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap();
        mapcheck::load::tree::parse_auto(&text, false)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .to_json()
    };
    let mut files: Vec<_> = std::fs::read_dir(repo().join("mappings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.push(workspace().join("mappings/clean.yaml"));
    files.push(workspace().join("mappings/mapping-enum-not-total.yaml"));
    assert!(files.len() >= 5);
    for file in &files {
        let errors: Vec<String> = validator.iter_errors(&as_json(file)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
    let invalid = as_json(&workspace().join("mappings/mapping-invalid.yaml"));
    assert!(!validator.is_valid(&invalid), "the schema accepts mapping-invalid.yaml");
}

/// `map impact` in a repository where, since `main`, the CRM contract renamed `Phone` and the
/// canonical model (edited in place) lowered `email`'s maximum length.
#[test]
fn impact_names_broken_and_touched_lines() {
    use crate::check::{copy_dir, git};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    for d in ["contracts", "mappings"] {
        copy_dir(&repo().join(d), &root.join(d));
    }
    std::fs::write(root.join("mapcheck.toml"), "").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "v1"]);
    git(root, &["checkout", "-qb", "change"]);
    let (report, status, err) = impact(root);
    assert_eq!((status, report.len()), (0, 0), "{report:#?} {err}");
    let crm = root.join("contracts/crm/accounts.openapi.yaml");
    let text = std::fs::read_to_string(&crm).unwrap();
    std::fs::write(&crm, text.replace("        Phone:", "        PhoneNumber:")).unwrap();
    let canonical = root.join("contracts/canonical/customer/v1.schema.json");
    let text = std::fs::read_to_string(&canonical).unwrap();
    std::fs::write(&canonical, text.replace("\"maxLength\": 254", "\"maxLength\": 100")).unwrap();
    let (report, status, err) = impact(root);
    assert_eq!(status, 1, "{err}");
    let lines: Vec<String> = report
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "warning mapping-affected-by-change billing-customer-to-customer: email",
            "error mapping-broken-by-change crm-account-to-customer: phone",
            "warning mapping-affected-by-change erp-customer-to-customer: email",
        ],
        "{report:#?}"
    );
    assert_eq!(report[1]["location"]["file"], "mappings/crm-account-to-customer.yaml");
    assert!(err.contains("(the merge base of HEAD with main)"), "{err}");
}

fn impact(dir: &Path) -> (Vec<serde_json::Value>, i32, String) {
    let o = mapcheck_in(dir, &["map", "impact", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (
        v["findings"].as_array().cloned().unwrap_or_default(),
        code(&o),
        stderr(&o),
    )
}

/// `map run` on real records: canonical records out, each problem counted with its first source
/// lines. Without a crosswalk store, canonical ids are orphans, never invented.
#[test]
fn run_writes_canonical_records_and_reports_what_fails() {
    let out = tempfile::tempdir().unwrap();
    let records = out.path().join("customers.ndjson");
    let o = mapcheck(&[
        "map",
        "run",
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts.ndjson",
        "--out",
        records.to_str().unwrap(),
        "--format",
        "json",
        "--keep-invalid",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&records)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(written.len(), 3);
    assert_eq!(
        written[0]["billing_address"]["lines"],
        serde_json::json!(["1 Main St", "Suite 2"])
    );
    assert_eq!(written[0]["payment_terms"], "net_30");
    assert_eq!(written[0]["industry"], "manufacturing");
    assert_eq!(written[1]["status"], "inactive");
    assert!(written.iter().all(|r| r.get("customer_id").is_none()));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lines: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("map-run-orphan-id 3 records: `customer_id`: unresolved crm/account id (orphan)"),
        "{lines:#?}"
    );
    assert!(
        has("map-run-transform-failed 1 record: rule failed, `payment_terms`: enum value `Net 90`"),
        "{lines:#?}"
    );
    assert!(has("map-run-malformed-record 1 line is not JSON: column"), "{lines:#?}");
    assert!(has("accounts.ndjson:4"), "{lines:#?}");
    assert!(
        has(
            "map-run-invalid-record 3 canonical records fail /required `customer_id`: \"customer_id\" is a required property (75.0% of 4;"
        ),
        "{lines:#?}"
    );
    assert!(
        has("/properties/legal_name/minLength") && has("accounts.ndjson:5"),
        "{lines:#?}"
    );
    // Without --out, the records go to stdout and the report to stderr.
    let o = mapcheck(&[
        "map",
        "run",
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts.ndjson",
        "--keep-invalid",
    ]);
    assert_eq!(stdout(&o).lines().count(), 3);
    assert!(stderr(&o).contains("map-run-orphan-id"), "{}", stderr(&o));
    // An invalid mapping is not run.
    let o = mapcheck_in(
        &workspace(),
        &[
            "map",
            "run",
            "mappings/mapping-source-missing.yaml",
            &repo()
                .join("tests/fixtures/samples/map-run/accounts.ndjson")
                .display()
                .to_string(),
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("the mapping does not validate"), "{}", stderr(&o));
}

/// The markdown and HTML lineage come from one model: they agree, field by field, on what nothing
/// fills (an object filled through its fields is filled).
#[test]
fn lineage_markdown_and_html_agree_on_what_is_filled() {
    let md = stdout(&mapcheck(&["map", "lineage"]));
    let html = stdout(&mapcheck(&["map", "lineage", "--format", "html"]));
    let mut by_md: Vec<String> = md
        .lines()
        .filter(|l| l.starts_with("| `") && l.ends_with("| — |"))
        .filter_map(|l| l.split('`').nth(1).map(str::to_string))
        .collect();
    let mut by_html: Vec<String> = html
        .split("<tr><td class=\"")
        .skip(1)
        .filter(|row| {
            row.split('"')
                .next()
                .is_some_and(|class| class.split(' ').any(|c| c == "none"))
        })
        .filter_map(|row| row.split("<code>").nth(1)?.split("</code>").next().map(str::to_string))
        .collect();
    by_md.sort();
    by_html.sort();
    assert!(!by_md.is_empty(), "{md}");
    assert_eq!(by_md, by_html, "markdown:\n{md}");
    assert!(md.contains("| `billing_address` |  | (through its fields) |"), "{md}");
    assert!(html.contains("<code>billing_address</code> <span class=\"muted\">(through its fields)</span>"));
    let total: usize = html
        .split(" filled by no source")
        .filter_map(|part| part.rsplit(", ").next()?.trim().parse::<usize>().ok())
        .sum();
    assert_eq!(total, by_md.len(), "{html}");
}
