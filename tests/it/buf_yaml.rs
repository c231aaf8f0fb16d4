//! A buf.yaml's `breaking` section through the real binary: what it selects, what it leaves out,
//! how mapcheck.toml and `--proto-level` override it, and clear errors for a broken one. The
//! agreement with `buf breaking` itself is tests/it/proto_differential.rs.

use std::path::Path;

use crate::*;

/// The v2-module fixture pair copied into a temporary directory (so buf.yaml and mapcheck.toml can
/// be edited), with `new/` and `old/` side by side.
fn pair(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo().join("tests/fixtures/buf-config").join(case);
    for entry in walkdir::WalkDir::new(&from).into_iter().filter_map(Result::ok) {
        let to = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

fn findings(dir: &Path, args: &[&str]) -> (Vec<String>, i32, String) {
    let mut all = vec!["diff", "old", "new", "--format", "json"];
    all.extend_from_slice(args);
    let o = mapcheck_in(dir, &all);
    let mut out: Vec<String> = match serde_json::from_str::<serde_json::Value>(&stdout(&o)) {
        Ok(v) => v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "info")
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap_or("")))
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    (out, code(&o), stderr(&o))
}

#[test]
fn the_buf_yaml_selects_rules_and_leaves_out_what_it_ignores() {
    let dir = pair("v2-module");
    let (found, exit, _) = findings(dir.path(), &[]);
    // use: [WIRE_JSON], except: [FIELD_SAME_JSON_NAME], ignore: [proto/vendor].
    assert_eq!(
        found,
        [
            "proto-field-removed acme.v1.Order.note",
            "proto-field-renamed acme.v1.Order.email",
        ],
        "{found:?}"
    );
    assert_eq!(exit, 1);
    // --proto-level replaces use/except; the ignores still apply (vendor stays out).
    let (found, _, _) = findings(dir.path(), &["--proto-level", "file"]);
    assert!(found.contains(&"type-removed acme.v1.Gone".to_string()), "{found:?}");
    assert!(
        found.contains(&"proto-field-json-name-changed acme.v1.Order.email".to_string()),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.contains("vendor")), "{found:?}");
    // `[protobuf] buf_yaml = "off"` in mapcheck.toml: the file level, nothing left out.
    std::fs::write(dir.path().join("mapcheck.toml"), "[protobuf]\nbuf_yaml = \"off\"\n").unwrap();
    let (found, _, _) = findings(dir.path(), &[]);
    assert!(
        found.contains(&"proto-field-removed vendor.Thing.gone".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"type-removed acme.v1.Gone".to_string()), "{found:?}");
}

#[test]
fn unstable_packages_can_be_left_out_from_mapcheck_toml_too() {
    let dir = pair("unstable-packages-false");
    let (found, _, _) = findings(dir.path(), &[]);
    assert!(found.iter().any(|f| f.contains("a.v1alpha1.Status")), "{found:?}");
    std::fs::write(
        dir.path().join("mapcheck.toml"),
        "[protobuf]\nignore_unstable_packages = true\n",
    )
    .unwrap();
    let (found, _, _) = findings(dir.path(), &[]);
    let packages: Vec<&str> = found
        .iter()
        .filter_map(|f| f.split(' ').nth(1))
        .map(|p| p.rsplit_once('.').map_or(p, |(a, _)| a))
        .collect();
    for unstable in [
        "a.v1alpha1",
        "a.v1beta1",
        "a.v2beta",
        "a.v1test",
        "a.v1test_foo",
        "a.v1p1beta1",
    ] {
        assert!(
            !packages.iter().any(|p| p.starts_with(&format!("{unstable}."))),
            "{unstable}: {found:?}"
        );
    }
    for stable in ["a.v1.Status", "a.v1alpha1x.Status", "b.Status", "a.Status"] {
        assert!(found.iter().any(|f| f.ends_with(stable)), "{stable}: {found:?}");
    }
}

#[test]
fn a_broken_buf_yaml_is_an_error_naming_file_line_and_column() {
    let dir = pair("rule-ids");
    std::fs::write(
        dir.path().join("new/buf.yaml"),
        "version: v2\nbreaking:\n  use:\n    - FIELD_NO_DELTE\n",
    )
    .unwrap();
    let (_, exit, err) = findings(dir.path(), &[]);
    assert_eq!(exit, 2, "{err}");
    assert!(
        err.contains("buf.yaml:4:7: `FIELD_NO_DELTE` is not a buf breaking rule or category"),
        "{err}"
    );
    std::fs::write(dir.path().join("new/buf.yaml"), "version: v2\nbreaking: [FILE]\n").unwrap();
    let (_, exit, err) = findings(dir.path(), &[]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("buf.yaml:2:11: `breaking` must be a mapping"), "{err}");
    // A buf.yaml does not matter where nothing is Protobuf.
    let o = mapcheck_in(
        &repo().join("tests/fixtures"),
        &["diff", "jsonschema/order.draft7.json", "jsonschema/order.draft7.json"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn local_policies_add_their_rules_and_the_rest_is_noted() {
    // buf.yaml: use [ENUM_NO_DELETE]; policy p1: FIELD_NO_DELETE; policy p2: FIELD_SAME_TYPE,
    // with `ignore: [a.proto]` on its entry.
    let dir = pair("policies-local");
    let (found, exit, err) = findings(dir.path(), &[]);
    assert_eq!(found, ["proto-field-removed a.v1.M.x", "type-removed a.v1.E"], "{err}");
    assert_eq!(exit, 1);
    assert_eq!(err, "");
    // A policy that is not a local file, and a local one with plugins: noted, the rest applies.
    std::fs::write(
        dir.path().join("new/buf.yaml"),
        "version: v2\nbreaking:\n  use: [ENUM_NO_DELETE]\npolicies:\n  - policy: buf.build/acme/policy\n  - policy: p1.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("new/p1.yaml"),
        "version: v2\nbreaking:\n  use: [FIELD_SAME_TYPE]\nplugins:\n  - plugin: buf-plugin-suffix.wasm\n",
    )
    .unwrap();
    let (found, _, err) = findings(dir.path(), &[]);
    assert_eq!(
        found,
        ["proto-field-json-type-changed a.v1.M.n", "type-removed a.v1.E"],
        "{err}"
    );
    assert!(
        err.contains("buf.yaml:5: policy `buf.build/acme/policy` is not applied: only local policy files are read"),
        "{err}"
    );
    assert!(
        err.contains("p1.yaml: the rules of its `plugins` are not applied"),
        "{err}"
    );
    // --proto-level replaces the rule selection, policies included.
    let (found, _, _) = findings(dir.path(), &["--proto-level", "wire"]);
    assert_eq!(found, ["proto-field-removed a.v1.M.x"]);
}

/// `check` honours the repository's buf.yaml as `diff --against` does: a renamed field and a
/// field removed from a `v1alpha1` package, with `ignore_unstable_packages`, give one break.
#[test]
fn check_honours_the_buf_yaml_of_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::check::git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("proto/acme/v1")).unwrap();
    std::fs::create_dir_all(root.join("proto/acme/v1alpha1")).unwrap();
    std::fs::write(
        root.join("buf.yaml"),
        "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [FILE]\n  ignore_unstable_packages: true\n",
    )
    .unwrap();
    std::fs::write(
        root.join("mapcheck.toml"),
        "[[contracts]]\nname = \"acme\"\npaths = [\"proto/**/*.proto\"]\n",
    )
    .unwrap();
    let stable = root.join("proto/acme/v1/order.proto");
    let alpha = root.join("proto/acme/v1alpha1/draft.proto");
    std::fs::write(
        &stable,
        "syntax = \"proto3\";\npackage acme.v1;\nmessage Order {\n  string id = 1;\n  string mail = 2;\n}\n",
    )
    .unwrap();
    std::fs::write(
        &alpha,
        "syntax = \"proto3\";\npackage acme.v1alpha1;\nmessage Draft {\n  string id = 1;\n  string note = 2;\n}\n",
    )
    .unwrap();
    crate::check::git(root, &["add", "-A"]);
    crate::check::git(root, &["commit", "-qm", "v1"]);
    std::fs::write(
        &stable,
        "syntax = \"proto3\";\npackage acme.v1;\nmessage Order {\n  string id = 1;\n  string email = 2;\n}\n",
    )
    .unwrap();
    std::fs::write(
        &alpha,
        "syntax = \"proto3\";\npackage acme.v1alpha1;\nmessage Draft {\n  string id = 1;\n}\n",
    )
    .unwrap();
    let breaks = |extra: &str| -> Vec<String> {
        let mut toml = "[[contracts]]\nname = \"acme\"\npaths = [\"proto/**/*.proto\"]\n".to_string();
        toml.push_str(extra);
        std::fs::write(root.join("mapcheck.toml"), toml).unwrap();
        let o = mapcheck_in(root, &["check", "--against", "HEAD", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
        let mut out: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap_or("")))
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        breaks(""),
        [
            "proto-field-json-name-changed acme.v1.Order.email",
            "proto-field-renamed acme.v1.Order.email"
        ]
    );
    let all = breaks("[protobuf]\nbuf_yaml = \"off\"\n");
    assert!(
        all.contains(&"proto-field-removed acme.v1alpha1.Draft.note".to_string()),
        "{all:?}"
    );
}
