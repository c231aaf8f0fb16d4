//! Every rule fixture under `tests/fixtures/rules/<rule-id>/<case>/` run through the whole engine:
//! the rule fires, the findings match the case's `expected.txt` snapshot, each version compared
//! with itself gives nothing, and `full` is `backward` plus `forward`.
//!
//! A case holds `old` and `new` (files with any contract extension, or directories), an optional
//! `args` file with extra `mapcheck diff` arguments (one line), and `expected.txt`.
//! `MAPCHECK_BLESS=1 cargo test --test it rule_fixtures` rewrites the snapshots after review.

use std::path::{Path, PathBuf};

use crate::*;

struct Case {
    rule: String,
    dir: PathBuf,
    old: PathBuf,
    new: PathBuf,
    args: Vec<String>,
}

/// The version `name` (`old`, `new`) of a case: a file `name.<ext>` or a directory `name`.
pub(crate) fn side(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == name || n.starts_with(&format!("{name}.")))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

fn cases() -> Vec<Case> {
    let root = repo().join("tests/fixtures/rules");
    let mut out = Vec::new();
    let mut rules: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("rules fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    rules.sort();
    for rule_dir in rules.into_iter().filter(|p| p.is_dir()) {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        // The rule directory itself may be the case, or hold one directory per case.
        let mut candidates = vec![rule_dir.clone()];
        let mut subs: Vec<PathBuf> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        subs.sort();
        candidates.extend(subs.into_iter().filter(|p| p.is_dir()));
        for dir in candidates {
            let (Some(old), Some(new)) = (side(&dir, "old"), side(&dir, "new")) else {
                continue;
            };
            let args = std::fs::read_to_string(dir.join("args"))
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            out.push(Case {
                rule: rule.clone(),
                dir,
                old,
                new,
                args,
            });
        }
    }
    out
}

/// `severity rule path direction` lines of a diff, sorted.
fn run(case: &Case, old: &Path, new: &Path, mode: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = vec!["diff".into(), old.display().to_string(), new.display().to_string()];
    args.extend(["--format".into(), "json".into(), "--fail-on".into(), "never".into()]);
    args.extend(case.args.iter().cloned());
    if let Some(mode) = mode {
        args.extend(["--mode".into(), mode.into()]);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = mapcheck(&argv);
    assert_eq!(code(&o), 0, "{}: {}", case.dir.display(), stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let mut lines: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f["severity"].as_str().unwrap_or("?"),
                f["rule"].as_str().unwrap_or("?"),
                f["path"].as_str().unwrap_or(""),
                f["direction"].as_str().unwrap_or("-")
            )
        })
        .collect();
    lines.sort();
    lines
}

fn relative(p: &Path) -> PathBuf {
    p.strip_prefix(repo()).unwrap_or(p).to_path_buf()
}

#[test]
fn rule_fixtures() {
    let cases = cases();
    assert!(cases.len() >= 30, "found {} cases", cases.len());
    let bless = std::env::var_os("MAPCHECK_BLESS").is_some();
    let mut problems = Vec::new();
    for case in &cases {
        let (old, new) = (relative(&case.old), relative(&case.new));
        let explicit_mode = case.args.iter().any(|a| a == "--mode");
        let mode = if explicit_mode { None } else { Some("full") };
        let lines = run(case, &old, &new, mode);
        if mapcheck::rules::find(&case.rule).is_none() {
            problems.push(format!("{}: '{}' is not a rule id", case.dir.display(), case.rule));
        }
        if !lines.iter().any(|l| l.split(' ').nth(1) == Some(case.rule.as_str())) {
            problems.push(format!(
                "{}: {} does not fire: {lines:?}",
                case.dir.display(),
                case.rule
            ));
        }
        let expected_path = case.dir.join("expected.txt");
        let actual = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expected.txt");
        } else if std::fs::read_to_string(&expected_path).ok().as_deref() != Some(actual.as_str()) {
            problems.push(format!(
                "{}: findings differ from expected.txt (MAPCHECK_BLESS=1 rewrites it):\n{actual}",
                case.dir.display()
            ));
        }
        for same in [&old, &new] {
            let none = run(case, same, same, mode);
            if !none.is_empty() {
                problems.push(format!("{} against itself: {none:?}", same.display()));
            }
        }
        if !explicit_mode {
            // What fails `full` is what fails `backward` plus what fails `forward`. (Infos differ:
            // a mode may also report, as info, what only the other mode's side would break on.)
            let failing = |mut v: Vec<String>| {
                v.retain(|l| !l.starts_with("info "));
                v.sort();
                v.dedup();
                v
            };
            let mut both = run(case, &old, &new, Some("backward"));
            both.extend(run(case, &old, &new, Some("forward")));
            let both = failing(both);
            let full = failing(lines.clone());
            if full != both {
                problems.push(format!(
                    "{}: full {full:?} != backward + forward {both:?}",
                    case.dir.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Every compatibility rule has at least one fixture. (Drift rules compare samples with a
/// contract, not two versions: their fixtures are under tests/fixtures/drift, checked in drift.rs.)
#[test]
fn every_compatibility_rule_has_a_fixture() {
    let covered: Vec<String> = cases().into_iter().map(|c| c.rule).collect();
    let missing: Vec<&str> = mapcheck::rules::all()
        .into_iter()
        // Mapping, drift, crosswalk and check rules have fixtures of their own (tests/it/mapping.rs,
        // tests/it/drift.rs, tests/it/crosswalk.rs, tests/it/check.rs).
        .filter(|r| !["lint", "mapping", "drift", "crosswalk", "check"].contains(&r.category))
        .map(|r| r.id)
        .filter(|id| !covered.iter().any(|c| c == id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a fixture under tests/fixtures/rules: {missing:?}"
    );
}
