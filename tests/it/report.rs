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

/// `explain` shows a rule at work: its fixture's two versions and what `diff` reports for them,
/// and the generated page has the same example.
#[test]
fn explain_shows_an_example_from_the_rules_fixture() {
    let o = mapcheck(&["explain", "proto-field-removed"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    assert!(
        text.contains("Example (tests/fixtures/rules/proto-field-removed)"),
        "{text}"
    );
    assert!(text.contains("--- old/customer.proto\n") && text.contains("--- new/customer.proto\n"));
    assert!(text.contains("$ mapcheck diff old new\n"));
    assert!(text.contains("error[proto-field-removed]: field `acme.v1.Customer.fax` (number 14) was removed"));
    let page = std::fs::read_to_string(repo().join("docs/rules/proto-field-removed.md")).unwrap();
    assert!(page.contains("## Example") && page.contains("```proto\n"), "{page}");
    // A rule without a fixture has no example.
    let o = mapcheck(&["explain", "unresolved-ref"]);
    assert!(!stdout(&o).contains("Example ("), "{}", stdout(&o));
}

/// The example of each rule: the first case of its fixtures under `tests/fixtures/rules/<id>/`
/// whose two versions (files, or directories of at most three files) are at most 60 lines each,
/// and what `mapcheck diff` prints for them, run in the case's directory.
fn rule_examples() -> mapcheck::rules::Examples {
    let root = repo().join("tests/fixtures/rules");
    // The files of a version, (path in the case, text); `None` when it is too long to show.
    let files = |case: &std::path::Path, version: &std::path::Path| -> Option<Vec<(String, String)>> {
        let mut paths = Vec::new();
        if version.is_dir() {
            for e in std::fs::read_dir(version).ok()?.flatten() {
                if !e.path().is_file() {
                    return None;
                }
                paths.push(e.path());
            }
            paths.sort();
        } else {
            paths.push(version.to_path_buf());
        }
        let mut out = Vec::new();
        let mut lines = 0;
        for p in &paths {
            let text = std::fs::read_to_string(p).ok()?;
            lines += text.lines().count();
            out.push((p.strip_prefix(case).unwrap().to_string_lossy().into_owned(), text));
        }
        (paths.len() <= 3 && lines <= 60).then_some(out)
    };
    let mut examples = mapcheck::rules::Examples::new();
    for rule in mapcheck::rules::all() {
        let rule_dir = root.join(rule.id);
        let mut cases = vec![rule_dir.clone()];
        let mut subs: Vec<PathBuf> = std::fs::read_dir(&rule_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !matches!(p.file_name().and_then(|n| n.to_str()), Some("old" | "new")))
            .collect();
        subs.sort();
        cases.extend(subs);
        for case in cases {
            let (Some(old), Some(new)) = (crate::rules::side(&case, "old"), crate::rules::side(&case, "new")) else {
                continue;
            };
            let (Some(old_files), Some(new_files)) = (files(&case, &old), files(&case, &new)) else {
                continue;
            };
            let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
            let extra: Vec<String> = std::fs::read_to_string(case.join("args"))
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            let mut args = vec!["diff".to_string(), name(&old), name(&new)];
            args.extend(extra);
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_mapcheck"))
                .args(&args)
                .current_dir(&case)
                .env("NO_COLOR", "1")
                .output()
                .expect("run mapcheck");
            let output = String::from_utf8_lossy(&o.stdout).into_owned();
            let fixture = case.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
            examples.insert(
                rule.id.to_string(),
                mapcheck::rules::Example {
                    fixture,
                    files: old_files.into_iter().chain(new_files).collect(),
                    command: format!("mapcheck {}", args.join(" ")),
                    output,
                },
            );
            break;
        }
    }
    examples
}

/// docs/rules/ and the examples `mapcheck explain` shows (src/rules/examples.json) are generated
/// from the registry and the rule fixtures; this fails when they are stale.
/// `MAPCHECK_BLESS=1 cargo test --test it rules_docs` regenerates them.
#[test]
fn rules_docs_are_up_to_date() {
    let dir = repo().join("docs/rules");
    let examples = rule_examples();
    let examples_file = repo().join("src/rules/examples.json");
    let examples_json = serde_json::to_string_pretty(&examples).expect("examples as JSON") + "\n";
    let pages = mapcheck::rules::doc_pages_with(&examples);
    if std::env::var_os("MAPCHECK_BLESS").is_some() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clear docs/rules");
        }
        std::fs::create_dir_all(&dir).expect("create docs/rules");
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).expect("write page");
        }
        std::fs::write(&examples_file, &examples_json).expect("write examples");
        return;
    }
    assert!(
        std::fs::read_to_string(&examples_file).ok().as_deref() == Some(examples_json.as_str()),
        "src/rules/examples.json is stale: run MAPCHECK_BLESS=1 cargo test --test it rules_docs"
    );
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
