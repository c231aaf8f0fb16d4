//! Avro data files and binary Protobuf as samples: `drift` (records and writer schemas), `infer`
//! and `check`'s `[[samples]]`. The files under `tests/fixtures/samples/avro/` were written by
//! Apache Avro's Python library, those under `tests/fixtures/samples/protobuf/` by Google's
//! Python protobuf (see each directory's README.md).

use crate::*;

const AVRO: &str = "tests/fixtures/samples/avro";
const PROTO: &str = "tests/fixtures/samples/protobuf";

fn avro(name: &str) -> String {
    format!("{AVRO}/{name}")
}

fn proto(name: &str) -> String {
    format!("{PROTO}/{name}")
}

fn messages(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap_or("?"),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn avro_files_of_every_codec_match_their_contract() {
    let contract = avro("order.avsc");
    let files = [
        avro("orders.avro"),
        avro("orders-deflate.avro"),
        avro("orders-snappy.avro"),
        avro("orders-zstandard.avro"),
        avro("empty.avro"),
    ];
    let mut args = vec!["--contract", contract.as_str()];
    args.extend(files.iter().map(String::as_str));
    let (findings, status) = drift_json(&args);
    assert_eq!(status, 0, "{findings:#?}");
    assert!(lines(&findings).iter().all(|l| l.starts_with("info")), "{findings:#?}");
    // A directory is searched for .avro files too.
    let o = mapcheck(&["drift", "--contract", &contract, AVRO]);
    assert!(stderr(&o).contains("not-avro.avro"), "{}", stderr(&o));
    assert_eq!(code(&o), 2);
}

/// A writer schema the contract cannot read is drift although no record shows it; one it can
/// read is not.
#[test]
fn writer_schemas_are_checked_by_avro_schema_resolution() {
    let contract = avro("order.avsc");
    let (findings, status) = drift_json(&["--contract", &contract, &avro("orders-unreadable.avro")]);
    assert_eq!(status, 1, "{findings:#?}");
    let errors: Vec<&serde_json::Value> = findings.iter().filter(|f| f["severity"] == "error").collect();
    let rules: Vec<&str> = errors.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    // The same two incompatibilities Apache Avro's checker names: missing_enum_symbols and
    // missing_union_branch (see the fixture's README).
    assert_eq!(rules, ["enum-value-removed", "union-variant-removed"], "{findings:#?}");
    for f in &errors {
        // The contract reads (the new side), the file's writer schema wrote (the old side).
        assert_eq!(f["location"]["file"], avro("order.avsc"));
        assert_eq!(f["old_location"]["file"], avro("orders-unreadable.avro"));
        let m = f["message"].as_str().unwrap();
        assert!(
            m.starts_with(&format!(
                "the writer schema of {} cannot be read as the contract",
                avro("orders-unreadable.avro")
            )),
            "{m}"
        );
    }
    let all = messages(&findings).join("\n");
    assert!(all.contains("CANCELLED"), "{all}");

    // The evolved writer adds `channel` (records carry it: undeclared) and drops `note` (the
    // contract's default fills it): readable, so no error.
    let (findings, status) = drift_json(&["--contract", &contract, &avro("orders-evolved.avro")]);
    assert_eq!(status, 0, "{findings:#?}");
    assert_eq!(
        lines(&findings)
            .into_iter()
            .filter(|l| !l.starts_with("info"))
            .collect::<Vec<_>>(),
        ["warning undeclared-field channel"],
        "{findings:#?}"
    );
}

/// With `--type`, the writer schema is read as that type, not the contract's top-level one: the
/// example workspace's billing events hold the `Customer` record the billing mapping reads.
#[test]
fn writer_schemas_are_read_as_the_picked_type() {
    let (findings, status) = drift_json(&[
        "--contract",
        "contracts/billing/customer_events.avsc",
        "--type",
        "com.example.billing.events.Customer",
        "tests/fixtures/samples/map-run/billing-customers.avro",
    ]);
    assert_eq!(status, 0, "{findings:#?}");
    // As the top-level event, the same file is unreadable: it has none of the event's fields.
    let (findings, status) = drift_json(&[
        "--contract",
        "contracts/billing/customer_events.avsc",
        "tests/fixtures/samples/map-run/billing-customers.avro",
    ]);
    assert_eq!(status, 1);
    assert!(
        messages(&findings)
            .iter()
            .any(|m| m.starts_with("avro-") && m.contains("the writer schema of")),
        "{findings:#?}"
    );
}

/// Against a contract in another format, the writer schema goes through the model comparison
/// `diff` makes between formats.
#[test]
fn writer_schemas_are_compared_with_contracts_of_other_formats() {
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("order.schema.json");
    std::fs::write(
        &contract,
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Order",
  "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "customer": {"type": "string"},
    "status": {"enum": ["NEW", "PAID", "SHIPPED"]},
    "gift": {"type": "boolean"}
  },
  "required": ["id", "customer", "status"]
}"#,
    )
    .unwrap();
    let (findings, _) = drift_json(&["--contract", contract.to_str().unwrap(), &avro("orders.avro")]);
    let from_writer: Vec<String> = messages(&findings)
        .into_iter()
        .filter(|m| m.contains("the writer schema of"))
        .collect();
    assert!(from_writer.is_empty(), "{from_writer:#?}");
    let (findings, status) = drift_json(&[
        "--contract",
        contract.to_str().unwrap(),
        &avro("orders-unreadable.avro"),
    ]);
    assert_eq!(status, 1);
    let from_writer: Vec<String> = messages(&findings)
        .into_iter()
        .filter(|m| m.contains("the writer schema of"))
        .collect();
    assert!(
        from_writer.iter().any(|m| m.contains("CANCELLED")),
        "{from_writer:#?}\n{findings:#?}"
    );
}

#[test]
fn damaged_avro_files_are_malformed_at_the_record_they_hit() {
    let contract = avro("order.avsc");
    let (findings, status) = drift_json(&["--contract", &contract, &avro("orders-truncated.avro")]);
    assert_eq!(status, 1, "{findings:#?}");
    let malformed: Vec<String> = messages(&findings)
        .into_iter()
        .filter(|m| m.starts_with("malformed-record"))
        .collect();
    assert_eq!(malformed.len(), 1, "{findings:#?}");
    assert!(
        malformed[0].contains("line 19: the block starting at record 19 is cut short"),
        "{malformed:?}"
    );
    let (findings, status) = drift_json(&["--contract", &contract, &avro("orders-badsync.avro")]);
    assert_eq!(status, 1, "{findings:#?}");
    assert!(messages(&findings).iter().any(|m| m.starts_with("malformed-record")));

    let o = mapcheck(&["drift", "--contract", &contract, &avro("not-avro.avro")]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&format!("{}: not a readable Avro data file", avro("not-avro.avro"))),
        "{}",
        stderr(&o)
    );
}

#[test]
fn binary_protobuf_streams_match_their_contract() {
    let contract = proto("orders.proto");
    // Message 9 holds status 7, a number the enum does not declare (proto3 keeps it): drift. Its
    // NaN and infinities arrive as proto3 JSON writes them, "NaN" and "Infinity": not drift.
    let (findings, status) = drift_json(&[
        "--contract",
        &contract,
        "--proto-type",
        "shop.v1.Order",
        &proto("orders.binpb"),
    ]);
    assert_eq!(status, 1, "{findings:#?}");
    assert_eq!(
        lines(&findings)
            .into_iter()
            .filter(|l| !l.starts_with("info"))
            .collect::<Vec<_>>(),
        ["error enum-value-unknown status"],
        "{findings:#?}"
    );
    assert!(
        messages(&findings)
            .iter()
            .any(|m| m.contains("e.g. 7; first at") && m.contains("orders.binpb:9"))
    );
    // One message per file; a short name that only one message has.
    let (findings, status) = drift_json(&[
        "--contract",
        &contract,
        "--proto-type",
        "Order",
        "--proto-framing",
        "single",
        &proto("order.pb"),
    ]);
    assert_eq!(status, 0, "{findings:#?}");
}

#[test]
fn unknown_protobuf_fields_are_undeclared_with_number_and_wire_type() {
    let contract = proto("orders.proto");
    let (findings, _) = drift_json(&[
        "--contract",
        &contract,
        "--proto-type",
        "shop.v1.Order",
        &proto("orders-v2.binpb"),
    ]);
    assert_eq!(
        lines(&findings)
            .into_iter()
            .filter(|l| !l.starts_with("info"))
            .collect::<Vec<_>>(),
        [
            "warning undeclared-field #20 (wire type LEN)",
            "warning undeclared-field #21 (wire type VARINT)",
            "warning undeclared-field #22 (wire type I32)",
        ],
        "{findings:#?}"
    );
}

#[test]
fn damaged_protobuf_streams_are_malformed_at_the_message() {
    let contract = proto("orders.proto");
    let (findings, status) = drift_json(&[
        "--contract",
        &contract,
        "--proto-type",
        "shop.v1.Order",
        &proto("orders-truncated.binpb"),
        &proto("orders-garbage.binpb"),
    ]);
    assert_eq!(status, 1, "{findings:#?}");
    let all = messages(&findings).join("\n");
    assert!(all.contains("line 10: message 10: the stream ends after"), "{all}");
    assert!(
        all.contains("line 3: message 3 does not decode as `shop.v1.Order`"),
        "{all}"
    );

    // Without --proto-type there is nothing to decode with.
    let o = mapcheck(&["drift", "--contract", &contract, &proto("orders.binpb")]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--proto-type"), "{}", stderr(&o));
    // A message the contract does not have.
    let o = mapcheck(&[
        "drift",
        "--contract",
        &contract,
        "--proto-type",
        "shop.v1.Nope",
        &proto("orders.binpb"),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no message `shop.v1.Nope`"), "{}", stderr(&o));
}

/// infer -> drift is clean on Avro and Protobuf samples, in every draft format.
#[test]
fn drafts_inferred_from_event_samples_accept_them() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<Vec<String>> = vec![
        vec![avro("orders.avro"), avro("orders-snappy.avro")],
        vec![avro("orders-evolved.avro")],
        vec![proto("orders.binpb")],
    ];
    for (to, ext) in [
        ("jsonschema", "schema.json"),
        ("avro", "avsc"),
        ("openapi", "openapi.json"),
    ] {
        for (i, files) in inputs.iter().enumerate() {
            let draft = dir.path().join(format!("draft{i}.{ext}"));
            let mut args = vec!["infer", "--to", to, "--output", draft.to_str().unwrap()];
            let contract = proto("orders.proto");
            let is_proto = files[0].ends_with(".binpb");
            if is_proto {
                args.extend(["--proto", contract.as_str(), "--proto-type", "shop.v1.Order"]);
            }
            args.extend(files.iter().map(String::as_str));
            let o = mapcheck(&args);
            assert_eq!(code(&o), 0, "{to} {files:?}: {}", stderr(&o));
            let mut args = vec!["--contract", draft.to_str().unwrap()];
            if is_proto {
                args.extend(["--proto", contract.as_str(), "--proto-type", "shop.v1.Order"]);
            }
            args.extend(files.iter().map(String::as_str));
            let (findings, _) = drift_json(&args);
            let failing: Vec<String> = lines(&findings)
                .into_iter()
                .filter(|l| !l.starts_with("info"))
                .collect();
            assert!(
                failing.is_empty(),
                "{to} {files:?}: {failing:?}\n{}\n{:#?}",
                std::fs::read_to_string(&draft).unwrap(),
                messages(&findings)
            );
        }
    }
}

/// `[[samples]]` entries with Avro files and binary Protobuf run inside `check`.
#[test]
fn check_runs_event_samples_from_mapcheck_toml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (from, to) in [
        (avro("order.avsc"), "contracts/order.avsc"),
        (avro("orders-unreadable.avro"), "samples/orders.avro"),
        (proto("orders.proto"), "contracts/shop/orders.proto"),
        (proto("orders-v2.binpb"), "samples/orders.binpb"),
    ] {
        let target = root.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(repo().join(from), target).unwrap();
    }
    std::fs::write(
        root.join("mapcheck.toml"),
        r#"[[samples]]
contract = "contracts/order.avsc"
paths = ["samples/*.avro"]

[[samples]]
contract = "contracts/shop/orders.proto"
paths = ["samples/*.binpb"]
proto_type = "shop.v1.Order"
"#,
    )
    .unwrap();
    let o = mapcheck_in(root, &["check", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let l = lines(&findings);
    assert!(
        l.contains(&"error enum-value-removed Order.status".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&"warning undeclared-field #20 (wire type LEN)".to_string()),
        "{l:#?}"
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));

    // `proto` without `proto_type` is a configuration error naming the entry.
    std::fs::write(
        root.join("mapcheck.toml"),
        "[[samples]]\ncontract = \"contracts/shop/orders.proto\"\npaths = [\"samples/*.binpb\"]\nproto = \"contracts/shop/orders.proto\"\n",
    )
    .unwrap();
    let o = mapcheck_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("need `proto_type`"), "{}", stderr(&o));
}

/// (canonical records written, the JSON report, stderr) of `map run --keep-invalid` (no
/// crosswalk store: every id is an orphan, so records are kept to be compared).
fn map_run(mapping: &str, input: &str, extra: &[&str]) -> (Vec<serde_json::Value>, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.ndjson");
    let mut args = vec![
        "map",
        "run",
        mapping,
        input,
        "--out",
        out.to_str().unwrap(),
        "--keep-invalid",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = mapcheck(&args);
    assert!(matches!(code(&o), 0 | 1), "{}{}", stdout(&o), stderr(&o));
    let written = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let report = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)));
    (written, report, stderr(&o))
}

/// The records `generate.py` worked out from the mapping (README.md of the fixtures), without
/// `customer_id` (no store).
fn expected_canonical(name: &str) -> Vec<serde_json::Value> {
    let readme = std::fs::read_to_string(repo().join("tests/fixtures/samples/map-run/README.md")).unwrap();
    let section = readme
        .split("### ")
        .find(|s| s.starts_with(&format!("`{name}`")))
        .unwrap_or_else(|| panic!("no section for {name}"));
    section
        .lines()
        .filter_map(|l| l.strip_prefix("    {"))
        .map(|l| serde_json::from_str(&format!("{{{l}")).unwrap())
        .collect()
}

/// Amounts compared as numbers (`4180000.0` and `4180000` are one amount).
fn normalised(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(amount) = v.pointer_mut("/annual_revenue/amount")
        && let Some(n) = amount.as_str().and_then(|s| s.parse::<f64>().ok())
    {
        *amount = serde_json::json!(n);
    }
    v
}

#[test]
fn map_run_reads_avro_protobuf_and_change_events() {
    let (written, _, _) = map_run(
        "mappings/billing-customer-to-customer.yaml",
        "tests/fixtures/samples/map-run/billing-customers.avro",
        &[],
    );
    assert_eq!(written, expected_canonical("billing-customers.avro"));

    let (written, _, _) = map_run(
        "mappings/erp-customer-to-customer.yaml",
        "tests/fixtures/samples/map-run/erp-customers.binpb",
        &["--proto-type", "erp.customers.v1.Customer"],
    );
    assert_eq!(written, expected_canonical("erp-customers.binpb"));

    let (written, report, err) = map_run(
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts-debezium.ndjson",
        &["--envelope", "debezium"],
    );
    let want: Vec<serde_json::Value> = expected_canonical("accounts-debezium.ndjson")
        .into_iter()
        .map(normalised)
        .collect();
    assert_eq!(written.into_iter().map(normalised).collect::<Vec<_>>(), want);
    assert!(
        err.contains("map run: 6 source records: 4 canonical records written"),
        "{err}"
    );
    assert!(err.contains("2 deletes and tombstones skipped"), "{err}");
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "map-run-malformed-record"),
        "{report:#?}"
    );
    // Without the envelope, the events themselves are not accounts.
    let (written, _, _) = map_run(
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts-debezium.ndjson",
        &[],
    );
    assert_ne!(written.len(), 4);
}

/// Damaged binary input is counted and located like malformed NDJSON, and the rest is mapped.
#[test]
fn map_run_counts_damaged_binary_records() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(repo().join("tests/fixtures/samples/map-run/erp-customers.binpb")).unwrap();
    let cut = dir.path().join("cut.binpb");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    let (written, report, err) = map_run(
        "mappings/erp-customer-to-customer.yaml",
        cut.to_str().unwrap(),
        &["--proto-type", "erp.customers.v1.Customer"],
    );
    assert_eq!(written.len(), 3, "{err}");
    let malformed: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "map-run-malformed-record")
        .collect();
    assert_eq!(malformed.len(), 1, "{report:#?}");
    let m = malformed[0]["message"].as_str().unwrap();
    assert!(m.contains("cut.binpb:4"), "{m}");
}

/// The committed fixtures are what the reference libraries write today: each generator, run in
/// `--check` mode with the pinned libraries `ci/test-tools.sh` installs, rebuilds every file in a
/// temporary directory, runs its own reference checks and fails on any byte that differs.
#[test]
fn fixtures_are_what_the_reference_libraries_write() {
    let tools = tools_dir();
    let avro_python = tools.join("avro-venv/bin/python");
    let proto_python = tools.join("proto-venv/bin/python");
    if !avro_python.is_file() || !proto_python.is_file() {
        let why =
            "the avro and protobuf virtual environments of ci/test-tools.sh are needed to regenerate the fixtures";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return;
    }
    let runs = [
        (avro_python.clone(), "tests/fixtures/samples/avro/generate.py"),
        (proto_python, "tests/fixtures/samples/protobuf/generate.py"),
        // Runs its parts with both environments (found through MAPCHECK_TOOLS).
        (avro_python, "tests/fixtures/samples/map-run/generate.py"),
    ];
    for (python, script) in runs {
        let mut cmd = std::process::Command::new(&python);
        cmd.arg(script)
            .arg("--check")
            .current_dir(repo())
            .env("MAPCHECK_TOOLS", &tools);
        if !script.contains("/avro/") {
            // The committed descriptor sets, so buf is not needed here.
            cmd.arg("--no-buf");
        }
        let o = cmd.output().expect("run the generator");
        assert!(
            o.status.success(),
            "{script} --check: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
