//! `mapcheck init`, `mapcheck check` and `mapcheck baseline` in temporary repositories.

use std::path::Path;
use std::process::Command;

use crate::*;

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `mapcheck init` in a new repository with the example contracts committed on `main`, and a
/// `feature` branch checked out.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let o = mapcheck_in(root, &["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    copy_dir(&repo().join("contracts"), &root.join("contracts"));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "v1"]);
    git(root, &["checkout", "-qb", "feature"]);
    dir
}

fn remove_enum_value(root: &Path) {
    let path = root.join("contracts/erp/customer_service.proto");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen("CUSTOMER_STATUS_PROSPECT = 2;", "", 1);
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
}

fn check_json(dir: &Path, args: &[&str]) -> (serde_json::Value, i32, String) {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck_in(dir, &full);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (v, code(&o), stderr(&o))
}

fn rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn init_scaffolds_without_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mapcheck.toml"), "# mine\n").unwrap();
    let o = mapcheck_in(dir.path(), &["init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("kept     ./mapcheck.toml (exists)"), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mapcheck.toml")).unwrap(),
        "# mine\n"
    );
    for f in [
        "contracts/README.md",
        "mappings/README.md",
        ".github/workflows/mapcheck.yml",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    // The crosswalk store is ignored, once, and init says so; the baseline is not.
    assert!(out.contains(".gitignore (ignores the crosswalk store"), "{out}");
    let ignore = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".mapcheck/*.duckdb*"), "{ignore}");
    assert!(
        !ignore.lines().any(|l| !l.starts_with('#') && l.contains("baseline")),
        "{ignore}"
    );
    let o = mapcheck_in(dir.path(), &["init"]);
    assert!(!stdout(&o).contains(".gitignore"), "a second init leaves it alone");
    assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), ignore);
    // The scaffolded config is valid: a fresh init checks clean.
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(code(&mapcheck_in(fresh.path(), &["init"])), 0);
    let o = mapcheck_in(fresh.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("not in a git repository"), "{}", stderr(&o));
    // With .proto files already there, init writes the import roots their imports call for.
    let protos = tempfile::tempdir().unwrap();
    let warehouse = protos.path().join("contracts/warehouse");
    std::fs::create_dir_all(&warehouse).unwrap();
    std::fs::write(
        warehouse.join("parcel.proto"),
        "syntax = \"proto3\";\nmessage Parcel {}\n",
    )
    .unwrap();
    std::fs::write(
        warehouse.join("shipment.proto"),
        "syntax = \"proto3\";\nimport \"warehouse/parcel.proto\";\nmessage Shipment { Parcel p = 1; }\n",
    )
    .unwrap();
    assert_eq!(code(&mapcheck_in(protos.path(), &["init"])), 0);
    let toml = std::fs::read_to_string(protos.path().join("mapcheck.toml")).unwrap();
    assert!(toml.contains("\nproto_paths = [\"contracts\"]"), "{toml}");
    let o = mapcheck_in(protos.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn a_breaking_change_fails_against_the_merge_base_from_any_directory() {
    let ws = workspace();
    let root = ws.path();
    let (report, status, err) = check_json(root, &[]);
    assert_eq!(status, 0, "{err}");
    // The branch is at main and nothing is uncommitted: nothing to compare, and the report says so.
    assert_eq!(rules(&report), ["nothing-compared"]);
    remove_enum_value(root);
    for dir in [root.to_path_buf(), root.join("contracts/erp")] {
        let (report, status, err) = check_json(&dir, &[]);
        assert_eq!(status, 1, "{err}");
        assert_eq!(rules(&report), ["enum-value-removed"], "{err}");
        assert!(err.contains("(the merge base of HEAD with main)"), "{err}");
        assert_eq!(
            report["findings"][0]["location"]["file"],
            "contracts/erp/customer_service.proto"
        );
    }
    // An explicit ref, and a lint problem found in the same run.
    std::fs::write(root.join("contracts/broken.schema.json"), "{\"type\": \"object\",").unwrap();
    let o = mapcheck_in(root, &["check", "--against", "main"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    assert!(stdout(&o).contains("contracts/broken.schema.json") || stderr(&o).contains("broken.schema.json"));
}

#[test]
fn a_baseline_keeps_old_findings_out_and_new_ones_in() {
    let ws = workspace();
    let root = ws.path();
    remove_enum_value(root);
    let o = mapcheck_in(root, &["baseline"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("recorded 1 finding in .mapcheck/baseline.json"),
        "{}",
        stdout(&o)
    );
    let (report, code, err) = check_json(root, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["summary"]["suppressed"]["baselined"], 1);
    // A new break is reported; the baselined one stays out.
    let path = root.join("contracts/erp/customer_service.proto");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("CUSTOMER_STATUS_LEAD = 1;", "", 1)).unwrap();
    let (report, code, _) = check_json(root, &[]);
    assert_eq!(code, 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(findings[0]["path"].as_str().unwrap().ends_with("CUSTOMER_STATUS_LEAD"));
    // --no-baseline shows both; a broken baseline file is a clear error.
    let (report, _, _) = check_json(root, &["--no-baseline"]);
    assert_eq!(rules(&report).len(), 2);
    std::fs::write(
        root.join(".mapcheck/baseline.json"),
        "{\"schema_version\": 1, \"findings\": [",
    )
    .unwrap();
    let (_, code, err) = check_json(root, &[]);
    assert_eq!(code, 2);
    assert!(err.contains(".mapcheck/baseline.json:1:"), "{err}");
}

#[test]
fn the_github_step_summary_gets_the_markdown_report() {
    let ws = workspace();
    let root = ws.path();
    remove_enum_value(root);
    let summary = root.join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mapcheck"))
        .args(["check", "--format", "github"])
        .current_dir(root)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("::error file=contracts/erp/customer_service.proto"),
        "{}",
        stdout(&o)
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n"), "{md}");
    assert!(md.contains("mapcheck check: fails"), "{md}");
}

#[test]
fn quiet_silences_notes_and_verbose_adds_timings() {
    let ws = workspace();
    let o = mapcheck_in(ws.path(), &["check", "--quiet"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stderr(&o), "");
    let o = mapcheck_in(ws.path(), &["check", "--verbose"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("check: linted 6 contracts ("), "{}", stderr(&o));
}

/// The pre-commit hook of `.pre-commit-hooks.yaml`, run by the real `pre-commit` (installed by
/// `ci/test-tools.sh`) from a hook repository holding that file, on staged changes.
#[test]
fn the_pre_commit_hook_fails_on_a_staged_breaking_change() {
    let pre_commit = tools_dir().join("avro-venv/bin/pre-commit");
    if !pre_commit.is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the pre-commit hook test: install pre-commit with `bash ci/test-tools.sh`"
        );
        eprintln!("skipping the pre-commit hook test: {} is missing", pre_commit.display());
        return;
    }
    // A hook repository with the project's hook definition, committed.
    let hooks = tempfile::tempdir().unwrap();
    git(hooks.path(), &["init", "-q", "-b", "main"]);
    // `mapcheck-check-system` runs the mapcheck on PATH (this build); `mapcheck-check` installs
    // the wheel, which ci/test-wheel.sh tests with the wheel it builds.
    std::fs::copy(
        repo().join(".pre-commit-hooks.yaml"),
        hooks.path().join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(hooks.path(), &["add", "-A"]);
    git(hooks.path(), &["commit", "-qm", "hooks"]);
    let rev = String::from_utf8(
        Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(hooks.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let ws = workspace();
    let root = ws.path();
    std::fs::write(
        root.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: mapcheck-check-system\n",
            hooks.path().display(),
            rev.trim()
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mapcheck"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let run = || {
        Command::new(&pre_commit)
            .args(["run", "--color", "never"])
            .current_dir(root)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", cache.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap()
    };
    // A staged breaking change fails the hook; unstaged edits are not what it judges.
    remove_enum_value(root);
    git(root, &["add", "contracts/erp/customer_service.proto"]);
    let o = run();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(code(&o), 1, "{out}");
    assert!(out.contains("enum-value-removed"), "{out}");
    // Committed (with the hook bypassed), the next staged change is compared with the new HEAD.
    git(root, &["commit", "-qm", "break", "--no-verify"]);
    let readme = root.join("contracts/README.md");
    std::fs::write(&readme, "contracts\n").unwrap();
    git(root, &["add", "contracts/README.md", ".pre-commit-config.yaml"]);
    let o = run();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// The CI templates are well-formed YAML and run `mapcheck check` as documented.
#[test]
fn ci_templates_run_the_check() {
    for (file, must) in [
        (
            "action.yml",
            vec![
                "using: composite",
                "mapcheck check",
                "upload-sarif",
                "--output github",
                "--output \"sarif=",
            ],
        ),
        (
            "ci/gitlab-ci.yml",
            vec!["mapcheck check --against", "--output junit=mapcheck-junit.xml"],
        ),
        (
            ".pre-commit-hooks.yaml",
            vec!["id: mapcheck-check", "entry: mapcheck check --against HEAD"],
        ),
        (
            "templates/github-workflow.yml",
            vec![
                "mapcheck check",
                "--output github --output sarif=mapcheck.sarif",
                "upload-sarif",
                "fetch-depth: 0",
            ],
        ),
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        mapcheck::load::tree::parse_auto(&text, false).unwrap_or_else(|e| panic!("{file}: {e}"));
        for m in must {
            assert!(text.contains(m), "{file} lacks {m}");
        }
        assert!(!text.contains("github.com/example"), "{file} has a placeholder URL");
    }
    // Installs are pinned to this version: the GitLab template's, and the workflow init writes.
    let version = env!("CARGO_PKG_VERSION");
    let gitlab = std::fs::read_to_string(repo().join("ci/gitlab-ci.yml")).unwrap();
    assert!(gitlab.contains(&format!("MAPCHECK_VERSION: \"{version}\"")), "{gitlab}");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&mapcheck_in(dir.path(), &["init"])), 0);
    let workflow = std::fs::read_to_string(dir.path().join(".github/workflows/mapcheck.yml")).unwrap();
    assert!(
        workflow.contains(&format!("pip install \"mapcheck=={version}\"")),
        "{workflow}"
    );
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    assert!(
        action.contains("pip\" install --quiet \"mapcheck==$version\""),
        "{action}"
    );
}

/// `mapcheck report --html`: one self-contained page, rendered by a real headless browser
/// (Debian's chromium, installed by `ci/test-tools.sh`): its script runs, the findings are in the
/// table, the filter works, and a screenshot is taken.
#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let ws = workspace();
    let root = ws.path();
    remove_enum_value(root);
    copy_dir(&repo().join("mappings"), &root.join("mappings"));
    let (report, check_code, err) = check_json(root, &[]);
    let n = report["findings"].as_array().unwrap_or_else(|| panic!("{err}")).len();
    // The page's exit code is check's: 1 for the removed enum value, 0 when told not to fail.
    let o = mapcheck_in(root, &["report", "--html", "report.html", "--fail-on", "never"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = mapcheck_in(root, &["report", "--html", "report.html"]);
    assert_eq!((check_code, code(&o)), (1, 1), "{}", stderr(&o));
    let page = std::fs::read_to_string(root.join("report.html")).unwrap();
    // Self-contained: nothing is fetched.
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!page.contains(external), "the page loads {external}");
    }
    assert!(page.contains("<svg"), "no chart");
    assert!(
        page.contains("<h2>Mapping lineage</h2>") && page.contains("<table class=\"lineage\">"),
        "no lineage matrix"
    );
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must render the HTML report: install chromium with `bash ci/test-tools.sh`"
        );
        eprintln!("skipping the headless browser check: no chromium");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let browser = |extra: &[&str], url: String| {
        Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(url)
            .output()
            .unwrap()
    };
    let url = format!("file://{}", root.join("report.html").display());
    let dom = browser(&["--dump-dom"], url.clone());
    let dom = stdout(&dom);
    assert!(
        dom.contains(&format!("{n} of {n} shown")),
        "the page's script did not run: {dom}"
    );
    assert!(
        dom.contains("enum-value-removed") && dom.contains("CUSTOMER_STATUS_PROSPECT"),
        "{dom}"
    );
    let filtered = stdout(&browser(&["--dump-dom"], format!("{url}#q=no-such-finding")));
    assert!(
        filtered.contains(&format!("0 of {n} shown")),
        "the filter did not apply: {filtered}"
    );
    let shot = root.join("report.png");
    let o = browser(
        &["--window-size=1280,900", &format!("--screenshot={}", shot.display())],
        url,
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}): {}", stderr(&o)));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} bytes", png.len());
}

/// With mappings in the workspace, `check` validates them and shows which lines a change breaks.
#[test]
fn check_includes_mapping_validation_and_impact() {
    let ws = workspace();
    let root = ws.path();
    copy_dir(&repo().join("mappings"), &root.join("mappings"));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "mappings"]);
    let (report, status, err) = check_json(root, &[]);
    assert_eq!(status, 0, "{err}");
    assert!(
        rules(&report).iter().all(|r| r == "mapping-outdated-canonical"),
        "{report:#}"
    );
    let crm = root.join("contracts/crm/accounts.openapi.yaml");
    let text = std::fs::read_to_string(&crm).unwrap();
    std::fs::write(&crm, text.replace("        Phone:", "        PhoneNumber:")).unwrap();
    let (report, status, err) = check_json(root, &["--fail-on", "error"]);
    assert_eq!(status, 1, "{err}");
    let rules = rules(&report);
    assert!(rules.contains(&"mapping-broken-by-change".to_string()), "{rules:?}");
    assert!(rules.contains(&"mapping-source-missing".to_string()), "{rules:?}");
}

/// `[[samples]]` in mapcheck.toml: `check` runs drift on them and reports it with the rest.
#[test]
fn check_runs_drift_on_configured_samples() {
    let ws = workspace();
    let root = ws.path();
    std::fs::create_dir_all(root.join("samples/crm")).unwrap();
    let clean = std::fs::read_to_string(repo().join("samples/crm/accounts.ndjson")).unwrap();
    let drifted = clean.replacen("\"Industry\": \"Healthcare\"", "\"Industry\": \"Aerospace\"", 1);
    assert_ne!(clean, drifted);
    std::fs::write(root.join("samples/crm/accounts.ndjson"), drifted).unwrap();
    let config = root.join("mapcheck.toml");
    let template = std::fs::read_to_string(&config).unwrap();
    let with =
        |entry: &str| format!("{template}\n[[samples]]\ncontract = \"contracts/crm/accounts.openapi.yaml\"\n{entry}");
    let text = with("type = \"Account\"\npaths = [\"samples/**/*.ndjson\"]\n");
    std::fs::write(&config, &text).unwrap();
    let (report, status, err) = check_json(root, &[]);
    assert_eq!(status, 1, "{err}");
    let unknown: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "enum-value-unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{report:#}");
    assert!(
        unknown[0]["message"].as_str().unwrap().contains("\"Aerospace\""),
        "{report:#}"
    );
    // Tolerated up to a share: a warning, and the check passes.
    std::fs::write(
        &config,
        with("type = \"Account\"\nmax_rate = 0.2\npaths = [\"samples/**/*.ndjson\"]\n"),
    )
    .unwrap();
    let (report, status, err) = check_json(root, &[]);
    assert_eq!(status, 0, "{err}\n{report:#}");
    assert!(rules(&report).contains(&"enum-value-unknown".to_string()), "{report:#}");
    // A glob that matches nothing is a configuration error naming the entry.
    std::fs::write(&config, with("paths = [\"samples/**/*.csv\"]\n")).unwrap();
    let (_, status, err) = check_json(root, &[]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("[[samples]] #1: `samples/**/*.csv` matches no file"),
        "{err}"
    );
}

#[test]
fn one_check_writes_every_output() {
    let ws = workspace();
    let root = ws.path();
    remove_enum_value(root);
    let o = mapcheck_in(
        root,
        &[
            "check",
            "--output",
            "github",
            "--output",
            "sarif=out/mapcheck.sarif",
            "--output",
            "markdown=summary.md",
            "--output",
            "junit=report.xml",
            "--output",
            "json=report.json",
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // stdout: the workflow commands instead of --format's text.
    let text = stdout(&o);
    assert!(text.lines().any(|l| l.starts_with("::error ")), "{text}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("out/mapcheck.sarif")).unwrap()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("report.json")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        json["findings"].as_array().unwrap().len(),
        "the same findings in each"
    );
    let rule = json["findings"][0]["rule"].as_str().unwrap().to_string();
    let markdown = std::fs::read_to_string(root.join("summary.md")).unwrap();
    assert!(markdown.contains(&rule), "{rule}: {markdown}");
    assert!(
        std::fs::read_to_string(root.join("report.xml"))
            .unwrap()
            .contains("<testsuite")
    );
    // Without a stdout output, stdout keeps --format's report.
    let o = mapcheck_in(root, &["check", "--format", "json", "--output", "sarif=again.sarif"]);
    assert_eq!(code(&o), 1);
    assert!(serde_json::from_slice::<serde_json::Value>(&o.stdout).is_ok());
    assert!(root.join("again.sarif").is_file());
    // Two formats cannot share stdout; an unknown format is a usage error.
    let o = mapcheck_in(root, &["check", "--output", "github", "--output", "text"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("at most one format can go to stdout"),
        "{}",
        stderr(&o)
    );
    let o = mapcheck_in(root, &["check", "--output", "pdf=x.pdf"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown format `pdf`"), "{}", stderr(&o));
}

#[test]
fn skip_and_only_choose_the_parts_of_a_check() {
    let ws = workspace();
    let root = ws.path();
    remove_enum_value(root);
    copy_dir(&repo().join("mappings"), &root.join("mappings"));
    let rules_of = |args: &[&str]| -> (Vec<String>, i32) {
        let (report, code, err) = check_json(root, args);
        let rules = report["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{err}"))
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        (rules, code)
    };
    let (all, status) = rules_of(&[]);
    assert_eq!(status, 1);
    assert!(all.iter().any(|r| r == "enum-value-removed"), "{all:?}");
    assert!(all.iter().any(|r| r.starts_with("mapping-")), "{all:?}");
    let (without, status) = rules_of(&["--skip", "contracts"]);
    assert!(without.iter().all(|r| r != "enum-value-removed"), "{without:?}");
    assert!(without.iter().any(|r| r.starts_with("mapping-")), "{without:?}");
    assert_eq!(status, 0, "the breaking change is in the skipped part");
    let (only, _) = rules_of(&["--only", "contracts"]);
    assert!(only.iter().all(|r| !r.starts_with("mapping-")), "{only:?}");
    assert!(only.iter().any(|r| r == "enum-value-removed"), "{only:?}");
    let o = mapcheck_in(root, &["check", "--only", "contracts", "--skip", "mappings"]);
    assert_eq!(code(&o), 2, "--skip and --only exclude each other");
    let o = mapcheck_in(root, &["check", "--skip", "nothing"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn no_silent_passes_without_a_ref_to_compare_with() {
    let ws = workspace();
    let root = ws.path();
    // HEAD (feature) at main with nothing uncommitted: the base is HEAD itself, and the report says so.
    let (report, status, err) = check_json(root, &[]);
    assert_eq!(status, 0, "{err}");
    assert!(rules(&report).iter().any(|r| r == "nothing-compared"), "{report:#}");
    // A shallow clone of a feature branch has no main: an error under CI, a warning elsewhere.
    remove_enum_value(root);
    git(root, &["commit", "-qam", "break"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", root.display());
    let target = clone.path().join("c");
    git(
        clone.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            &url,
            &target.display().to_string(),
        ],
    );
    git(&target, &["remote", "remove", "origin"]);
    let run = |ci: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mapcheck"));
        cmd.args(["check", "--format", "json"]).current_dir(&target);
        if ci {
            cmd.env("CI", "true")
        } else {
            cmd.env_remove("CI")
        };
        cmd.output().unwrap()
    };
    let o = run(true);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("this is a shallow clone without the default branch"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("fetch-depth: 0"), "{}", stderr(&o));
    let o = run(false);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rules(&report), ["base-ref-missing"], "{report:#}");
    // --against latest-tag: the highest version tag reachable from HEAD.
    git(root, &["tag", "v1.2.0", "main"]);
    git(root, &["tag", "v1.10.0-rc.1", "main"]);
    git(root, &["tag", "not-a-version", "main"]);
    let o = mapcheck_in(root, &["diff", "--against", "latest-tag", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["old_location"]["file"].as_str().map(String::from))
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| f.starts_with("v1.10.0-rc.1:")),
        "{files:?}"
    );
}

/// `[[samples]]` freshness in `check`: the newest `LastModifiedDate` of the CRM sample against the
/// clock (the sample's newest value is from 2026; a century of max age passes, a second fails).
#[test]
fn samples_freshness_runs_in_check() {
    let ws = workspace();
    let root = ws.path();
    copy_dir(&repo().join("samples"), &root.join("samples"));
    let base = "[[samples]]\ncontract = \"contracts/crm/accounts.openapi.yaml\"\ntype = \"Account\"\npaths = [\"samples/crm/*.ndjson\"]\nfreshness = \"LastModifiedDate\"\n";
    std::fs::write(root.join("mapcheck.toml"), format!("{base}max_age = \"36500d\"\n")).unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    std::fs::write(root.join("mapcheck.toml"), format!("{base}max_age = \"1s\"\n")).unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("stale-data"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("the newest `LastModifiedDate` is 20"),
        "{}",
        stdout(&o)
    );
    // Half a setting is a configuration error naming the entry.
    std::fs::write(root.join("mapcheck.toml"), base).unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("[[samples]] #1: `freshness` needs `max_age`"),
        "{}",
        stderr(&o)
    );
    std::fs::write(root.join("mapcheck.toml"), format!("{base}max_age = \"a day\"\n")).unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(":6:11: [[samples]] #1: max_age `a day` is not a duration"),
        "{}",
        stderr(&o)
    );
}

/// `[[samples]]` with `envelope = "debezium"`: the change events' rows are checked in `check`,
/// `max_age` alone checks `source.ts_ms`, and an unknown envelope is a configuration error.
#[test]
fn samples_envelopes_run_in_check() {
    let ws = workspace();
    let root = ws.path();
    copy_dir(&repo().join("tests/fixtures/samples/debezium"), &root.join("cdc"));
    let base = "[[samples]]\ncontract = \"cdc/customer.schema.json\"\npaths = [\"cdc/customers.ndjson\"]\n";
    std::fs::write(
        root.join("mapcheck.toml"),
        format!("{base}envelope = \"debezium\"\nmax_age = \"36500d\"\n"),
    )
    .unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings", "--format", "json"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"envelope-events"), "{rules:?}");
    assert!(rules.contains(&"unexpected-type"), "{rules:?}");
    assert!(!rules.contains(&"stale-data"), "{rules:?}");
    assert!(!rules.contains(&"malformed-record"), "{rules:?}");
    std::fs::write(root.join("mapcheck.toml"), format!("{base}envelope = \"maxwell\"\n")).unwrap();
    let o = mapcheck_in(root, &["check", "--skip", "contracts,mappings"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("[[samples]] #1: envelope `maxwell`: expected none, debezium or kafka-connect"),
        "{}",
        stderr(&o)
    );
}
