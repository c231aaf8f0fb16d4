//! Every output format of `diff` and `lint`, the rule registry commands, and the generated rule docs.

use std::path::PathBuf;

use crate::*;

const OLD: &str = "tests/fixtures/diff/avro/v1.avsc";
const NEW: &str = "tests/fixtures/diff/avro/v2.avsc";

fn diff_as(format: &str) -> (String, i32) {
    let o = mapcheck(&["diff", OLD, NEW, "--format", format]);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    (stdout(&o), code(&o))
}

#[test]
fn every_format_fails_the_same_way() {
    for format in ["text", "json", "markdown", "github", "sarif", "junit"] {
        let (_, code) = diff_as(format);
        assert_eq!(code, 1, "{format}");
    }
}

#[test]
fn text_groups_by_file_and_shows_old_and_new_lines() {
    let (out, _) = diff_as("text");
    assert_snapshot("diff-avro.txt", &out);
    assert!(
        out.starts_with("tests/fixtures/diff/avro/v2.avsc (3 findings)"),
        "{out}"
    );
    // Old and new lines as one unified diff, each with its line numbers.
    assert!(out.contains(
        r#"3   | -   {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["GOLD", "SILVER"]}},"#
    ));
    assert!(
        out.contains(r#"    3 | +   {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["GOLD"]}},"#)
    );
    assert!(
        out.contains(r#"  2 2 |     {"name": "id", "type": "string"},"#),
        "{out}"
    );
    // --context 0: the changed lines only.
    let o = mapcheck(&["diff", OLD, NEW, "--context", "0"]);
    assert!(!stdout(&o).contains(r#"  2 2 |"#), "{}", stdout(&o));
    assert!(out.contains("::: before: tests/fixtures/diff/avro/v1.avsc:3:81"));
    assert!(out.trim_end().ends_with("2 errors, 0 warnings, 1 info in 1 contract"));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let o = mapcheck(&["--color", "always", "diff", OLD, NEW]);
    assert!(stdout(&o).contains("\u{1b}["), "no escape codes with --color always");
    let o = mapcheck(&["--color", "never", "diff", OLD, NEW]);
    assert!(!stdout(&o).contains("\u{1b}["));
    // Not a terminal (and NO_COLOR set by the harness): plain.
    let o = mapcheck(&["diff", OLD, NEW]);
    assert!(!stdout(&o).contains("\u{1b}["));
}

#[test]
fn json_report_has_findings_and_summary() {
    let (out, _) = diff_as("json");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["summary"]["errors"], 2);
    assert_eq!(v["summary"]["infos"], 1);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "location",
        "old_location",
        "direction",
        "path",
        "fingerprint",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f:#}");
    }
    assert_eq!(f["location"]["file"], NEW);
    assert_eq!(f["old_location"]["file"], OLD);
}

#[test]
fn markdown_is_a_pr_comment() {
    let (out, _) = diff_as("markdown");
    assert_snapshot("diff-avro.md", &out);
    assert!(out.starts_with("## mapcheck diff: fails\n"));
    assert!(out.contains("| `tests/fixtures/diff/avro/v2.avsc` | 2 | 0 | 1 |"));
    assert!(out.contains("<details open>"));
    // Passing run: a headline and the summary, nothing else.
    let o = mapcheck(&["diff", OLD, OLD, "--format", "markdown"]);
    assert_eq!(
        stdout(&o),
        "## mapcheck diff: passes\n\n0 errors, 0 warnings, 0 infos in 1 contract.\n"
    );
}

#[test]
fn github_format_is_workflow_commands() {
    let (out, _) = diff_as("github");
    assert_snapshot("diff-avro.github", &out);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(
        "::error file=tests/fixtures/diff/avro/v2.avsc,line=3,col=28,title=mapcheck enum-value-removed::"
    ));
    assert!(lines.iter().any(|l| l.starts_with("::notice ")), "infos are notices");
    // Every annotation is one line: newlines inside messages are escaped.
    assert_eq!(lines.iter().filter(|l| l.starts_with("::")).count(), 3);
}

#[test]
fn junit_has_a_test_case_per_contract_and_a_failure_per_breaking_finding() {
    let (out, _) = diff_as("junit");
    assert_snapshot("diff-avro.junit.xml", &out);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attribute("name"), Some(NEW));
    let failures: Vec<_> = cases[0].children().filter(|n| n.has_tag_name("failure")).collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].attribute("type"), Some("enum-value-removed"));
    // With --fail-on never nothing fails, and every finding is in the output instead.
    let o = mapcheck(&["diff", OLD, NEW, "--format", "junit", "--fail-on", "never"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0);
    assert!(out.contains("<system-out>"));
}

#[test]
fn junit_lists_clean_contracts_as_passing_cases() {
    let o = mapcheck(&["lint", "contracts/", "--format", "junit"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
    let cases = doc.descendants().filter(|n| n.has_tag_name("testcase")).count();
    assert!(cases >= 5, "{out}");
    assert!(out.contains(r#"failures="0""#));
}

/// The official SARIF 2.1.0 schema, as shipped in npm `@microsoft/sarif-multitool-linux`
/// (`ci/test-tools.sh` installs it; `MAPCHECK_SARIF_SCHEMA` overrides the path).
fn sarif_schema() -> Option<PathBuf> {
    let path = std::env::var_os("MAPCHECK_SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| tools_dir().join("node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json"));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: ci/test-tools.sh installs it",
        path.display()
    );
    eprintln!("skipped: {} is missing (run ci/test-tools.sh)", path.display());
    None
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let (out, _) = diff_as("sarif");
    let log: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(rules[index]["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(
        results[0]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        OLD
    );
    let Some(schema_path) = sarif_schema() else { return };
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema")).expect("schema JSON");
    let validator = ::jsonschema::Validator::new(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // A lint run with findings without old locations, too.
    let o = mapcheck(&["lint", "tests/fixtures/errors", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn rules_lists_every_rule_and_explain_prints_one() {
    let o = mapcheck(&["rules", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(rules.len() > 40);
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "field-removed" && r["category"] == "compatibility")
    );
    let o = mapcheck(&["rules"]);
    assert!(stdout(&o).contains("enum-value-removed"));
    let o = mapcheck(&["explain", "enum-value-removed"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("enum-value-removed (compatibility, default severity: error)"));
    let o = mapcheck(&["explain", "enum-removed"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean: enum-value-removed"),
        "{}",
        stderr(&o)
    );
}

/// docs/rules/ is generated from the registry; this fails when it is stale.
/// `MAPCHECK_BLESS=1 cargo test --test it rules_docs` regenerates it.
#[test]
fn rules_docs_are_up_to_date() {
    let dir = repo().join("docs/rules");
    let pages = mapcheck::rules::doc_pages();
    if std::env::var_os("MAPCHECK_BLESS").is_some() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clear docs/rules");
        }
        std::fs::create_dir_all(&dir).expect("create docs/rules");
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).expect("write page");
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &pages {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert!(
        stale.is_empty() && on_disk == pages.len(),
        "docs/rules is stale ({stale:?}; {on_disk} files for {} pages): run MAPCHECK_BLESS=1 cargo test --test it rules_docs",
        pages.len()
    );
}
