//! `mapcheck diff --against <git-ref>` in a temporary repository.

use std::path::Path;

use crate::check::git;
use crate::*;

/// A repository whose first commit (tagged `v1`, on branch `main`) holds the example workspace's
/// Avro, OpenAPI and Protobuf contracts.
fn repo_with_history() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("contracts/erp")).unwrap();
    std::fs::create_dir_all(root.join("contracts/crm")).unwrap();
    let copy = |from: &str, to: &str| std::fs::copy(repo().join(from), root.join(to)).expect(from);
    copy("tests/fixtures/diff/avro/v1.avsc", "contracts/customer.avsc");
    copy(
        "contracts/crm/accounts.openapi.yaml",
        "contracts/crm/accounts.openapi.yaml",
    );
    copy("contracts/erp/common.proto", "contracts/erp/common.proto");
    copy(
        "contracts/erp/customer_service.proto",
        "contracts/erp/customer_service.proto",
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "v1"]);
    git(root, &["tag", "v1"]);
    dir
}

fn diff_in(dir: &Path, args: &[&str]) -> (serde_json::Value, i32, String) {
    let mut full = vec!["diff", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck_in(dir, &full);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (v, code(&o), stderr(&o))
}

fn rules_of(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect()
}

#[test]
fn an_unchanged_working_tree_has_no_changes() {
    let repo = repo_with_history();
    let (report, code, err) = diff_in(repo.path(), &["--against", "main"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rules_of(&report), Vec::<String>::new());
}

#[test]
fn a_breaking_edit_is_found_from_any_subdirectory_and_any_ref_form() {
    let repo = repo_with_history();
    let root = repo.path();
    std::fs::copy(
        repo_path("tests/fixtures/diff/avro/v2.avsc"),
        root.join("contracts/customer.avsc"),
    )
    .unwrap();
    git(root, &["commit", "-qam", "v2"]);
    for reference in ["v1", "HEAD~1", "main~1"] {
        for dir in [root.to_path_buf(), root.join("contracts"), root.join("contracts/erp")] {
            let target = if dir.ends_with("erp") { "../customer.avsc" } else { "." };
            let (report, code, err) = diff_in(&dir, &["--against", reference, target]);
            assert_eq!(code, 1, "{reference} from {}: {err}", dir.display());
            let rules = rules_of(&report);
            assert!(
                rules.contains(&"enum-value-removed Customer.tier".to_string()),
                "{rules:?}"
            );
            let old = &report["findings"][0]["old_location"]["file"];
            assert_eq!(old, &serde_json::json!(format!("{reference}:contracts/customer.avsc")));
        }
    }
}

fn repo_path(p: &str) -> std::path::PathBuf {
    repo().join(p)
}

#[test]
fn added_and_removed_files_are_reported() {
    let repo = repo_with_history();
    let root = repo.path();
    std::fs::copy(
        repo_path("contracts/canonical/customer/v1.schema.json"),
        root.join("contracts/new.schema.json"),
    )
    .unwrap();
    std::fs::remove_file(root.join("contracts/crm/accounts.openapi.yaml")).unwrap();
    let (report, code, err) = diff_in(root, &["--against", "main"]);
    assert_eq!(code, 1, "{err}");
    let rules = rules_of(&report);
    assert!(rules.iter().any(|r| r.starts_with("contract-added ")), "{rules:?}");
    assert!(rules.iter().any(|r| r.starts_with("contract-removed ")), "{rules:?}");
    // Annotations and SARIF name a removed file by its repository path, and the ref in words.
    let removed = "contracts/crm/accounts.openapi.yaml";
    let o = mapcheck_in(root, &["diff", "--against", "main", "--format", "github"]);
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.contains("contract-removed"))
        .expect("an annotation");
    assert!(line.contains(&format!("file={removed},")), "{line}");
    assert!(
        line.contains("(in `main`: the file is not in the working tree)"),
        "{line}"
    );
    let o = mapcheck_in(root, &["diff", "--against", "main", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "contract-removed")
        .expect("a result");
    let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, removed, "{result:#}");
    assert!(!sarif.to_string().contains("%3A"), "no ref-prefixed uri anywhere");
    // A directory that did not exist at the ref: all added, nothing breaks.
    std::fs::create_dir_all(root.join("later")).unwrap();
    std::fs::copy(repo_path("tests/fixtures/diff/avro/v2.avsc"), root.join("later/x.avsc")).unwrap();
    let (report, code, err) = diff_in(root, &["--against", "main", "later"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rules_of(&report), ["contract-added com.acme.Customer"]);
}

#[test]
fn protobuf_imports_resolve_at_the_ref() {
    let repo = repo_with_history();
    let root = repo.path();
    let path = root.join("contracts/erp/common.proto");
    let text = std::fs::read_to_string(&path).unwrap();
    // Renumber the first field numbered 1: a wire break in the imported file.
    let changed = text.replacen("= 1;", "= 41;", 1);
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
    let (report, code, err) = diff_in(root, &["--against", "main", "contracts/erp"]);
    assert!(err.is_empty(), "{err}");
    assert!(code <= 1);
    assert!(report["findings"].is_array(), "{report}");
}

#[test]
fn unchanged_imported_protos_are_left_out_without_changing_the_findings() {
    let repo = repo_with_history();
    let root = repo.path();
    let path = root.join("contracts/erp/customer_service.proto");
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen("CUSTOMER_STATUS_PROSPECT = 2;", "", 1);
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
    // common.proto is identical at the ref and imported by the changed file.
    let (report, code, err) = diff_in(root, &["--against", "main", "contracts/erp"]);
    assert_eq!(code, 1, "{err}");
    let rules = rules_of(&report);
    assert!(
        rules.iter().any(|r| r.contains("CUSTOMER_STATUS_PROSPECT")),
        "{rules:?}"
    );
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["file"].as_str())
        .collect();
    assert!(files.iter().all(|f| f.ends_with("customer_service.proto")), "{files:?}");
    // The same two trees compared as directories give the same findings.
    let old = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(old.path().join("erp")).unwrap();
    for f in ["common.proto", "customer_service.proto"] {
        std::fs::copy(repo_path(&format!("contracts/erp/{f}")), old.path().join("erp").join(f)).unwrap();
    }
    let o = mapcheck(&[
        "diff",
        "--format",
        "json",
        old.path().join("erp").to_str().unwrap(),
        root.join("contracts/erp").to_str().unwrap(),
    ]);
    let direct: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rules_of(&direct), rules, "{}", stderr(&o));
}

#[test]
fn bad_refs_and_places_are_clear_errors() {
    let repo = repo_with_history();
    let (_, code, err) = diff_in(repo.path(), &["--against", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("'no-such-branch' is not a commit, branch or tag"), "{err}");
    let (_, code, err) = diff_in(repo.path(), &["--against", "--upload-pack=x"]);
    assert_eq!(code, 2, "{err}");
    let outside = tempfile::tempdir().unwrap();
    let (_, code, err) = diff_in(outside.path(), &["--against", "main"]);
    assert_eq!(code, 2);
    assert!(err.contains("--against needs a git repository"), "{err}");
    let (_, code, err) = diff_in(repo.path(), &["--against", "main", "missing/"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing/: no such file or directory"), "{err}");
}

#[test]
fn a_proto_file_keeps_its_name_when_it_starts_importing_a_new_neighbour() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let proto = |rel: &str, text: &str| {
        let path = root.join("contracts/warehouse").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("syntax = \"proto3\";\npackage acme.warehouse;\n{text}")).unwrap();
    };
    let parcel = "message Parcel {\n  string id = 1;\n  int32 weight_grams = 2;\n}\n";
    let shipment = "message Shipment {\n  string id = 1;\n  repeated Parcel parcels = 2;\n}\n";
    proto("shipment.proto", &format!("{parcel}{shipment}"));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "v1"]);
    // Parcel moves into its own file, which shipment.proto imports from the contracts/ root.
    proto("parcel.proto", parcel);
    proto(
        "shipment.proto",
        &format!("import \"warehouse/parcel.proto\";\n{shipment}"),
    );
    let (report, code, err) = diff_in(root, &["--against", "main"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rules_of(&report),
        [
            "contract-added warehouse/parcel.proto",
            "proto-declaration-moved acme.warehouse.Parcel"
        ],
        "{report:#}"
    );
    // The same with two directories on the command line.
    let old = tempfile::tempdir().unwrap();
    git(
        root,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            &old.path().join("v1").display().to_string(),
            "main",
        ],
    );
    let o = mapcheck(&[
        "diff",
        "--format",
        "json",
        &old.path().join("v1/contracts").display().to_string(),
        &root.join("contracts").display().to_string(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        rules_of(&report),
        [
            "contract-added warehouse/parcel.proto",
            "proto-declaration-moved acme.warehouse.Parcel"
        ]
    );
}

#[test]
fn errors_in_the_refs_files_name_them_as_ref_paths_the_same_from_run_to_run() {
    let repo = repo_with_history();
    let root = repo.path();
    std::fs::create_dir_all(root.join("contracts/dup")).unwrap();
    for name in ["one.avsc", "two.avsc"] {
        std::fs::copy(
            crate::repo().join("tests/fixtures/errors/dup").join(name),
            root.join("contracts/dup").join(name),
        )
        .unwrap();
    }
    // A file that cannot be read makes both versions unusable: their errors are printed.
    std::fs::write(
        root.join("contracts/dup/broken.avsc"),
        "{\"type\": \"record\", \"name\": \"Broken\"\n",
    )
    .unwrap();
    git(root, &["add", "-A"]);
    git(
        root,
        &["commit", "-qm", "one Avro name declared twice, one file broken"],
    );
    // Edited since, so that the diff loads them (unchanged files are not compared).
    for name in ["one.avsc", "two.avsc", "broken.avsc"] {
        let path = root.join("contracts/dup").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
    }
    let (_, code, first) = diff_in(root, &["--against", "HEAD"]);
    assert_eq!(code, 2, "{first}");
    // The message names where the first declaration is: in the ref's copy, by its ref path, not
    // the temporary directory the ref was read into.
    assert!(
        first.contains("the first declaration is at HEAD:contracts/dup/one.avsc:1:1"),
        "{first}"
    );
    assert!(!first.contains("mapcheck-git-"), "{first}");
    let (_, _, second) = diff_in(root, &["--against", "HEAD"]);
    assert_eq!(first, second);
}
