//! mapcheck.toml (rule severities, ignores with expiry) and ignores written inside contracts.

use std::path::Path;

use crate::*;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A workspace (its own root: it has mapcheck.toml) with the Avro diff fixtures under old/ and new/.
fn workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mapcheck.toml", config);
    let fixture = |n| std::fs::read_to_string(repo().join(format!("tests/fixtures/diff/avro/v{n}.avsc"))).unwrap();
    write(dir.path(), "old/customer.avsc", &fixture(1));
    write(dir.path(), "new/customer.avsc", &fixture(2));
    dir
}

fn diff_report(dir: &Path, args: &[&str]) -> (serde_json::Value, i32, String) {
    let mut full = vec!["diff", "--format", "json"];
    full.extend_from_slice(args);
    let o = mapcheck_in(dir, &full);
    (
        serde_json::from_slice(&o.stdout).unwrap_or_default(),
        code(&o),
        stderr(&o),
    )
}

fn rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{} {}", f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect()
}

#[test]
fn without_a_config_everything_is_reported() {
    let dir = workspace("");
    let (report, code, err) = diff_report(dir.path(), &["old", "new"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rules(&report),
        [
            "error enum-value-removed",
            "info type-widened",
            "error avro-reader-field-missing-default"
        ]
    );
}

#[test]
fn rules_can_be_turned_off_or_reweighted() {
    let dir = workspace("[rules]\nenum-value-removed = \"off\"\navro-reader-field-missing-default = \"warning\"\n");
    let (report, code, err) = diff_report(dir.path(), &["old", "new"]);
    assert_eq!(code, 0, "{err}");
    // The breaking change is a warning now; the one judged safe (int to long) stays info.
    assert_eq!(
        rules(&report),
        ["info type-widened", "warning avro-reader-field-missing-default"]
    );
    assert_eq!(report["summary"]["suppressed"]["off"], 1);
}

#[test]
fn ignores_match_rule_file_and_element_and_expire() {
    let dir = workspace(
        r#"
[[ignore]]
rule = "enum-value-removed"
path = "new/*.avsc"
reason = "SILVER customers were migrated in PLAT-12"

[[ignore]]
rule = "avro-reader-field-missing-default"
element = "Customer.region"
reason = "every producer sets region since March"
until = 2001-01-01
"#,
    );
    let (report, code, err) = diff_report(dir.path(), &["old", "new"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        rules(&report),
        ["info type-widened", "error avro-reader-field-missing-default"]
    );
    let expired = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "Customer.region")
        .unwrap();
    assert!(
        expired["help"].as_str().unwrap().contains("expired on 2001-01-01"),
        "{expired:#}"
    );
    assert_eq!(report["summary"]["suppressed"]["ignored"], 1);
    assert_eq!(report["summary"]["suppressed"]["expired"], 1);
    // The text summary says so too.
    let o = mapcheck_in(dir.path(), &["diff", "old", "new"]);
    assert!(
        stdout(&o).contains("; 1 suppressed; 1 finding no longer ignored (expired)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_config_is_found_from_a_subdirectory() {
    let dir = workspace("[rules]\nenum-value-removed = \"off\"\n");
    let (report, _, err) = diff_report(&dir.path().join("new"), &["../old", "."]);
    assert!(err.is_empty(), "{err}");
    assert!(!rules(&report).contains(&"error enum-value-removed".to_string()));
}

#[test]
fn config_mistakes_are_usage_errors_naming_the_place() {
    let dir = workspace("[rules]\nfield-remove = \"off\"\n");
    let (_, code, err) = diff_report(dir.path(), &["old", "new"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("mapcheck.toml: [rules]: unknown rule 'field-remove' (did you mean field-removed"),
        "{err}"
    );
    let dir = workspace("[[ignore]]\nrule = \"field-added\"\nreason = \"x\"\ncolour = 1\n");
    let (_, code, err) = diff_report(dir.path(), &["old", "new"]);
    assert_eq!(code, 2);
    assert!(err.contains("mapcheck.toml:4:1"), "{err}");
}

#[test]
fn avro_mapcheck_ignore_property() {
    let dir = workspace("");
    let new = std::fs::read_to_string(dir.path().join("new/customer.avsc")).unwrap();
    let ignored = new.replace(
        r#"{"type": "enum", "name": "Tier", "symbols": ["GOLD"]}"#,
        r#"{"type": "enum", "name": "Tier", "symbols": ["GOLD"], "mapcheck.ignore": ["enum-value-removed"]}"#,
    );
    assert_ne!(new, ignored);
    write(dir.path(), "new/customer.avsc", &ignored);
    let (report, _, err) = diff_report(dir.path(), &["old", "new"]);
    assert!(err.is_empty(), "{err}");
    assert!(
        !rules(&report).contains(&"error enum-value-removed".to_string()),
        "{report:#}"
    );
    assert_eq!(report["summary"]["suppressed"]["inline"], 1);
}

#[test]
fn openapi_x_mapcheck_ignore_covers_the_node_and_below() {
    let dir = workspace("");
    let spec = |status: &str| {
        format!(
            r#"openapi: 3.1.0
info: {{title: T, version: "1"}}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {{type: string, enum: [{status}]}}
"#
        )
    };
    write(dir.path(), "o/api.yaml", &spec("open, closed"));
    write(dir.path(), "n/api.yaml", &spec("open, closed, archived"));
    let (report, code, _) = diff_report(dir.path(), &["o", "n"]);
    assert_eq!(code, 1, "{report:#}");
    let ignored = spec("open, closed, archived").replace(
        "        \"200\":\n",
        "        \"200\":\n          x-mapcheck-ignore: [enum-value-added]\n",
    );
    write(dir.path(), "n/api.yaml", &ignored);
    let (report, code, err) = diff_report(dir.path(), &["o", "n"]);
    assert_eq!(code, 0, "{err}{report:#}");
    assert_eq!(report["summary"]["suppressed"]["inline"], 1);
}

#[test]
fn proto_ignore_comment() {
    let dir = workspace("");
    let old = "syntax = \"proto3\";\npackage p.v1;\nmessage M {\n  string id = 1;\n  string legacy = 2;\n}\n";
    let new = "syntax = \"proto3\";\npackage p.v1;\nmessage M {\n  string id = 1;\n  int64 legacy = 2;\n}\n";
    write(dir.path(), "po/m.proto", old);
    write(dir.path(), "pn/m.proto", new);
    let (report, code, _) = diff_report(dir.path(), &["po", "pn"]);
    assert_eq!(code, 1, "{report:#}");
    let broken: Vec<String> = rules(&report).into_iter().filter(|r| r.starts_with("error")).collect();
    assert!(!broken.is_empty());
    let ids: Vec<&str> = broken.iter().map(|r| r.trim_start_matches("error ")).collect();
    let commented = new.replace(
        "  int64 legacy = 2;",
        &format!("  // mapcheck:ignore {}\n  int64 legacy = 2;", ids.join(", ")),
    );
    write(dir.path(), "pn/m.proto", &commented);
    let (report, code, err) = diff_report(dir.path(), &["po", "pn"]);
    assert_eq!(code, 0, "{err}{report:#}");
}

#[test]
fn contract_sets_choose_the_mode_unless_the_command_line_does() {
    // int -> long: new readers read old data (backward is fine), old readers cannot read new data.
    let config = "[[contracts]]\nname = \"billing\"\npaths = [\"**/*.avsc\"]\nmode = \"forward\"\n";
    let dir = workspace(config);
    let (report, _, err) = diff_report(dir.path(), &["old", "new"]);
    assert!(err.is_empty(), "{err}");
    // Under forward, int -> long breaks old readers: an error now, not an info.
    assert!(rules(&report).contains(&"error type-widened".to_string()), "{report:#}");
    // --mode on the command line wins.
    let (report, _, _) = diff_report(dir.path(), &["old", "new", "--mode", "backward"]);
    assert!(rules(&report).contains(&"info type-widened".to_string()), "{report:#}");
    // Files outside every set keep the default (backward).
    let dir = workspace("[[contracts]]\npaths = [\"elsewhere/**\"]\nmode = \"forward\"\n");
    let (report, _, _) = diff_report(dir.path(), &["old", "new"]);
    assert!(rules(&report).contains(&"info type-widened".to_string()), "{report:#}");
}

/// TOML to JSON for schema validation: dates become their `YYYY-MM-DD` text, as editors treat them.
fn toml_to_json(v: toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => a.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(t) => t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect(),
    }
}

/// docs/schemas/mapcheck.toml.schema.json describes what mapcheck reads: the documented example,
/// the file `mapcheck init` writes, and nothing with a misspelt key.
#[test]
fn the_json_schema_for_mapcheck_toml_matches_the_parser() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("docs/schemas/mapcheck.toml.schema.json")).unwrap())
            .unwrap();
    let validator = ::jsonschema::validator_for(&schema).expect("a valid schema");
    let docs = std::fs::read_to_string(repo().join("docs/config.md")).unwrap();
    let example = docs
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/config.md has a toml example");
    let template = std::fs::read_to_string(repo().join("templates/mapcheck.toml")).unwrap();
    for (name, text) in [
        ("docs/config.md", example),
        ("templates/mapcheck.toml", template.as_str()),
    ] {
        let value = toml_to_json(toml::from_str::<toml::Value>(text).unwrap_or_else(|e| panic!("{name}: {e}")));
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        mapcheck::config::Config::parse(text, Path::new(name), repo()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for bad in [
        "[[contracts]]\npaths = [\"a\"]\nmodee = \"full\"\n",
        "[rules]\nfield-removed = \"loud\"\n",
        "[[ignore]]\nrule = \"field-removed\"\n",
        "[openapi]\nrelaxed = []\n",
        "[protobuf]\nbuf_yml = \"buf.yaml\"\n",
    ] {
        let value = toml_to_json(toml::from_str::<toml::Value>(bad).unwrap());
        assert!(!validator.is_valid(&value), "the schema accepts {bad:?}");
        assert!(
            mapcheck::config::Config::parse(bad, Path::new("mapcheck.toml"), repo()).is_err(),
            "the parser accepts {bad:?}"
        );
    }
}
