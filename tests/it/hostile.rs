//! Hostile input: files a pull request could carry to exhaust, escape or forge the gate. Each test
//! pins a hole that was open: memory blown by aliases or endless records, files read through links
//! or `..` out of the workspace, control characters reaching a terminal or a CI log, impossible
//! dates accepted, invalid Avro written, a reader's panic ending the process, fingerprints that
//! changed with wording.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::*;

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn gzip(path: &Path, parts: &[&[u8]]) {
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    for p in parts {
        gz.write_all(p).unwrap();
    }
    gz.finish().unwrap();
}

fn json_of(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}

fn messages(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        f["rule"].as_str().unwrap_or(""),
                        f["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// 29 levels of `allOf: [*prev, *prev]`: half a billion nodes if expanded. Refused at the alias
/// that passes the budget, before it is copied (peak memory: ci/bench-hostile.sh).
#[test]
fn a_yaml_alias_bomb_is_refused_before_it_is_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = String::from(
        "openapi: 3.0.0\ninfo: {title: bomb, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    a0: &a0 {type: string}\n",
    );
    for i in 1..30 {
        doc.push_str(&format!("    a{i}: &a{i} {{allOf: [*a{}, *a{}]}}\n", i - 1, i - 1));
    }
    let spec = dir.path().join("bomb.yaml");
    write(&spec, &doc);
    let o = mapcheck_in(dir.path(), &["lint", "bomb.yaml", "--format", "json"]);
    let report = json_of(&o);
    let all = messages(&report);
    assert!(
        all.iter()
            .any(|m| m.starts_with("parse-error") && m.contains("aliases expand to more than")),
        "{all:#?}"
    );
    assert_ne!(code(&o), 0);
}

/// An NDJSON "line" far longer than the limit, compressed to a few kilobytes: a malformed record
/// with its line and size, and the records after it are still read.
#[test]
fn an_endless_ndjson_line_is_a_malformed_record_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("s.ndjson.gz");
    let long = vec![b'x'; 3 << 20];
    gzip(
        &sample,
        &[
            b"{\"id\": 1, \"email\": \"a@b.co\", \"status\": \"active\"}\n{\"name\": \"",
            &long,
            b"\"}\n{\"id\": 2, \"email\": \"c@d.co\", \"status\": \"active\"}\n",
        ],
    );
    let contract = repo().join("tests/fixtures/samples/customer.schema.json");
    let run = |limit: &str| {
        let o = mapcheck_in(
            dir.path(),
            &[
                "drift",
                "s.ndjson.gz",
                "--contract",
                contract.to_str().unwrap(),
                "--max-record-bytes",
                limit,
                "--format",
                "json",
            ],
        );
        (json_of(&o), code(&o))
    };
    let (report, _) = run("1MiB");
    let all = messages(&report);
    let malformed: Vec<&String> = all.iter().filter(|m| m.starts_with("malformed-record")).collect();
    assert_eq!(malformed.len(), 1, "{all:#?}");
    assert!(
        malformed[0].contains("line 2: a record of 3145740 bytes, more than the limit of 1048576"),
        "{malformed:?}"
    );
    // The two good records around it were read: nothing is missing from them.
    assert_eq!(
        all.len(),
        1 + all.iter().filter(|m| m.starts_with("declared-field-unseen")).count(),
        "{all:#?}"
    );
    assert!(all.iter().any(|m| m.contains("never seen in 2 objects")), "{all:#?}");
    // The default limit (64 MiB) reads it.
    let (report, _) = run("64MiB");
    assert!(!messages(&report).iter().any(|m| m.starts_with("malformed-record")));
    // A limit that is not a size is a usage error.
    let o = mapcheck(&[
        "drift",
        "x.ndjson",
        "--contract",
        "c.json",
        "--max-record-bytes",
        "lots",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("`lots` is not a size"), "{}", stderr(&o));
}

/// The same limit for JSON arrays, CSV, `[[samples]]`, `map run` and crosswalk input.
#[test]
fn the_record_limit_holds_for_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let big = "y".repeat(5_000);
    write(
        &root.join("a.json"),
        &format!("[\n{{\"id\": 1}},\n{{\"id\": 2, \"name\": \"{big}\"}},\n{{\"id\": 3}}\n]\n"),
    );
    write(&root.join("c.csv"), &format!("id,name\n1,a\n2,{big}\n3,c\n"));
    let contract = repo().join("tests/fixtures/samples/customer.schema.json");
    for (file, line) in [
        ("a.json", "line 3: an array element of more than 1000 bytes"),
        ("c.csv", "line 3: a record of 5003 bytes, more than the limit of 1000"),
    ] {
        let o = mapcheck_in(
            root,
            &[
                "drift",
                file,
                "--contract",
                contract.to_str().unwrap(),
                "--max-record-bytes",
                "1000",
                "--format",
                "json",
            ],
        );
        let all = messages(&json_of(&o));
        assert!(
            all.iter()
                .any(|m| m.starts_with("malformed-record") && m.contains(line)),
            "{file}: {all:#?}"
        );
    }
    // [[samples]] max_record_bytes: as a string with a unit, or a number; nonsense is refused where it is.
    std::fs::copy(&contract, root.join("customer.schema.json")).unwrap();
    write(
        &root.join("mapcheck.toml"),
        "[[samples]]\ncontract = \"customer.schema.json\"\npaths = [\"c.csv\"]\nmax_record_bytes = \"1KiB\"\n",
    );
    let o = mapcheck_in(root, &["check", "--format", "json"]);
    let all = messages(&json_of(&o));
    assert!(
        all.iter().any(|m| m.contains("more than the limit of 1024")),
        "{all:#?}"
    );
    write(
        &root.join("mapcheck.toml"),
        "[[samples]]\ncontract = \"customer.schema.json\"\npaths = [\"c.csv\"]\nmax_record_bytes = true\n",
    );
    let o = mapcheck_in(root, &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("mapcheck.toml:4:20: [[samples]] #1: max_record_bytes"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_file(root.join("mapcheck.toml")).unwrap();

    // map run: the long line is a malformed record; the others are mapped.
    let accounts = std::fs::read_to_string(repo().join("tests/fixtures/samples/map-run/accounts.ndjson")).unwrap();
    let first = accounts.lines().next().unwrap();
    let input = root.join("accounts.ndjson");
    write(
        &input,
        &format!("{first}\n{{\"Name\": \"{}\"}}\n{first}\n", "n".repeat(200_000)),
    );
    let o = mapcheck(&[
        "map",
        "run",
        "mappings/crm-account-to-customer.yaml",
        input.to_str().unwrap(),
        "--out",
        root.join("out.ndjson").to_str().unwrap(),
        "--max-record-bytes",
        "64KiB",
        "--format",
        "json",
        "--keep-invalid",
    ]);
    let all = messages(&json_of(&o));
    assert!(
        all.iter()
            .any(|m| m.starts_with("map-run-malformed-record") && m.contains("accounts.ndjson:2")),
        "{all:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("out.ndjson"))
            .unwrap()
            .lines()
            .count(),
        2
    );
}

#[cfg(feature = "crosswalk")]
#[test]
fn crosswalk_rows_over_the_limit_are_refused_not_buffered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let db = root.join("cw.duckdb");
    let long = "q".repeat(300_000);
    write(
        &root.join("ids.ndjson"),
        &format!(
            "{{\"source_id\": \"a\", \"canonical_id\": \"1\"}}\n{{\"source_id\": \"{long}\", \"canonical_id\": \"2\"}}\n"
        ),
    );
    let load = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "crosswalk",
            "load",
            file,
            "--db",
            db.to_str().unwrap(),
            "--system",
            "crm",
            "--entity",
            "customer",
            "--max-record-bytes",
            "64KiB",
        ];
        args.extend_from_slice(extra);
        mapcheck_in(root, &args)
    };
    let o = mapcheck_in(root, &["crosswalk", "init", "--db", db.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejects = root.join("rejects.csv");
    let o = load("ids.ndjson", &["--reject-file", rejects.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        rejected.contains("a row of 300038 bytes, more than the limit of 65536"),
        "{rejected}"
    );
    write(
        &root.join("ids.csv"),
        &format!("source_id,canonical_id\na,1\n{long},2\n"),
    );
    let o = load("ids.csv", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("line 3: a row of 300003 bytes, more than the limit of 65536"),
        "{}",
        stderr(&o)
    );
    // Past what the reader reads ahead, the row is never held whole.
    write(
        &root.join("huge.csv"),
        &format!("source_id,canonical_id\na,1\n{},2\n", "h".repeat(3 << 20)),
    );
    let o = load("huge.csv", &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("line 3: a row of more than 65536 bytes"),
        "{}",
        stderr(&o)
    );
}

/// A workspace whose files name files outside it: through a symbolic link, through `..`.
#[cfg(unix)]
#[test]
fn files_named_by_other_files_never_lead_out_of_the_workspace() {
    let outer = tempfile::tempdir().unwrap();
    let secret = outer.path().join("secret");
    write(
        &secret.join("x.schema.json"),
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\", \"properties\": {\"SECRET_FIELD\": {\"type\": \"string\"}}}",
    );
    write(
        &secret.join("x.proto"),
        "syntax = \"proto3\";\npackage secret;\nmessage SecretMessage { string token = 1; }\n",
    );
    let root = outer.path().join("ws");
    write(&root.join("mapcheck.toml"), "# workspace\n");
    std::fs::create_dir_all(root.join("contracts")).unwrap();
    std::os::unix::fs::symlink(secret.join("x.schema.json"), root.join("contracts/link.schema.json")).unwrap();
    write(
        &root.join("contracts/main.schema.json"),
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"link.schema.json\"}}}",
    );
    // $ref through a link.
    let o = mapcheck_in(&root, &["lint", "contracts/main.schema.json", "--format", "json"]);
    let all = messages(&json_of(&o));
    assert!(
        all.iter()
            .any(|m| m.starts_with("ref-outside-root") && m.contains("a symbolic link to")),
        "{all:#?}"
    );
    let o = mapcheck_in(&root, &["inspect", "contracts/main.schema.json", "--format", "json"]);
    assert!(!stdout(&o).contains("SECRET_FIELD"), "{}", stdout(&o));

    // Protobuf: an import that a link leads out.
    std::fs::create_dir_all(root.join("protos")).unwrap();
    std::os::unix::fs::symlink(secret.join("x.proto"), root.join("protos/dep.proto")).unwrap();
    write(
        &root.join("protos/main.proto"),
        "syntax = \"proto3\";\npackage app;\nimport \"dep.proto\";\nmessage M { secret.SecretMessage s = 1; }\n",
    );
    let o = mapcheck_in(&root, &["lint", "protos/main.proto", "--format", "json"]);
    let all = messages(&json_of(&o));
    assert!(
        all.iter()
            .any(|m| m.contains("import \\\"dep.proto\\\"") || m.contains("import \"dep.proto\"")),
        "{all:#?}"
    );
    assert!(all.iter().any(|m| m.contains("a symbolic link to")), "{all:#?}");

    // A mapping's source contract: `..` and a link.
    let ws = repo().join("tests/fixtures/mapping-ws");
    crate::check::copy_dir(&ws.join("contracts"), &root.join("contracts"));
    for (name, contract) in [
        ("up", "../secret/x.schema.json"),
        ("link", "contracts/link.schema.json"),
    ] {
        write(
            &root.join(format!("mappings/{name}.yaml")),
            &format!(
                "source: {{contract: {contract}, type: x}}\ntarget: {{entity: customer, version: 1}}\nrules:\n  - {{target: name, from: SECRET_FIELD}}\n"
            ),
        );
        let o = mapcheck_in(
            &root,
            &["map", "validate", &format!("mappings/{name}.yaml"), "--format", "json"],
        );
        let report = json_of(&o);
        let all = messages(&report);
        assert!(
            all.iter()
                .any(|m| m.starts_with("ref-outside-root") && m.contains("it is not read")),
            "{name}: {all:#?}"
        );
        assert_eq!(report["findings"][0]["location"]["line"], 1, "{name}");
        assert!(
            !all.iter()
                .any(|m| m.contains("SECRET_FIELD") && !m.contains("ref-outside-root")),
            "{all:#?}"
        );
    }

    // A mapping found by listing mappings/ that is a link out: refused, its text never shown.
    std::os::unix::fs::symlink(secret.join("x.schema.json"), root.join("mappings/zz-link.yaml")).unwrap();
    let o = mapcheck_in(&root, &["map", "validate"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("mappings/zz-link.yaml: a symbolic link to"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("SECRET_FIELD") && !stdout(&o).contains("SECRET_FIELD"));
    std::fs::remove_file(root.join("mappings/zz-link.yaml")).unwrap();

    // mapcheck.toml paths.
    for (toml, what) in [
        (
            "[[samples]]\ncontract = \"../secret/x.schema.json\"\npaths = [\"s.ndjson\"]\n",
            "[[samples]] #1: contract",
        ),
        (
            "[[samples]]\ncontract = \"contracts/link.schema.json\"\npaths = [\"s.ndjson\"]\n",
            "[[samples]] #1: contract",
        ),
        (
            "[[contracts]]\npaths = [\"../secret/*.json\"]\n",
            "[[contracts]] #1: paths",
        ),
        ("[crosswalk]\ndb = \"/tmp/elsewhere.duckdb\"\n", "[crosswalk]: db"),
    ] {
        write(&root.join("mapcheck.toml"), toml);
        let o = mapcheck_in(&root, &["check"]);
        assert_eq!(code(&o), 2, "{toml}");
        assert!(
            stderr(&o).contains(what) && stderr(&o).contains("mapcheck reads only files under"),
            "{toml}: {}",
            stderr(&o)
        );
    }
}

/// protox words a refused import as "invalid group name".
#[test]
fn a_protobuf_import_that_climbs_says_why_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("a/x.proto"),
        "syntax = \"proto3\";\npackage a;\nimport \"../b/y.proto\";\nmessage X {}\n",
    );
    let o = mapcheck_in(dir.path(), &["lint", "a/x.proto", "--format", "json"]);
    let report = json_of(&o);
    let all = messages(&report);
    assert!(
        all.iter().any(|m| m.contains(
            "import \"../b/y.proto\": an import names a file relative to an include root, so it may not contain `..`"
        )),
        "{all:#?}"
    );
    assert!(!all.iter().any(|m| m.contains("group name")), "{all:#?}");
    assert_eq!(report["findings"][0]["location"]["line"], 3);
}

/// A property name carrying a terminal escape and a GitHub workflow command.
#[test]
fn control_characters_in_names_never_reach_the_output_raw() {
    let dir = tempfile::tempdir().unwrap();
    let name = "evil\\u001b]0;pwn\\u0007\\n::error::forged";
    write(
        &dir.path().join("old.schema.json"),
        &format!(
            "{{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\", \"properties\": {{\"{name}\": {{\"type\": \"string\"}}}}, \"required\": [\"{name}\"]}}"
        ),
    );
    write(
        &dir.path().join("new.schema.json"),
        "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}",
    );
    for format in ["text", "markdown", "junit", "html", "github"] {
        let o = mapcheck_in(
            dir.path(),
            &["diff", "old.schema.json", "new.schema.json", "--format", format],
        );
        let out = stdout(&o);
        assert!(out.contains("evil"), "{format}: {out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{format}: {out:?}");
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("::error::forged")),
            "{format}: a forged workflow command:\n{out}"
        );
    }
    let o = mapcheck_in(dir.path(), &["diff", "old.schema.json", "new.schema.json"]);
    assert!(
        stdout(&o).contains("evil\\u{1b}]0;pwn\\u{7}\\n::error::forged"),
        "{}",
        stdout(&o)
    );
    // `inspect` prints names too.
    let o = mapcheck_in(dir.path(), &["inspect", "old.schema.json"]);
    let out = stdout(&o);
    assert!(out.contains("evil\\u{1b}]0;pwn\\u{7}\\n::error::forged"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.lines().any(|l| l.trim_start().starts_with("::error::forged")),
        "{out}"
    );
}

#[test]
fn impossible_dates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("mapcheck.toml"),
        "[[ignore]]\nrule = \"field-removed\"\nreason = \"agreed\"\nuntil = \"2027-13-45\"\n",
    );
    let o = mapcheck_in(dir.path(), &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(
            "mapcheck.toml:4:9: [[ignore]] #1: `until` must be a date of the calendar like 2027-01-31, not `2027-13-45`"
        ),
        "{}",
        stderr(&o)
    );
}

/// `convert: date` and `date-time` consult the calendar.
#[test]
fn mapping_date_conversions_check_the_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::check::copy_dir(&repo().join("tests/fixtures/mapping-ws"), root);
    write(
        &root.join("mappings/dates.yaml"),
        "source: {contract: contracts/src/crm.openapi.yaml, type: Account}\ntarget: {entity: customer, version: 1}\nrules:\n  - {target: customer_id, from: Id}\n  - {target: status, const: active}\n  - {target: name, from: Name}\n  - {target: created_at, from: Created, convert: date-time}\n",
    );
    write(
        &root.join("in.ndjson"),
        "{\"Id\": \"1\", \"Name\": \"a\", \"Created\": \"2027-02-30T10:00:00Z\"}\n{\"Id\": \"2\", \"Name\": \"b\", \"Created\": \"2024-02-29 10:00:00\"}\n{\"Id\": \"3\", \"Name\": \"c\", \"Created\": \"2024-01-01T25:00:00Z\"}\n",
    );
    let o = mapcheck_in(
        root,
        &[
            "map",
            "run",
            "mappings/dates.yaml",
            "in.ndjson",
            "--format",
            "json",
            "--out",
            "out.ndjson",
        ],
    );
    let all = messages(&json_of(&o));
    let failed: Vec<&String> = all
        .iter()
        .filter(|m| m.starts_with("map-run-transform-failed"))
        .collect();
    assert_eq!(failed.len(), 1, "{all:#?}");
    assert!(
        failed[0].contains("2 records") && failed[0].contains("in.ndjson:1") && failed[0].contains("in.ndjson:3"),
        "{failed:?}"
    );
}

/// Keys that clean to the same Avro name, start with a digit, or hold no letters at all: the
/// draft is still a schema Apache Avro accepts.
#[test]
fn infer_to_avro_always_writes_a_valid_schema() {
    let has_avro = Command::new(python())
        .args(["-c", "import avro.schema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_avro {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must check drafts with Apache Avro (bash ci/test-tools.sh)"
        );
        eprintln!("skipping: Apache Avro is not installed (bash ci/test-tools.sh)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let awkward = [
        "a-b",
        "a_b",
        "a.b",
        "a b",
        "1st",
        "2nd-place",
        "",
        "名前",
        "ключ",
        "__",
        "_",
        "null",
        "type",
        "a-B",
        "A_b",
        "x$",
        "$x",
        "9",
        "with\ttab",
    ];
    // Seeded variations: the awkward keys nested, in arrays, with enums and nulls.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..40 {
        let mut lines = Vec::new();
        for r in 0..6 {
            let mut record = serde_json::Map::new();
            for (i, key) in awkward.iter().enumerate() {
                if next() % 3 == 0 {
                    continue;
                }
                let v = match (next() + i as u64) % 6 {
                    0 => serde_json::json!(r),
                    1 => serde_json::json!(["x", "y"][(r % 2) as usize]),
                    2 => serde_json::json!({"1-a": r, "1_a": "s", "": null}),
                    3 => serde_json::json!([{"k-1": r}, {"k_1": "z"}]),
                    4 => serde_json::Value::Null,
                    _ => serde_json::json!(r as f64 + 0.5),
                };
                record.insert((*key).to_string(), v);
            }
            lines.push(serde_json::Value::Object(record).to_string());
        }
        let sample = dir.path().join(format!("case{case}.ndjson"));
        write(&sample, &(lines.join("\n") + "\n"));
        let schema = dir.path().join(format!("case{case}.avsc"));
        let o = mapcheck(&[
            "infer",
            sample.to_str().unwrap(),
            "--to",
            "avro",
            "-o",
            schema.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let check = Command::new(python())
            .args([
                "-c",
                "import sys, avro.schema; avro.schema.parse(open(sys.argv[1]).read())",
            ])
            .arg(&schema)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "case {case}: Apache Avro refuses the draft: {}\n{}",
            String::from_utf8_lossy(&check.stderr),
            std::fs::read_to_string(&schema).unwrap()
        );
    }
}

/// Parquet files whose bytes make the Parquet reader panic (one from mutating clean.parquet, one
/// found by the `sample_parquet` fuzz target): an error naming the file, never an abort.
#[cfg(feature = "parquet")]
#[test]
fn a_parquet_file_that_panics_the_reader_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let contract = repo().join("tests/fixtures/samples/customer.schema.json");
    for fixture in ["panics-reader.parquet", "panics-reader-fuzzed.parquet"] {
        let file = dir.path().join("bad.parquet");
        std::fs::copy(repo().join("tests/fixtures/hostile").join(fixture), &file).unwrap();
        let o = mapcheck_in(
            dir.path(),
            &["drift", "bad.parquet", "--contract", contract.to_str().unwrap()],
        );
        assert_eq!(code(&o), 2, "{fixture}: {}", stderr(&o));
        assert!(stderr(&o).contains("bad.parquet"), "{}", stderr(&o));
        assert!(stderr(&o).contains("the reader failed on this file"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        let o = mapcheck_in(dir.path(), &["infer", "bad.parquet"]);
        assert_eq!(code(&o), 2, "{fixture}: {}", stderr(&o));
    }
}

/// Rewording a message keeps its fingerprint; a baseline written before fingerprints stopped
/// hashing messages (schema_version 1) still matches, by rule, file and path.
#[test]
fn baselines_survive_rewording_and_old_baselines_still_match() {
    let ws = tempfile::tempdir().unwrap();
    let root = ws.path();
    crate::check::copy_dir(&repo().join("contracts"), &root.join("contracts"));
    write(
        &root.join("mapcheck.toml"),
        "[[contracts]]\nname = \"erp\"\npaths = [\"contracts/erp/*.proto\"]\n",
    );
    let git = |args: &[&str]| {
        let o = Command::new("git").args(args).current_dir(root).output().unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@t", "add", "."]);
    git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]);
    let proto = root.join("contracts/erp/customer_service.proto");
    let text = std::fs::read_to_string(&proto).unwrap();
    let changed = text.replacen("CUSTOMER_STATUS_PROSPECT = 2;", "", 1);
    assert_ne!(changed, text);
    std::fs::write(&proto, changed).unwrap();
    let o = mapcheck_in(
        root,
        &["check", "--against", "main", "--format", "json", "--no-baseline"],
    );
    let report = json_of(&o);
    let findings = report["findings"].as_array().unwrap().clone();
    assert!(!findings.is_empty(), "{report:#}");
    // A version 1 baseline: its fingerprints are stale, its places are not.
    let entries: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| serde_json::json!({"fingerprint": "0000000000000000", "rule": f["rule"], "path": f["path"], "file": f["location"]["file"]}))
        .collect();
    write(
        &root.join(".mapcheck/baseline.json"),
        &serde_json::json!({"schema_version": 1, "findings": entries}).to_string(),
    );
    let o = mapcheck_in(root, &["check", "--against", "main", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(json_of(&o)["summary"]["suppressed"]["baselined"], findings.len());
    // `mapcheck baseline` writes version 2, matched by fingerprint.
    let o = mapcheck_in(root, &["baseline", "--against", "main"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(".mapcheck/baseline.json")).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 2);
    let o = mapcheck_in(root, &["check", "--against", "main"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}
