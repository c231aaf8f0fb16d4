//! `mapcheck drift` and `mapcheck infer` on real sample files.
//!
//! Every drift rule has a case under `tests/fixtures/drift/<rule-id>/`: a `contract.*`, a
//! `sample.*` and `expected.txt` (`severity rule path` lines, sorted). `MAPCHECK_BLESS=1` rewrites
//! the snapshots after review.

use std::path::{Path, PathBuf};

use crate::*;

const SAMPLES: &str = "tests/fixtures/samples";
const CONTRACT: &str = "tests/fixtures/samples/customer.schema.json";

fn sample(name: &str) -> String {
    format!("{SAMPLES}/{name}")
}

fn find_file(dir: &Path, stem: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{stem}.")))
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

#[test]
fn every_drift_rule_fires_in_its_fixture() {
    let root = repo().join("tests/fixtures/drift");
    let bless = std::env::var_os("MAPCHECK_BLESS").is_some();
    let mut problems = Vec::new();
    let mut covered = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let rule = dir.file_name().unwrap().to_string_lossy().into_owned();
        let contract = find_file(&dir, "contract").expect("contract.*");
        let samples = find_file(&dir, "sample").expect("sample.*");
        let rel = |p: &Path| p.strip_prefix(repo()).unwrap().display().to_string();
        // `args.txt`, when present: more arguments (`--validate`).
        let extra = std::fs::read_to_string(dir.join("args.txt")).unwrap_or_default();
        let mut args = vec![
            rel(&samples),
            "--contract".into(),
            rel(&contract),
            "--fail-on".into(),
            "never".into(),
        ];
        args.extend(extra.split_whitespace().map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (findings, _) = drift_json(&args);
        let got = lines(&findings);
        if !got.iter().any(|l| l.split(' ').nth(1) == Some(rule.as_str())) {
            problems.push(format!("{rule}: does not fire: {got:?}"));
        }
        let actual: String = got.iter().map(|l| format!("{l}\n")).collect();
        let expected = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected, &actual).unwrap();
        } else if std::fs::read_to_string(&expected).ok().as_deref() != Some(actual.as_str()) {
            problems.push(format!("{rule}: differs from expected.txt:\n{actual}"));
        }
        covered.push(rule);
    }
    for r in mapcheck::rules::all().into_iter().filter(|r| r.category == "drift") {
        if !covered.iter().any(|c| c == r.id) {
            problems.push(format!("{}: no fixture under tests/fixtures/drift", r.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn clean_samples_have_no_drift_in_every_encoding() {
    for file in ["clean.ndjson", "clean.ndjson.gz", "clean.ndjson.zst"] {
        let (findings, code) = drift_json(&[&sample(file), "--contract", CONTRACT]);
        assert_eq!(code, 0, "{file}: {findings:#?}");
        // Only the field no record has.
        assert_eq!(lines(&findings), ["info declared-field-unseen legacy_code"], "{file}");
    }
}

#[test]
fn planted_drift_is_found_with_counts_rates_and_lines() {
    let (findings, code) = drift_json(&[&sample("drifted.ndjson"), "--contract", CONTRACT]);
    assert_eq!(code, 1);
    assert_eq!(
        lines(&findings),
        [
            "error enum-value-unknown status",
            "error format-violation email",
            "error length-violation name",
            "error malformed-record ",
            "error pattern-violation country",
            "error range-violation id",
            "error required-field-missing address.city",
            "error required-field-missing status",
            "error unexpected-null email",
            "error unexpected-type id",
            "info declared-field-unseen legacy_code",
            "warning undeclared-field loyalty_tier",
        ]
    );
    let message = |rule: &str| -> String { with_rule(&findings, rule)[0]["message"].as_str().unwrap().to_string() };
    let enum_msg = message("enum-value-unknown");
    assert!(enum_msg.contains("1 of 19 values (5.26%)"), "{enum_msg}");
    assert!(enum_msg.contains("\"archived\""), "{enum_msg}");
    assert!(
        enum_msg.contains("tests/fixtures/samples/drifted.ndjson:2"),
        "{enum_msg}"
    );
    let missing = message("required-field-missing");
    assert!(missing.contains("drifted.ndjson:"), "{missing}");
    let undeclared = message("undeclared-field");
    assert!(undeclared.contains("1 of 20 objects (5.00%)"), "{undeclared}");
    assert!(undeclared.contains("drifted.ndjson:10"), "{undeclared}");
    let malformed = with_rule(&findings, "malformed-record")[0];
    assert!(
        malformed["message"].as_str().unwrap().contains("line 13:"),
        "{malformed}"
    );
    assert_eq!(malformed["location"]["file"], "tests/fixtures/samples/drifted.ndjson");
    // Findings point at the contract's declaration of the field.
    let f = with_rule(&findings, "enum-value-unknown")[0];
    assert_eq!(f["location"]["file"], CONTRACT);
    assert!(f["location"]["line"].as_u64().unwrap() > 1);
}

#[test]
fn max_rate_turns_rare_anomalies_into_warnings() {
    let (findings, code) = drift_json(&[&sample("drifted.ndjson"), "--contract", CONTRACT, "--max-rate", "0.06"]);
    // 1 of 19 or 20 is at most 6%: warnings. Malformed records are not rates.
    assert_eq!(code, 1);
    let errors: Vec<String> = lines(&findings)
        .into_iter()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert_eq!(errors, ["error malformed-record "]);
    let (findings, _) = drift_json(&[&sample("drifted.ndjson"), "--contract", CONTRACT, "--max-rate", "0.05"]);
    let errors: Vec<String> = lines(&findings)
        .into_iter()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert!(
        errors.contains(&"error enum-value-unknown status".to_string()),
        "{errors:?}"
    );
    let o = mapcheck(&[
        "drift",
        &sample("clean.ndjson"),
        "--contract",
        CONTRACT,
        "--max-rate",
        "2",
    ]);
    assert_eq!(code_of(&o), 2);
    assert!(stderr(&o).contains("not between 0 and 1"), "{}", stderr(&o));
}

fn code_of(o: &std::process::Output) -> i32 {
    code(o)
}

#[test]
fn json_arrays_are_read_with_element_lines() {
    let (findings, code) = drift_json(&[&sample("customers.json"), "--contract", CONTRACT]);
    assert_eq!(code, 1);
    let f = with_rule(&findings, "enum-value-unknown");
    assert!(
        f[0]["message"].as_str().unwrap().contains("customers.json:3"),
        "{:#?}",
        f
    );
}

#[test]
fn a_broken_json_array_is_a_malformed_record_with_its_line() {
    let (findings, code) = drift_json(&[&sample("broken.json"), "--contract", CONTRACT]);
    assert_eq!(code, 1);
    let f = with_rule(&findings, "malformed-record");
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert!(f[0]["message"].as_str().unwrap().contains("line 3: column"), "{f:#?}");
}

#[test]
fn csv_rows_are_typed_and_short_rows_are_malformed() {
    let (findings, code) = drift_json(&[&sample("customers.csv"), "--contract", CONTRACT]);
    assert_eq!(code, 1);
    assert_eq!(
        lines(&findings),
        [
            "error enum-value-unknown status",
            "error malformed-record ",
            "info declared-field-unseen address",
            "info declared-field-unseen legacy_code",
            "info declared-field-unseen tags",
        ]
    );
    let enum_msg = with_rule(&findings, "enum-value-unknown")[0]["message"]
        .as_str()
        .unwrap();
    assert!(enum_msg.contains("customers.csv:22"), "{enum_msg}");
    let bad = with_rule(&findings, "malformed-record")[0]["message"].as_str().unwrap();
    assert!(bad.contains("line 23: 3 fields where the header has 7"), "{bad}");
}

#[test]
fn too_many_malformed_records_stop_the_scan() {
    let o = mapcheck(&[
        "drift",
        &sample("many-bad.ndjson"),
        "--contract",
        CONTRACT,
        "--max-errors",
        "2",
    ]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("more than 2 malformed records"), "{err}");
    assert!(err.contains("many-bad.ndjson:2: column"), "{err}");
    // Within the limit: reported, and the rest is checked.
    let (findings, code) = drift_json(&[&sample("many-bad.ndjson"), "--contract", CONTRACT, "--max-errors", "5"]);
    assert_eq!(code, 1);
    let bad = with_rule(&findings, "malformed-record")[0]["message"].as_str().unwrap();
    assert!(bad.starts_with("5 malformed records skipped; line 2: column"), "{bad}");
}

#[test]
fn missing_samples_and_unknown_types_are_usage_errors() {
    let o = mapcheck(&["drift", &sample("nope.ndjson"), "--contract", CONTRACT]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope.ndjson: no such file"), "{}", stderr(&o));
    let o = mapcheck(&[
        "drift",
        &sample("clean.ndjson"),
        "--contract",
        "contracts/crm/accounts.openapi.yaml",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("pick one with --type"), "{}", stderr(&o));
    let o = mapcheck(&[
        "drift",
        &sample("clean.ndjson"),
        "--contract",
        CONTRACT,
        "--type",
        "Nope",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--type Nope"), "{}", stderr(&o));
}

#[test]
fn every_output_format_renders_drift() {
    for format in ["text", "json", "markdown", "github", "sarif", "junit"] {
        let o = mapcheck(&[
            "drift",
            &sample("drifted.ndjson"),
            "--contract",
            CONTRACT,
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("enum-value-unknown"), "{format}: {out}");
    }
    let o = mapcheck(&["drift", &sample("drifted.ndjson"), "--contract", CONTRACT]);
    let text = stdout(&o);
    assert!(
        text.contains("error[enum-value-unknown]: `status` has values outside the contract's enum"),
        "{text}"
    );
    assert!(text.contains("errors, 1 warning, 1 info in 1 contract"), "{text}");
}

#[test]
fn directories_are_searched_for_samples() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["clean.ndjson", "clean.ndjson.gz"] {
        std::fs::copy(repo().join(SAMPLES).join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("README.md"), "not a sample").unwrap();
    let contract = repo().join(CONTRACT);
    let o = mapcheck_in(
        dir.path(),
        &[
            "drift",
            ".",
            "--contract",
            contract.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Infer a draft, then drift the same samples against it: no errors, no warnings.
#[test]
fn inferred_drafts_accept_their_own_samples() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = vec![
        vec![sample("clean.ndjson")],
        vec![sample("drifted.ndjson")],
        vec![sample("customers.json"), sample("clean.ndjson.zst")],
        vec![sample("customers.csv")],
    ];
    if cfg!(feature = "parquet") {
        inputs.push(vec![sample("drifted.parquet")]);
        inputs.push(vec![sample("clean.parquet"), sample("clean.ndjson")]);
    }
    for (to, ext) in [
        ("jsonschema", "schema.json"),
        ("avro", "avsc"),
        ("openapi", "openapi.json"),
    ] {
        for (i, files) in inputs.iter().enumerate() {
            let draft = dir.path().join(format!("draft{i}.{ext}"));
            let mut args = vec!["infer", "--to", to, "--output", draft.to_str().unwrap()];
            args.extend(files.iter().map(String::as_str));
            let o = mapcheck(&args);
            assert_eq!(code(&o), 0, "{to} {files:?}: {}", stderr(&o));
            let mut args = vec!["drift", "--contract", draft.to_str().unwrap(), "--format", "json"];
            args.extend(files.iter().map(String::as_str));
            let o = mapcheck(&args);
            let report: serde_json::Value =
                serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{to} {files:?}: {e}: {}", stderr(&o)));
            let failing: Vec<String> = lines(report["findings"].as_array().unwrap())
                .into_iter()
                .filter(|l| !l.starts_with("info") && !l.contains("malformed-record"))
                .collect();
            assert!(
                failing.is_empty(),
                "{to} {files:?}: {failing:?}\n{}",
                std::fs::read_to_string(&draft).unwrap()
            );
        }
    }
}

/// `clean.parquet` is `clean.ndjson` written by DuckDB (`COPY (SELECT * FROM
/// read_json_auto('clean.ndjson')) TO 'clean.parquet'`): timestamps, lists and structs.
/// `drifted.parquet` plants drift in typed columns, with dates and decimals.
#[cfg(feature = "parquet")]
#[test]
fn parquet_samples_are_read_row_by_row() {
    let (findings, code) = drift_json(&[&sample("clean.parquet"), "--contract", CONTRACT]);
    assert_eq!(code, 0, "{findings:#?}");
    assert_eq!(lines(&findings), ["info declared-field-unseen legacy_code"]);

    let (findings, code) = drift_json(&[&sample("drifted.parquet"), "--contract", CONTRACT]);
    assert_eq!(code, 1);
    assert_eq!(lines(&findings), PARQUET_DRIFT, "{findings:#?}");
    let f = with_rule(&findings, "enum-value-unknown")[0];
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("\"archived\""), "{message}");
    assert!(
        message.contains("tests/fixtures/samples/drifted.parquet:2"),
        "{message}"
    );

    // What the columns read as: dates, RFC 3339 timestamps, scaled decimals.
    let o = mapcheck(&["infer", &sample("drifted.parquet"), "--to", "jsonschema"]);
    assert_eq!(code_of(&o), 0, "{}", stderr(&o));
    let draft: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = &draft["properties"];
    assert_eq!(props["created"]["format"], "date-time", "{draft:#}");
    assert_eq!(props["signup_day"]["format"], "date", "{draft:#}");
    assert_eq!(props["balance"]["type"], "number", "{draft:#}");
    assert_eq!(props["tags"]["type"], "array", "{draft:#}");
    assert_eq!(props["address"]["properties"]["zip"]["type"], "string", "{draft:#}");
}

#[cfg(feature = "parquet")]
const PARQUET_DRIFT: [&str; 8] = [
    "error enum-value-unknown status",
    "error pattern-violation country",
    "error unexpected-null address.city",
    "error unexpected-null email",
    "info declared-field-unseen legacy_code",
    "warning undeclared-field balance",
    "warning undeclared-field loyalty_tier",
    "warning undeclared-field signup_day",
];

#[cfg(feature = "parquet")]
#[test]
fn broken_and_compressed_parquet_files_are_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.parquet");
    std::fs::write(&broken, b"PAR1 this is not a parquet file").unwrap();
    let zipped = dir.path().join("clean.parquet.gz");
    std::fs::write(&zipped, std::fs::read(repo().join(sample("clean.parquet"))).unwrap()).unwrap();
    for (file, says) in [
        (&broken, "not a readable Parquet file"),
        (&zipped, "a compressed Parquet file"),
    ] {
        let o = mapcheck(&["drift", "--contract", CONTRACT, file.to_str().unwrap()]);
        assert_eq!(code_of(&o), 2, "{}", stderr(&o));
        assert!(
            stderr(&o).contains(file.file_name().unwrap().to_str().unwrap()),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}

#[test]
fn infer_writes_a_json_schema_draft() {
    let o = mapcheck(&["infer", &sample("clean.ndjson")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["title"], "Clean");
    assert_eq!(s["properties"]["id"]["type"], "integer");
    assert_eq!(s["properties"]["score"]["type"], serde_json::json!(["number", "null"]));
    assert_eq!(s["properties"]["email"]["format"], "email");
    assert_eq!(s["properties"]["created"]["format"], "date-time");
    assert_eq!(
        s["properties"]["status"]["enum"],
        serde_json::json!(["active", "inactive"])
    );
    assert_eq!(s["properties"]["address"]["properties"]["zip"]["pattern"], "^-?[0-9]+$");
    assert_eq!(s["properties"]["tags"]["items"]["type"], "string");
    assert_eq!(
        s["required"],
        serde_json::json!([
            "id", "email", "status", "name", "country", "score", "created", "tags", "address"
        ])
    );
    // Enums off; a lower required threshold.
    let o = mapcheck(&[
        "infer",
        &sample("drifted.ndjson"),
        "--enum-max",
        "0",
        "--required-threshold",
        "0.9",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("drifted.ndjson:13: malformed record skipped"),
        "{}",
        stderr(&o)
    );
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(s["properties"]["status"].get("enum").is_none());
    let required = s["required"].as_array().unwrap();
    assert!(required.contains(&serde_json::json!("status")));
    assert!(!required.contains(&serde_json::json!("loyalty_tier")));
}

/// `--validate`: every record through the `jsonschema` validator, violations by keyword with
/// instance paths, for JSON Schema and OpenAPI 3.1 (a named type, whose references resolve in
/// the document); refused for other formats.
#[test]
fn validate_reports_each_failing_schema_keyword_with_records() {
    let (findings, code) = drift_json(&[&sample("drifted.ndjson"), "--contract", CONTRACT, "--validate"]);
    assert_eq!(code, 1);
    let violations = with_rule(&findings, "schema-violation");
    let keywords: Vec<&str> = violations.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        keywords,
        [
            "properties.address.required",
            "properties.country.pattern",
            "properties.email.type",
            "properties.id.minimum",
            "properties.id.type",
            "properties.name.maxLength",
            "properties.status.enum",
            "required",
        ]
    );
    let status = violations[6]["message"].as_str().unwrap();
    assert!(status.contains("1 of 20 records (5.00%)"), "{status}");
    assert!(status.contains("\"archived\" is not one of"), "{status}");
    assert!(status.contains("drifted.ndjson:2 at /status"), "{status}");
    // Without the flag, no record is validated.
    let (plain, _) = drift_json(&[&sample("drifted.ndjson"), "--contract", CONTRACT]);
    assert!(with_rule(&plain, "schema-violation").is_empty());

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("accounts.ndjson");
    std::fs::write(
        &bad,
        r#"{"Id": "001A", "Name": "Acme", "Status": "bogus", "BillingAddress": {"City": 5}}"#,
    )
    .unwrap();
    let contract = repo().join("contracts/crm/accounts.openapi.yaml");
    let (findings, _) = drift_json(&[
        bad.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--type",
        "Account",
        "--validate",
    ]);
    let keywords: Vec<&str> = with_rule(&findings, "schema-violation")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        keywords.contains(&"components.schemas.AccountStatus.enum"),
        "{keywords:?}"
    );
    assert!(
        keywords.contains(&"components.schemas.Address.properties.City.type"),
        "{keywords:?}"
    );

    let avro = repo().join("contracts/billing/customer_events.avsc");
    let o = mapcheck(&[
        "drift",
        "--contract",
        avro.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--validate",
    ]);
    assert_eq!(code_of(&o), 2);
    assert!(
        stderr(&o).contains("--validate needs a JSON Schema or OpenAPI 3.1 contract"),
        "{}",
        stderr(&o)
    );
}

/// CSV rows are reported at the line a person counts, with `\n` or `\r\n` line ends, blank lines
/// and quoted line breaks (the csv crate's own numbers are off by one for some of them).
#[test]
fn csv_rows_are_reported_at_their_own_lines() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("lf.csv", "id,email,status\n1,a@b.co,active\n2,c@d.co,paused\n"),
        ("crlf.csv", "id,email,status\r\n1,a@b.co,active\r\n2,c@d.co,paused\r\n"),
        ("blank.csv", "id,email,status\n\n1,\"a@b.co\",active\n2,c@d.co,paused\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (findings, _) = drift_json(&["--contract", CONTRACT, path.to_str().unwrap()]);
        let message = with_rule(&findings, "enum-value-unknown")[0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        let line = if name == "blank.csv" { 4 } else { 3 };
        assert!(message.ends_with(&format!("{name}:{line}")), "{name}: {message}");
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,email,status\n1,a@b.co,active\n2,x\n").unwrap();
    let o = mapcheck(&["infer", bad.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("bad.csv:3: malformed record skipped"),
        "{}",
        stderr(&o)
    );
}

/// Freshness: the newest value of the field, against `--now` and `--max-age`; Debezium-style
/// millisecond numbers, RFC 3339 strings with offsets, and a field no record has.
#[test]
fn freshness_compares_the_newest_value_with_now() {
    let dir = repo().join("tests/fixtures/drift/stale-data");
    let sample = dir.join("sample.ndjson");
    let contract = dir.join("contract.schema.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "drift",
            sample.to_str().unwrap(),
            "--contract",
            contract.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let o = mapcheck(&args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
        let stale: Vec<String> = v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["rule"] == "stale-data")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect();
        (stale, code(&o), stderr(&o))
    };
    // The newest is 2026-12-01T08:00:00Z (10:00 at +02:00), 28 hours before now.
    let (stale, exit, _) = run(&[
        "--freshness",
        "updated_at",
        "--max-age",
        "24h",
        "--now",
        "2026-12-02T12:00:00Z",
    ]);
    assert_eq!(exit, 1);
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0].contains("the newest `updated_at` is 2026-12-01T08:00:00Z (")
            && stale[0]
                .contains("sample.ndjson:2), 1d 4h before now (2026-12-02T12:00:00Z): older than the max age of 1d 0h"),
        "{stale:?}"
    );
    let (stale, exit, _) = run(&[
        "--freshness",
        "updated_at",
        "--max-age",
        "1d6h",
        "--now",
        "2026-12-02T12:00:00Z",
    ]);
    assert_eq!((stale.len(), exit), (0, 0), "{stale:?}");
    // A field no record has cannot show freshness.
    let (stale, exit, _) = run(&[
        "--freshness",
        "source.ts_ms",
        "--max-age",
        "1h",
        "--now",
        "2026-12-02T12:00:00Z",
    ]);
    assert_eq!(exit, 1);
    assert!(
        stale[0].contains("freshness of `source.ts_ms` cannot be established: no record has it"),
        "{stale:?}"
    );
    // Usage errors name the flag.
    let (_, exit, err) = run(&["--freshness", "updated_at"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("--max-age"), "{err}");
    let (_, exit, err) = run(&["--freshness", "updated_at", "--max-age", "soon"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("`soon` is not a duration"), "{err}");
    let (_, exit, err) = run(&["--freshness", "updated_at", "--max-age", "1h", "--now", "tomorrow"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("`tomorrow` is not an RFC 3339 date-time"), "{err}");
    // Milliseconds since 1970 (Debezium's source.ts_ms), nested.
    let tmp = tempfile::tempdir().unwrap();
    let events = tmp.path().join("events.ndjson");
    std::fs::write(
        &events,
        "{\"source\": {\"ts_ms\": 1796209200000}}\n{\"source\": {\"ts_ms\": 1796205600000}}\n",
    )
    .unwrap();
    let schema = tmp.path().join("event.schema.json");
    std::fs::write(&schema, r#"{"type": "object"}"#).unwrap();
    let o = mapcheck(&[
        "drift",
        events.to_str().unwrap(),
        "--contract",
        schema.to_str().unwrap(),
        "--freshness",
        "source.ts_ms",
        "--max-age",
        "30m",
        "--now",
        "2026-12-02T12:00:00Z",
    ]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("the newest `source.ts_ms` is 2026-12-02T11:00:00Z"),
        "{}",
        stdout(&o)
    );
}

/// Debezium change events (PostgreSQL connector, JSON converter) with and without
/// `schemas.enable`: the rows inside are checked, operations and tombstones counted, the Connect
/// schema compared with the contract, and `source.ts_ms` is the default freshness field.
#[test]
fn debezium_envelopes_check_their_rows_and_their_schema() {
    let dir = repo().join("tests/fixtures/samples/debezium");
    let contract = dir.join("customer.schema.json");
    let run = |sample: &str, extra: &[&str]| {
        let path = dir.join(sample);
        let mut args = vec![
            path.to_str().unwrap(),
            "--contract",
            contract.to_str().unwrap(),
            "--envelope",
            "debezium",
            "--fail-on",
            "never",
        ];
        args.extend_from_slice(extra);
        drift_json(&args).0
    };
    let with_schema = run("customers.ndjson", &[]);
    let summary: Vec<&str> = with_schema
        .iter()
        .filter(|f| f["rule"] == "envelope-events")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        summary,
        [
            "debezium envelope: 5 change events: c (create) 1, u (update) 1, d (delete) 1, r (read) 2; 1 tombstone; 5 rows checked; 1 Connect schema"
        ]
    );
    let from_schema: Vec<serde_json::Value> = with_schema
        .iter()
        .filter(|f| f["message"].as_str().unwrap().starts_with("the connector's schema"))
        .cloned()
        .collect();
    assert_eq!(
        lines(&from_schema),
        ["error unexpected-type balance", "warning undeclared-field loyalty_tier"],
        "{with_schema:#?}"
    );
    let balance = with_schema
        .iter()
        .find(|f| {
            f["rule"] == "unexpected-type" && f["message"].as_str().unwrap().starts_with("the connector's schema")
        })
        .unwrap();
    assert!(
        balance["message"].as_str().unwrap().contains(
            "`balance` is bytes (org.apache.kafka.connect.data.Decimal), which the JSON converter writes as string"
        ),
        "{balance}"
    );
    // The rows themselves show the same drift, from the values.
    let from_rows = |findings: &[serde_json::Value]| -> Vec<String> {
        let mut v: Vec<String> = findings
            .iter()
            .filter(|f| {
                f["rule"] != "envelope-events" && !f["message"].as_str().unwrap().starts_with("the connector's schema")
            })
            .filter(|f| f["severity"] != "info")
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        from_rows(&with_schema),
        ["undeclared-field loyalty_tier", "unexpected-type balance"]
    );
    // Without schemas.enable: the same rows, no schema to compare.
    let plain = run("customers-plain.ndjson", &[]);
    assert_eq!(from_rows(&plain), from_rows(&with_schema));
    assert!(plain.iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("5 rows checked; no Connect schema in the records")
    }));
    // Freshness defaults to source.ts_ms: the newest change committed at 11:00.
    let stale = |now: &str| -> Vec<String> {
        run("customers.ndjson", &["--max-age", "30m", "--now", now])
            .iter()
            .filter(|f| f["rule"] == "stale-data")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(stale("2026-12-02T11:20:00Z").is_empty());
    let late = stale("2026-12-02T12:00:00Z");
    assert_eq!(late.len(), 1);
    assert!(
        late[0].starts_with("the newest `source.ts_ms` is 2026-12-02T11:00:00Z ("),
        "{late:?}"
    );
    // Records that are not Debezium events are malformed, counted and located.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.ndjson");
    std::fs::write(&bad, "{\"id\": 1}\n{\"op\": \"c\", \"after\": null}\n").unwrap();
    let (findings, _) = drift_json(&[
        bad.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--envelope",
        "debezium",
        "--fail-on",
        "never",
    ]);
    let malformed = findings
        .iter()
        .find(|f| f["rule"] == "malformed-record")
        .expect("malformed");
    let m = malformed["message"].as_str().unwrap();
    assert!(m.contains("line 1: not a Debezium event: no `op`"), "{m}");
    assert!(m.contains("line 2: Debezium `c` event without an `after` row"), "{m}");
}

/// Kafka Connect `{schema, payload}` records; `infer` reads the rows inside envelopes too.
#[test]
fn kafka_connect_envelopes_and_infer() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = tmp.path().join("orders.ndjson");
    let schema = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"order_id"},{"type":"double","optional":true,"field":"total"}],"optional":false,"name":"orders"}"#;
    std::fs::write(
        &sample,
        format!(
            "{{\"schema\":{schema},\"payload\":{{\"order_id\":1,\"total\":9.5}}}}\n{{\"schema\":{schema},\"payload\":null}}\n{{\"schema\":{schema},\"payload\":{{\"order_id\":2,\"total\":null}}}}\n"
        ),
    )
    .unwrap();
    let contract = tmp.path().join("order.schema.json");
    std::fs::write(
        &contract,
        r#"{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"integer"},"total":{"type":"number"}},"additionalProperties":false}"#,
    )
    .unwrap();
    let (findings, exit) = drift_json(&[
        sample.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--envelope",
        "kafka-connect",
    ]);
    let shown = lines(&findings);
    assert!(shown.contains(&"error unexpected-null total".to_string()), "{shown:?}");
    assert!(
        shown.contains(&"warning unexpected-null total".to_string()),
        "{shown:?}"
    );
    assert_eq!(exit, 1);
    let summary = findings.iter().find(|f| f["rule"] == "envelope-events").unwrap();
    assert_eq!(
        summary["message"],
        "kafka-connect envelope: 1 tombstone; 2 rows checked; 1 Connect schema"
    );
    // infer sees the payloads, not the envelopes.
    let o = mapcheck(&["infer", sample.to_str().unwrap(), "--envelope", "kafka-connect"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let inferred: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = inferred["properties"].as_object().unwrap();
    assert!(
        props.contains_key("order_id") && !props.contains_key("schema"),
        "{inferred}"
    );
}
