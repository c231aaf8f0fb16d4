//! `mapcheck map run` as a pipeline step, on an order feed (tests/fixtures/orders-ws): arrays of
//! objects mapped element by element, verdicts counted per record, formats asserted.

use std::path::PathBuf;

use crate::*;

fn orders() -> PathBuf {
    repo().join("tests/fixtures/orders-ws")
}

/// Runs `map run` of the order mapping in the orders workspace: (canonical records written,
/// finding lines `rule message`, exit code).
fn run_orders(extra: &[&str]) -> (Vec<serde_json::Value>, Vec<String>, i32) {
    let out = tempfile::tempdir().unwrap();
    let records = out.path().join("orders.ndjson");
    let mut args = vec![
        "map",
        "run",
        "mappings/shop-order-to-order.yaml",
        "samples/orders.ndjson",
        "--out",
        records.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = mapcheck_in(&orders(), &args);
    let written = std::fs::read_to_string(&records)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    let lines = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    (written, lines, code(&o))
}

#[test]
fn arrays_of_objects_become_arrays_of_objects() {
    let (written, _, _) = run_orders(&["--keep-invalid"]);
    assert_eq!(
        written[0],
        serde_json::json!({
            "id": "8f14e45f-ceea-467a-9af0-0f6d2f6f2a01", "at": "2026-11-30T10:00:00Z", "email": "ada@example.com",
            "currency": "EUR",
            "lines": [
                {"sku": "TSHIRT-M", "quantity": 2, "price": 19.9, "currency": "EUR"},
                {"sku": "CAP", "quantity": 1, "price": 9.5, "currency": "EUR"}
            ]
        })
    );
    assert!(written.iter().all(|r| r.get("lines[]").is_none()), "{written:#?}");
}

/// Counts are of records, grouped by keyword and place, each missing field named; formats are
/// assertions (a uuid that is not one fails, as drift says).
#[test]
fn verdicts_count_records_and_assert_formats() {
    let (_, lines, status) = run_orders(&[]);
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert_eq!(status, 1);
    for field in ["id", "at", "email", "lines"] {
        assert!(
            has(&format!(
                "1 canonical record fails /required `{field}`: \"{field}\" is a required property (25.0% of 4; first at samples/orders.ndjson:3)"
            )),
            "{field}: {lines:#?}"
        );
    }
    assert!(
        has("fails /properties/id/format at /id: \"not-a-uuid\" is not a \"uuid\""),
        "{lines:#?}"
    );
    assert!(
        has("fails /properties/at/format at /at: \"yesterday\" is not a \"date-time\""),
        "{lines:#?}"
    );
    assert!(
        has("fails /properties/email/format at /email: \"nope\" is not a \"email\""),
        "{lines:#?}"
    );
    // Two lines of one record fail `minimum`: one record.
    assert!(
        has(
            "1 canonical record fails /properties/lines/items/properties/quantity/minimum at /lines/*/quantity: 0 is less than the minimum of 1 (25.0% of 4;"
        ),
        "{lines:#?}"
    );
    for l in &lines {
        let share: f64 = l
            .split(" (")
            .nth(1)
            .and_then(|rest| rest.split('%').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        assert!(share <= 100.0, "{l}");
    }
}

/// Records that fail go to the dead-letter file with their place, source, canonical record and
/// every error, and not to --out; fed back after a fix, they come out as they went in.
#[test]
fn failing_records_go_to_the_rejects_file_and_replay_after_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    crate::check::copy_dir(&orders(), ws);
    let rejects = ws.join("rejects.ndjson");
    let out = ws.join("out.ndjson");
    let run = |inputs: &[&str], extra: &[&str]| {
        let mut args = vec!["map", "run", "mappings/shop-order-to-order.yaml"];
        args.extend_from_slice(inputs);
        args.extend_from_slice(&["--out", out.to_str().unwrap(), "--rejects", rejects.to_str().unwrap()]);
        args.extend_from_slice(extra);
        let o = mapcheck_in(ws, &args);
        let read = |p: &std::path::Path| -> Vec<serde_json::Value> {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        (read(&out), read(&rejects), o)
    };
    let (written, rejected, o) = run(&["samples/orders.ndjson"], &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(written.len(), 1);
    assert_eq!(rejected.len(), 3);
    assert!(
        stderr(&o).contains("4 source records: 1 canonical records written, 3 rejected (to "),
        "{}",
        stderr(&o)
    );
    let lines: Vec<u64> = rejected.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert!(rejected.iter().all(|r| r["file"] == "samples/orders.ndjson"));
    assert_eq!(rejected[0]["source"]["order_id"], "not-a-uuid");
    assert_eq!(rejected[0]["canonical"]["id"], "not-a-uuid");
    let errors = rejected[0]["errors"].as_array().unwrap();
    assert!(
        errors.contains(&serde_json::json!({"kind": "invalid", "keyword": "/properties/id/format", "path": "/id", "message": "\"not-a-uuid\" is not a \"uuid\""})),
        "{errors:#?}"
    );
    let missing: Vec<&str> = rejected[1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["keyword"] == "/required")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 4, "{missing:?}");
    // With --keep-invalid, --out has every record too.
    let (written, _, _) = run(&["samples/orders.ndjson"], &["--keep-invalid"]);
    assert_eq!(written.len(), 4);

    // Replay: the rejects as input give the same source records back.
    let first = std::fs::read_to_string(&rejects).unwrap();
    std::fs::copy(&rejects, ws.join("replay.ndjson")).unwrap();
    let (_, again, _) = run(&["replay.ndjson"], &[]);
    let sources = |r: &[serde_json::Value]| r.iter().map(|x| x["source"].clone()).collect::<Vec<_>>();
    let before: Vec<serde_json::Value> = first.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(sources(&again), sources(&before));
    // After a fix (the canonical model loosened), the replayed records pass and are written.
    let canonical = ws.join("contracts/canonical/order/v1.schema.json");
    let mut schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&canonical).unwrap()).unwrap();
    fn loosen(v: &mut serde_json::Value) {
        if let Some(o) = v.as_object_mut() {
            for k in ["format", "required", "minLength", "minimum"] {
                o.remove(k);
            }
            o.values_mut().for_each(loosen);
        }
    }
    loosen(&mut schema);
    std::fs::write(&canonical, schema.to_string()).unwrap();
    let (written, rejected, o) = run(&["replay.ndjson"], &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!((written.len(), rejected.len()), (3, 0));
    assert_eq!(written[0]["id"], "not-a-uuid");
}

/// The same mapping over the same input writes the same bytes, whatever the threads do.
#[test]
fn a_run_twice_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.ndjson");
    let sample = std::fs::read_to_string(orders().join("samples/orders.ndjson")).unwrap();
    // Enough lines for several batches on every core.
    let text: String = (0..3_000).map(|_| sample.as_str()).collect();
    std::fs::write(&input, text).unwrap();
    let outputs: Vec<(Vec<u8>, Vec<u8>)> = (0..2)
        .map(|n| {
            let out = dir.path().join(format!("out{n}.ndjson"));
            let rejects = dir.path().join(format!("rejects{n}.ndjson"));
            let o = mapcheck_in(
                &orders(),
                &[
                    "map",
                    "run",
                    "mappings/shop-order-to-order.yaml",
                    input.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "--rejects",
                    rejects.to_str().unwrap(),
                ],
            );
            assert_eq!(code(&o), 1, "{}", stderr(&o));
            (std::fs::read(&out).unwrap(), std::fs::read(&rejects).unwrap())
        })
        .collect();
    // One record of each four passes; three are rejected.
    assert_eq!(outputs[0].0.iter().filter(|b| **b == b'\n').count(), 3_000);
    assert_eq!(outputs[0].1.iter().filter(|b| **b == b'\n').count(), 9_000);
    assert!(outputs[0] == outputs[1], "two runs wrote different bytes");
}

/// A misspelt source field or transform gets the closest name, as rule ids and config keys do.
#[test]
fn typos_in_mappings_get_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    crate::check::copy_dir(&orders(), dir.path());
    std::fs::write(
        dir.path().join("mappings/typos.yaml"),
        "source: {contract: contracts/shop/orders.schema.json, type: ShopOrder}\n\
         target: {entity: order, version: 1}\n\
         rules:\n  - {target: email, from: customer_mail}\n  - {target: id, from: order_id, convert: upper}\n\
         \x20 - {target: \"lines[].sku\", from: \"line_items[].skus\"}\n",
    )
    .unwrap();
    let o = mapcheck_in(dir.path(), &["map", "validate", "mappings/typos.yaml"]);
    let text = stdout(&o);
    assert!(
        text.contains("there is no field `customer_mail` (did you mean `customer_email`?)"),
        "{text}"
    );
    assert!(text.contains("(did you mean `uppercase`?)"), "{text}");
    assert!(text.contains("has no field `skus` (did you mean `sku`?)"), "{text}");
}

/// Duplicate messages (the field guide: assume they will occur) are dropped by key across all
/// inputs, keeping the first or the last, and counted.
#[test]
fn duplicates_are_dropped_by_key_keeping_the_first_or_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    crate::check::copy_dir(&orders(), ws);
    let order = |id: &str, email: &str| {
        format!(
            "{{\"order_id\": \"{id}\", \"created_at\": \"2026-11-30T10:00:00Z\", \"customer_email\": \"{email}\", \"currency\": \"EUR\", \"line_items\": [{{\"sku\": \"A\", \"quantity\": 1}}]}}\n"
        )
    };
    let a = "8f14e45f-ceea-467a-9af0-0f6d2f6f2a01";
    let b = "c9f0f895-fb98-4b91-99f5-1b0a8c1f3a02";
    // Many lines, so the first pass and the run split them into several batches.
    let mut day1 = String::new();
    for n in 0..5_000 {
        day1.push_str(&order(if n % 2 == 0 { a } else { b }, &format!("v{n}@example.com")));
    }
    std::fs::write(ws.join("day1.ndjson"), &day1).unwrap();
    std::fs::write(ws.join("day2.ndjson"), order(a, "last@example.com")).unwrap();
    let run = |keep: &str| {
        let out = ws.join(format!("out-{keep}.ndjson"));
        let o = mapcheck_in(
            ws,
            &[
                "map",
                "run",
                "mappings/shop-order-to-order.yaml",
                "day1.ndjson",
                "day2.ndjson",
                "--dedupe-key",
                "order_id",
                "--keep",
                keep,
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let written: Vec<serde_json::Value> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (written, stderr(&o))
    };
    let (first, note) = run("first");
    assert_eq!(first.len(), 2);
    assert_eq!(
        (first[0]["id"].as_str(), first[0]["email"].as_str()),
        (Some(a), Some("v0@example.com"))
    );
    assert_eq!(first[1]["email"], "v1@example.com");
    assert!(
        note.contains("2 canonical records written, 0 rejected, 4999 duplicates skipped"),
        "{note}"
    );
    let (last, _) = run("last");
    assert_eq!(last.len(), 2);
    assert_eq!(last[0]["email"], "v4999@example.com");
    assert_eq!(last[1]["email"], "last@example.com");
}

/// The rules of a mapping file with one source each, as (target, source), read by mapcheck's own
/// mapping parser.
fn pairs(name: &str, text: &str) -> Vec<(String, String)> {
    let (mapping, problems) = mapcheck::mapping::spec::parse(name, text);
    assert!(problems.is_empty(), "{name}: {problems:?}");
    mapping
        .unwrap()
        .rules
        .iter()
        .filter(|r| r.from.len() == 1)
        .map(|r| (r.target.clone(), r.from[0].0.clone()))
        .collect()
}

/// With the example workspace's three mappings removed, drafting them again recovers most of
/// their rules exactly; a draft names only fields the source has, and validates but for the rules
/// it marks TODO.
#[test]
fn drafts_recover_the_example_mappings() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    crate::check::copy_dir(&repo().join("contracts"), &ws.join("contracts"));
    std::fs::copy(repo().join("mapcheck.toml"), ws.join("mapcheck.toml")).unwrap();
    std::fs::create_dir_all(ws.join("mappings")).unwrap();
    let mut recovered = 0;
    let mut total = 0;
    for name in [
        "billing-customer-to-customer",
        "crm-account-to-customer",
        "erp-customer-to-customer",
    ] {
        let original = std::fs::read_to_string(repo().join(format!("mappings/{name}.yaml"))).unwrap();
        let value = |key: &str| {
            original
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")).map(str::to_string))
                .unwrap()
        };
        let out = format!("mappings/{name}.yaml");
        let run_draft = || {
            mapcheck_in(
                ws,
                &[
                    "map",
                    "draft",
                    "--source",
                    &value("contract"),
                    "--type",
                    &value("type"),
                    "--target",
                    "customer@1",
                    "-o",
                    &out,
                ],
            )
        };
        let o = run_draft();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let draft = std::fs::read_to_string(ws.join(&out)).unwrap();
        let wanted = pairs(name, &original);
        let got = pairs(&out, &draft);
        let hits = wanted.iter().filter(|p| got.contains(p)).count();
        println!("{name}: {hits} of {} rules recovered", wanted.len());
        recovered += hits;
        total += wanted.len();
        // Drafting over an existing file refuses.
        let o = run_draft();
        assert_eq!(code(&o), 2);
    }
    println!("{recovered} of {total} rules recovered");
    assert!(
        recovered * 10 >= total * 7,
        "only {recovered} of {total} rules recovered"
    );
    // Every error is on a rule the draft marks TODO, or is a required field it lists as TODO.
    let o = mapcheck_in(ws, &["map", "validate", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for f in report["findings"].as_array().unwrap() {
        if f["severity"] != "error" {
            continue;
        }
        let file = f["location"]["file"].as_str().unwrap();
        let text = std::fs::read_to_string(ws.join(file)).unwrap();
        let line = f["location"]["line"].as_u64().unwrap() as usize;
        let at = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let rule = f["rule"].as_str().unwrap();
        assert_ne!(
            rule, "mapping-source-missing",
            "a draft named a field the source lacks: {f:#}"
        );
        let todo = at.contains("TODO")
            || (rule == "mapping-required-unfilled"
                && text.contains(&format!(
                    "{}}}  # TODO",
                    f["message"].as_str().unwrap().split('`').nth(3).unwrap_or("?")
                )));
        assert!(todo, "an error on a rule the draft does not mark TODO: {f:#}\n{at}");
    }
}

/// With samples, enum values are paired by their values into an `enum:` map.
#[test]
fn drafts_pair_enum_values_from_samples() {
    let o = mapcheck_in(
        &orders(),
        &[
            "map",
            "draft",
            "--source",
            "contracts/shop/orders.schema.json",
            "--type",
            "ShopOrder",
            "--target",
            "order@v1",
            "--samples",
            "samples/orders.ndjson",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let draft = stdout(&o);
    assert!(
        draft.contains("{target: currency, from: currency, enum: {EUR: EUR, USD: USD}}"),
        "{draft}"
    );
    assert!(
        draft.contains("{target: \"lines[].sku\", from: \"line_items[].sku\"}"),
        "{draft}"
    );
    assert!(draft.contains("{target: email, from: customer_email}"), "{draft}");
    let o = mapcheck_in(
        &orders(),
        &[
            "map",
            "draft",
            "--source",
            "nope.json",
            "--type",
            "X",
            "--target",
            "order@9",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no canonical version order v9"), "{}", stderr(&o));
}
