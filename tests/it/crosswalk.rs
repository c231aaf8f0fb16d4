//! `mapcheck crosswalk`: the DuckDB store driven through the real binary on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::*;

/// A workspace with its own (empty) mapcheck.toml, and the store at `ids.duckdb` in it.
struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    fn new() -> Ws {
        Ws::with_config("")
    }

    fn with_config(config: &str) -> Ws {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("mapcheck.toml"), config).expect("config");
        let ws = Ws { dir };
        ws.ok(&["init"]);
        ws
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        std::fs::write(self.path(rel), content).expect("write");
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut full = vec!["crosswalk", "--db", "ids.duckdb"];
        full.extend_from_slice(args);
        mapcheck_in(self.dir.path(), &full)
    }

    /// Runs and expects exit 0; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(code(&o), 0, "{args:?}\nstdout: {}\nstderr: {}", stdout(&o), stderr(&o));
        stdout(&o)
    }

    fn load(&self, file: &str, system: &str, extra: &[&str]) -> String {
        let mut args = vec!["load", file, "--system", system, "--entity", "customer"];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    /// Every link ever, as CSV without the timestamps and load ids: system,entity,feed,source,canonical,active.
    fn links(&self) -> Vec<String> {
        let csv = self.ok(&["export", "--format", "csv", "--history"]);
        csv.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!(
                    "{} {} {} {} {} {}",
                    f[0],
                    f[1],
                    f[2],
                    f[3],
                    f[4],
                    if f[6].is_empty() { "active" } else { "closed" }
                )
            })
            .collect()
    }

    fn check_json(&self) -> (serde_json::Value, i32) {
        let o = self.run(&["check", "--format", "json"]);
        let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
        (v, code(&o))
    }
}

const THREE: &str = "source_id,canonical_id\n001,c-1\n002,c-2\n003,c-3\n";

#[test]
fn init_creates_upgrades_old_stores_and_refuses_newer_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mapcheck.toml"),
        "[crosswalk]\ndb = \"state/xw.duckdb\"\n",
    )
    .expect("config");
    let o = mapcheck_in(dir.path(), &["crosswalk", "init"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("created state/xw.duckdb (schema version 3)"),
        "{}",
        stdout(&o)
    );
    let o = mapcheck_in(dir.path(), &["crosswalk", "init"]);
    assert!(
        stdout(&o).contains("is up to date (schema version 3)"),
        "{}",
        stdout(&o)
    );

    // A store made by an older mapcheck (schema version 1) is refused until `init` upgrades it.
    let old = dir.path().join("old.duckdb");
    mapcheck::crosswalk::store::Store::init_to(&old, 1).expect("v1 store");
    let o = mapcheck_in(
        dir.path(),
        &["crosswalk", "--db", "old.duckdb", "resolve", "--system", "crm", "x"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("schema version 1; run `mapcheck crosswalk init`"),
        "{}",
        stderr(&o)
    );
    let o = mapcheck_in(dir.path(), &["crosswalk", "--db", "old.duckdb", "init"]);
    assert!(
        stdout(&o).contains("upgraded old.duckdb from schema version 1 to 3"),
        "{}",
        stdout(&o)
    );
    let o = mapcheck_in(
        dir.path(),
        &["crosswalk", "--db", "old.duckdb", "resolve", "--system", "crm", "x"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));

    // A store from a newer mapcheck is refused, by init too, and left alone.
    {
        let conn = duckdb::Connection::open(&old).expect("open");
        conn.execute_batch("INSERT INTO schema_version VALUES (99, now()::TIMESTAMP, 'future')")
            .expect("bump");
    }
    for args in [&["init"][..], &["resolve", "--system", "crm", "x"][..]] {
        let mut full = vec!["crosswalk", "--db", "old.duckdb"];
        full.extend_from_slice(args);
        let o = mapcheck_in(dir.path(), &full);
        assert_eq!(code(&o), 2);
        assert!(
            stderr(&o).contains("schema version 99, newer than this mapcheck understands (3)"),
            "{}",
            stderr(&o)
        );
    }

    let o = mapcheck_in(dir.path(), &["crosswalk", "--db", "none.duckdb", "history", "x"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no crosswalk store here; create it with `mapcheck crosswalk init`"));
}

#[test]
fn loading_the_same_file_twice_changes_nothing_and_changes_keep_history() {
    let ws = Ws::new();
    ws.write("a.csv", THREE);
    let out = ws.load("a.csv", "crm", &[]);
    assert!(
        out.starts_with("loaded crm/customer (default) from a.csv: 3 added, 0 changed, 0 unchanged (load 1 at "),
        "{out}"
    );
    let out = ws.load("a.csv", "crm", &[]);
    assert_eq!(
        out,
        "no changes: crm/customer (default) from a.csv is already loaded (0 added, 0 changed, 3 unchanged)\n"
    );

    ws.write("b.csv", "source_id,canonical_id\n001,c-1\n002,c-9\n004,c-4\n001,c-1\n");
    let out = ws.load("b.csv", "crm", &[]);
    assert!(
        out.contains("1 added, 1 changed, 1 unchanged, 1 repeated rows (load 2 at "),
        "{out}"
    );
    assert_eq!(
        ws.links(),
        [
            "crm customer default 001 c-1 active",
            "crm customer default 002 c-2 closed",
            "crm customer default 002 c-9 active",
            "crm customer default 003 c-3 active",
            "crm customer default 004 c-4 active",
        ]
    );
    let h: serde_json::Value = serde_json::from_str(&ws.ok(&["history", "002", "--format", "json"])).expect("json");
    let links = h["links"].as_array().expect("links");
    assert_eq!(links.len(), 2);
    assert_eq!(links[0]["canonical_id"], "c-2");
    assert_eq!(links[0]["closed_by"], 2);
    assert_eq!(links[0]["valid_to"], links[1]["valid_from"]);
    assert_eq!(links[1]["source_file"], "b.csv");
    assert!(links[1]["valid_to"].is_null());
    // By canonical id too.
    assert!(
        ws.ok(&["history", "c-9"])
            .contains("crm/customer (default)  002 -> c-9  load 2")
    );
}

#[test]
fn a_dry_run_shows_changes_and_writes_nothing() {
    let ws = Ws::new();
    ws.write("a.csv", THREE);
    let out = ws.load("a.csv", "crm", &["--dry-run"]);
    assert_eq!(
        out,
        "dry run, nothing changed: crm/customer (default) from a.csv: would have 3 added, 0 changed, 0 unchanged\n  + 001: c-1\n  + 002: c-2\n  + 003: c-3\n"
    );
    assert!(ws.links().is_empty());
    ws.load("a.csv", "crm", &[]);
    ws.write("b.csv", "source_id,canonical_id\n002,c-7\n");
    assert!(
        ws.load("b.csv", "crm", &["--dry-run"])
            .contains("  ~ 002: c-2 -> c-7\n")
    );
    assert_eq!(ws.links().len(), 3);
}

#[test]
fn minting_gives_unseen_ids_a_uuid_once() {
    let ws = Ws::new();
    ws.write("new.ndjson", "{\"id\": \"b-1\"}\n{\"id\": 17}\n");
    let out = ws.load("new.ndjson", "billing", &["--mint", "uuid", "--source-column", "id"]);
    assert!(out.contains("2 added, 0 changed, 0 unchanged, 2 minted"), "{out}");
    let first = ws.links();
    for l in &first {
        let uuid = l.split(' ').nth(4).expect("canonical");
        assert_eq!(uuid.len(), 36, "{uuid}");
        assert_eq!(uuid.as_bytes()[14], b'4', "version 4: {uuid}");
    }
    // Seen ids keep their canonical id; only the new one is minted.
    ws.write("more.ndjson", "{\"id\": \"b-1\"}\n{\"id\": 17}\n{\"id\": \"b-3\"}\n");
    let out = ws.load("more.ndjson", "billing", &["--mint", "uuid", "--source-column", "id"]);
    assert!(out.contains("1 added, 0 changed, 2 unchanged, 1 minted"), "{out}");
    assert!(ws.links().starts_with(&first));
    // Without --mint a missing canonical id is a malformed row.
    let o = ws.run(&[
        "load",
        "more.ndjson",
        "--system",
        "billing",
        "--entity",
        "customer",
        "--source-column",
        "id",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("more.ndjson: row 1: missing canonical id"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_rows_refuse_the_load_unless_quarantined() {
    let ws = Ws::new();
    ws.write("good.csv", "source_id,canonical_id\n000,c-0\n");
    ws.load("good.csv", "crm", &[]);
    let mut bad = b"source_id,canonical_id\n001,c-1\n,c-2\n003,\n00\xff4,c-4\n005,c-5\n005,c-6\n006,c-6\n".to_vec();
    bad.extend_from_slice(b"007,c-7\n");
    ws.write("bad.csv", &bad);
    let o = ws.run(&["load", "bad.csv", "--system", "crm", "--entity", "customer"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("bad.csv: 5 malformed rows; nothing was loaded"), "{err}");
    assert!(
        err.contains("bad.csv: row 2: missing source id (column 'source_id')"),
        "{err}"
    );
    assert!(err.contains("bad.csv: row 3: missing canonical id"), "{err}");
    assert!(
        err.contains("bad.csv: row 4: invalid UTF-8 in column 'source_id'"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv: row 5: source id '005' also on row 6 with a different canonical id"),
        "{err}"
    );
    assert!(err.contains("bad.csv: row 6: source id '005' also on row 5"), "{err}");
    assert_eq!(ws.links(), ["crm customer default 000 c-0 active"]);

    let out = ws.load("bad.csv", "crm", &["--reject-file", "rejected.csv"]);
    assert!(
        out.contains("3 added, 0 changed, 0 unchanged, 5 rows rejected to rejected.csv"),
        "{out}"
    );
    let rejected = std::fs::read_to_string(ws.path("rejected.csv")).expect("reject file");
    let rows: Vec<&str> = rejected.lines().map(|l| l.split(',').next().unwrap_or("")).collect();
    assert_eq!(rows, ["row", "2", "3", "4", "5", "6"]);
    assert!(rejected.contains("0\u{fffd}4"), "{rejected}");
    assert_eq!(
        ws.links(),
        [
            "crm customer default 000 c-0 active",
            "crm customer default 001 c-1 active",
            "crm customer default 006 c-6 active",
            "crm customer default 007 c-7 active",
        ]
    );
}

#[test]
fn resolve_now_and_as_of_a_time() {
    let ws = Ws::new();
    ws.write("a.csv", THREE);
    let first: serde_json::Value = serde_json::from_str(&ws.load("a.csv", "crm", &["--format", "json"])).expect("json");
    ws.write("b.csv", "source_id,canonical_id\n001,c-100\n");
    let second: serde_json::Value =
        serde_json::from_str(&ws.load("b.csv", "crm", &["--format", "json"])).expect("json");
    assert_eq!(
        ws.ok(&["resolve", "--system", "crm", "001", "002"]),
        "001\tc-100\n002\tc-2\n"
    );
    let at1 = first["at"].as_str().expect("time");
    let at2 = second["at"].as_str().expect("time");
    assert!(at1 < at2);
    assert_eq!(
        ws.ok(&["resolve", "--system", "crm", "001", "--as-of", at1]),
        "001\tc-1\n"
    );
    let iso = format!("{}Z", at2.replace(' ', "T"));
    assert_eq!(
        ws.ok(&["resolve", "--system", "crm", "001", "--as-of", &iso]),
        "001\tc-100\n"
    );
    let o = ws.run(&["resolve", "--system", "crm", "001", "--as-of", "2000-01-01"]);
    assert_eq!((code(&o), stdout(&o)), (1, "001\t-\n".to_string()));
    let o = ws.run(&["resolve", "--system", "crm", "001", "--as-of", "yesterday"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--as-of 'yesterday': not a time"), "{}", stderr(&o));

    // From a file, with unknown ids: exit 1, CSV with empty canonical ids.
    ws.write("ids.txt", "003\n\n999\n001\n");
    let o = ws.run(&["resolve", "--system", "crm", "--file", "ids.txt", "--format", "csv"]);
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "source_id,canonical_id\n003,c-3\n999,\n001,c-100\n");
    assert!(
        stderr(&o).contains("1 of 3 ids has no link in crm; 0 have more"),
        "{}",
        stderr(&o)
    );
    // Another system knows nothing of these ids.
    let o = ws.run(&["resolve", "--system", "erp", "001"]);
    assert_eq!(code(&o), 1);
}

#[test]
fn merges_redirect_chains_to_the_survivor_and_refuse_cycles() {
    let ws = Ws::new();
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n003,C\n");
    ws.load("crm.csv", "crm", &[]);
    let out = ws.ok(&["merge", "A", "B"]);
    assert!(out.starts_with("merged A into B (load 2 at "), "{out}");
    assert!(out.ends_with("1 link moved\n"), "{out}");
    ws.ok(&["merge", "B", "C"]);
    assert_eq!(
        ws.ok(&["resolve", "--system", "crm", "001", "002", "003"]),
        "001\tC\n002\tC\n003\tC\n"
    );

    let o = ws.run(&["merge", "C", "A"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("merging 'C' into 'A' would make a cycle: 'A' already resolves to 'C' (A -> B -> C)"),
        "{}",
        stderr(&o)
    );
    let o = ws.run(&["merge", "A", "C"]);
    assert!(stderr(&o).contains("'A' was already merged into 'B'"), "{}", stderr(&o));
    let o = ws.run(&["merge", "C", "C"]);
    assert!(stderr(&o).contains("cannot merge 'C' into itself"));
    let o = ws.run(&["merge", "C", "nope"]);
    assert!(stderr(&o).contains("'nope' is not a canonical id of any link"));
    // The report's recent loads name a merge once: `merge A -> B`.
    let report = ws.ok(&["report", "--format", "markdown"]);
    assert!(report.contains("| merge A -> B |"), "{report}");
    assert!(!report.contains("merge merge"), "{report}");

    // The history of the merged id: its link, closed by the merge, and its redirect.
    let h = ws.ok(&["history", "A"]);
    assert!(
        h.contains("crm/customer (default)  001 -> A  load 1, closed by 2  crm.csv"),
        "{h}"
    );
    assert!(h.contains("merged A -> B  load 2"), "{h}");
    // A feed still sending a merged id: resolves through the redirect, and check warns.
    ws.write("stale.csv", "source_id,canonical_id\n009,A\n");
    ws.load("stale.csv", "erp", &[]);
    assert_eq!(ws.ok(&["resolve", "--system", "erp", "009"]), "009\tC\n");
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    let stale = with_rule(&findings, "crosswalk-merged-id-referenced");
    assert_eq!(stale.len(), 1);
    assert_eq!(
        stale[0]["message"],
        "erp customer '009' (feed default) links to 'A', which was merged away"
    );
}

#[test]
fn check_reports_every_rule_as_findings() {
    let ws = Ws::with_config(
        "[crosswalk]\none_to_one = [\"erp\"]\nmin_coverage = 0.9\n\n\
[[crosswalk.samples]]\nsystem = \"crm\"\nentity = \"customer\"\npath = \"samples/accounts.ndjson\"\ncolumn = \"account_id\"\n",
    );
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n003,C\n004,D\n");
    ws.write("manual.csv", "source_id,canonical_id\n001,A\n002,Z\n");
    ws.write("erp.csv", "source_id,canonical_id\nE1,A\nE2,A\nE3,B\n");
    ws.load("crm.csv", "crm", &[]);
    ws.load("manual.csv", "crm", &["--feed", "manual"]);
    ws.load("erp.csv", "erp", &[]);
    std::fs::create_dir_all(ws.path("samples")).expect("dir");
    ws.write(
        "samples/accounts.ndjson",
        "{\"account_id\": \"001\"}\n{\"account_id\": \"777\"}\n{\"account_id\": \"003\"}\n{\"account_id\": \"888\"}\n",
    );
    let (report, exit) = ws.check_json();
    assert_eq!(exit, 1);
    let findings = report["findings"].as_array().expect("findings").clone();
    let conflicts = with_rule(&findings, "crosswalk-conflict");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0]["message"],
        "crm customer '002' has 2 active canonical ids: default=B, manual=Z"
    );
    assert_eq!(conflicts[0]["path"], "crm/customer/002");
    assert_eq!(conflicts[0]["location"]["file"], "ids.duckdb");
    let one = with_rule(&findings, "crosswalk-one-to-one");
    assert_eq!(one.len(), 1);
    assert!(
        one[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("has 2 erp ids, but erp is declared one-to-one: E1, E2")
    );
    let orphans = with_rule(&findings, "crosswalk-orphan");
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0]["severity"], "warning");
    assert_eq!(orphans[0]["location"]["file"], "samples/accounts.ndjson");
    assert_eq!(orphans[0]["location"]["line"], 2);
    assert!(
        orphans[0]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("2 of 4 ids in samples/accounts.ndjson")
    );
    let coverage = with_rule(&findings, "crosswalk-coverage");
    let cov: Vec<(String, String)> = coverage
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        cov,
        [
            (
                "crm covers 5 of 5 canonical customer ids (100.0%)".to_string(),
                "info".to_string()
            ),
            (
                "erp covers 2 of 5 canonical customer ids (40.0%)".to_string(),
                "warning".to_string()
            ),
        ]
    );
    assert_eq!(report["summary"]["errors"], 2);

    // The other renderers cope with findings that have no line.
    for format in ["text", "markdown", "github", "sarif", "junit"] {
        let o = ws.run(&["check", "--format", format]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        assert!(stdout(&o).contains("crosswalk-conflict"), "{format}: {}", stdout(&o));
    }
    let text = stdout(&ws.run(&["check"]));
    assert!(text.contains("ids.duckdb ("), "{text}");
    assert!(
        text.ends_with("2 errors, 2 warnings, 1 info in 1 crosswalk store\n"),
        "{text}"
    );
    let o = ws.run(&["check", "--fail-on", "never"]);
    assert_eq!(code(&o), 0);

    // Dangling redirect and redirect cycles (the latter only by editing the store).
    ws.ok(&["merge", "D", "C"]);
    ws.write("crm2.csv", "source_id,canonical_id\n003,Q\n004,Q\n");
    ws.load("crm2.csv", "crm", &[]);
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    let dangling = with_rule(&findings, "crosswalk-dangling-redirect");
    assert_eq!(dangling.len(), 1);
    assert_eq!(
        dangling[0]["message"],
        "'D' redirects to 'C', which no active link uses"
    );
    {
        let conn = duckdb::Connection::open(ws.path("ids.duckdb")).expect("open");
        conn.execute_batch("INSERT INTO redirects VALUES ('C', 'D', now()::TIMESTAMP, NULL, 99)")
            .expect("cycle");
    }
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    let cycles = with_rule(&findings, "crosswalk-redirect-cycle");
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0]["message"], "merge redirects form a cycle: C -> D -> C");
}

#[test]
fn reports_in_every_format_and_html_is_self_contained() {
    let ws = Ws::new();
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n");
    ws.write("erp.csv", "source_id,canonical_id\nE<1>,A\n");
    ws.load("crm.csv", "crm", &[]);
    ws.load("erp.csv", "erp", &[]);
    let md = ws.ok(&["report"]);
    assert!(md.contains("## Coverage"), "{md}");
    assert!(md.contains("| customer | erp | 1 | 1 of 2 | 50.0% |"), "{md}");
    assert!(md.contains("## Recent changes"), "{md}");
    let html = ws.ok(&["report", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(html.contains("E&lt;1&gt;") || !html.contains("E<1>"), "escaped");
    for external in ["<script", "<link", "src=", "url(", "@import", "https://"] {
        assert!(
            !html.contains(external),
            "HTML must not load anything: found {external}"
        );
    }
    assert_eq!(
        html.matches("http://").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    let json: serde_json::Value = serde_json::from_str(&ws.ok(&["report", "--format", "json"])).expect("json");
    assert_eq!(json["active_links"], 3);
    assert_eq!(json["coverage"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["recent"][0]["system"], "erp");
    let csv = ws.ok(&["report", "--format", "csv"]);
    assert!(
        csv.starts_with("section,system,entity,key,value,detail\ncoverage,crm,customer,ratio,1.0000,"),
        "{csv}"
    );
    assert_eq!(ws.ok(&["report", "--format", "html", "--output", "report.html"]), "");
    let written = std::fs::read_to_string(ws.path("report.html")).expect("report file");
    assert!(written.contains("<svg"));
}

#[test]
fn export_to_parquet_and_back() {
    let ws = Ws::new();
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n\"0,3\",C\n");
    ws.load("crm.csv", "crm", &[]);
    ws.write("crm2.csv", "source_id,canonical_id\n002,B2\n");
    ws.load("crm2.csv", "crm", &[]);
    ws.ok(&["export", "--format", "parquet", "--output", "links.parquet"]);
    ws.ok(&["export", "--format", "parquet", "--history", "--output", "all.parquet"]);
    let o = ws.run(&["export", "--format", "parquet"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--format parquet needs --output"));

    // The active links, loaded into a fresh store from Parquet, export as the same CSV.
    let other = Ws::new();
    std::fs::copy(ws.path("links.parquet"), other.path("links.parquet")).expect("copy");
    let out = other.load("links.parquet", "crm", &[]);
    assert!(out.contains("3 added, 0 changed, 0 unchanged"), "{out}");
    let pairs = |w: &Ws| -> Vec<String> {
        w.ok(&["export", "--format", "csv"])
            .lines()
            // The last four columns (times, load id, file) hold no commas here.
            .map(|l| l.rsplitn(5, ',').last().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(pairs(&ws), pairs(&other));
    assert!(
        pairs(&ws).contains(&"crm,customer,default,\"0,3\",C".to_string()),
        "{:?}",
        pairs(&ws)
    );
    // History has the closed link too; a file CSV export matches stdout.
    ws.ok(&["export", "--format", "csv", "--history", "--output", "all.csv"]);
    let all = std::fs::read_to_string(ws.path("all.csv")).expect("csv");
    assert_eq!(all, ws.ok(&["export", "--format", "csv", "--history"]));
    assert_eq!(all.lines().count(), 5);
}

/// A CSV with `n` links, large enough that loading it takes a while.
fn big_csv(path: &Path, n: usize, tag: &str) {
    use std::io::Write as _;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(w, "source_id,canonical_id").expect("write");
    for i in 0..n {
        writeln!(w, "S{i:09},{tag}-{i:09}").expect("write");
    }
}

#[test]
fn a_second_writer_is_told_the_store_is_in_use_and_changes_nothing() {
    use std::io::BufRead as _;
    let ws = Ws::new();
    big_csv(&ws.path("big.csv"), 1_500_000, "c");
    ws.write("small.csv", THREE);
    // With --verbose a load says on stderr when it has opened the store for writing and starts
    // reading; from then until it exits it holds the write lock. Reading 1.5M rows takes seconds.
    let mut first = Command::new(env!("CARGO_BIN_EXE_mapcheck"))
        .args(["--verbose", "crosswalk", "--db", "ids.duckdb", "load", "big.csv"])
        .args(["--system", "big", "--entity", "customer"])
        .current_dir(ws.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = std::io::BufReader::new(first.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the load ended before it said it was reading: {seen:?}"))
            .expect("read stderr");
        let reading = line.contains("load: reading");
        seen.push(line);
        if reading {
            break;
        }
    }
    let o = ws.run(&["load", "small.csv", "--system", "second", "--entity", "customer"]);
    // Drain the first load's stderr so that it never blocks on a full pipe, then let it finish.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = first.wait().expect("wait");
    assert!(status.success(), "the first load completes: {seen:?} {rest:?}");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ids.duckdb: the crosswalk store is in use by another process"),
        "{}",
        stderr(&o)
    );
    // The refused writer changed nothing; the first load is all there.
    let o = ws.run(&["resolve", "--system", "second", "001", "002", "003"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert_eq!(stdout(&o), "001\t-\n002\t-\n003\t-\n");
    let o = ws.run(&["resolve", "--system", "big", "S000000000", "S001499999"]);
    assert_eq!(stdout(&o), "S000000000\tc-000000000\nS001499999\tc-001499999\n");
}

#[test]
fn a_load_killed_at_any_point_leaves_the_store_as_it_was() {
    let ws = Ws::new();
    ws.write("base.csv", THREE);
    ws.load("base.csv", "crm", &[]);
    big_csv(&ws.path("big.csv"), 1_500_000, "k");
    let before = ws.ok(&["export", "--format", "csv", "--history"]);
    let report_before = ws.ok(&["report", "--format", "json"]);
    let mut killed_mid_load = 0;
    // Kill as each phase begins, as the load announces it on stderr (`--verbose`): reading,
    // comparing with the store, writing, updating summaries.
    for phase in [
        "reading",
        "comparing with the store",
        "writing links",
        "updating summaries",
    ] {
        use std::io::BufRead as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_mapcheck"))
            .args(["--verbose", "crosswalk", "--db", "ids.duckdb", "load", "big.csv"])
            .args(["--system", "erp", "--entity", "customer"])
            .current_dir(ws.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let wanted = format!("load: {phase}");
        let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
        let announced = lines.any(|l| l.is_ok_and(|l| l.contains(&wanted)));
        let finished = child.try_wait().expect("wait").is_some();
        if !finished {
            child.kill().expect("SIGKILL");
        }
        drop(lines);
        let status = child.wait().expect("wait");
        let finished = finished || status.success();
        assert!(announced || finished, "the load never said `{wanted}`");
        let after = ws.ok(&["export", "--format", "csv", "--history"]);
        if after != before {
            // Only a load that committed may change the store, and then all of it is there.
            let report: serde_json::Value =
                serde_json::from_str(&ws.ok(&["report", "--format", "json"])).expect("json");
            assert_eq!(
                report["active_links"],
                3 + 1_500_000,
                "killed as it began {phase}: a partial load"
            );
            assert_eq!(report["loads"], 2);
            assert!(finished || !status.success());
            break;
        }
        assert_eq!(ws.ok(&["report", "--format", "json"]), report_before);
        if finished {
            break;
        }
        killed_mid_load += 1;
    }
    assert!(killed_mid_load > 0, "every load finished before it could be killed");
    // The store still works.
    ws.write("more.csv", "source_id,canonical_id\n009,c-9\n");
    assert!(ws.load("more.csv", "crm", &[]).contains("1 added"));
}

/// `map run` looks `crosswalk:` ids up in the store: linked ids become canonical ids (after merge
/// redirects), unlinked ones are orphans and ids with two active canonical ids are conflicts.
#[test]
fn map_run_resolves_crosswalk_ids_from_the_store() {
    let ws = Ws::new();
    ws.write(
        "crm.csv",
        "source_id,canonical_id\n001A00000123456780,cust-1\n001A00000123456781,cust-old\n001A00000123456782,cust-3\n",
    );
    ws.write("manual.csv", "source_id,canonical_id\n001A00000123456782,cust-9\n");
    for (file, feed) in [("crm.csv", "default"), ("manual.csv", "manual")] {
        ws.ok(&["load", file, "--system", "crm", "--entity", "account", "--feed", feed]);
    }
    ws.write("erp.csv", "source_id,canonical_id\nE-1,cust-2\n");
    ws.load("erp.csv", "erp", &[]);
    ws.ok(&["merge", "cust-old", "cust-2"]);
    let db = ws.path("ids.duckdb");
    let records = ws.path("customers.ndjson");
    let o = mapcheck(&[
        "map",
        "run",
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts.ndjson",
        "--db",
        db.to_str().unwrap(),
        "--out",
        records.to_str().unwrap(),
        "--format",
        "json",
        "--keep-invalid",
    ]);
    let written: Vec<serde_json::Value> = std::fs::read_to_string(&records)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&serde_json::Value> = written.iter().map(|r| &r["customer_id"]).collect();
    assert_eq!(
        ids,
        [
            &serde_json::json!("cust-1"),
            &serde_json::json!("cust-2"),
            &serde_json::Value::Null
        ],
        "{}",
        stderr(&o)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let messages: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("map-run-transform-failed 1 record")
                && m.contains("crm/account id `001A00000123456782` has more than one active canonical id")),
        "{messages:#?}"
    );
    assert!(
        !messages.iter().any(|m| m.starts_with("map-run-orphan-id")),
        "{messages:#?}"
    );
    // A store that does not exist, given explicitly, is an error rather than a run full of orphans.
    let o = mapcheck(&[
        "map",
        "run",
        "mappings/crm-account-to-customer.yaml",
        "tests/fixtures/samples/map-run/accounts.ndjson",
        "--db",
        ws.path("missing.duckdb").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.duckdb"), "{}", stderr(&o));
}

/// With a store, `map validate` (and `check`) report `crosswalk:` lookups of a system and entity
/// the store has never linked, at the rule's line; without one they say nothing.
#[test]
fn unknown_crosswalks_in_mappings_are_reported() {
    let ws = Ws::with_config("[crosswalk]\ndb = \"ids.duckdb\"\n");
    std::fs::create_dir_all(ws.path("contracts/canonical/customer")).unwrap();
    std::fs::create_dir_all(ws.path("contracts/crm")).unwrap();
    std::fs::write(
        ws.path("contracts/canonical/customer/v1.schema.json"),
        r#"{"type": "object", "properties": {"id": {"type": "string"}}}"#,
    )
    .unwrap();
    std::fs::write(
        ws.path("contracts/crm/account.schema.json"),
        r#"{"title": "Account", "type": "object", "properties": {"Id": {"type": "string"}}}"#,
    )
    .unwrap();
    std::fs::create_dir_all(ws.path("mappings")).unwrap();
    ws.write(
        "mappings/crm.yaml",
        "source: {contract: contracts/crm/account.schema.json, type: Account}\n\
target: {entity: customer, version: 1}\nrules:\n  - target: id\n    from: Id\n    crosswalk: {system: crm, entity: acount}\n",
    );
    let validate = || {
        let o = mapcheck_in(ws.dir.path(), &["map", "validate", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
        (v["findings"].as_array().unwrap().clone(), code(&o))
    };
    // The store exists but links nothing yet.
    let (findings, _) = validate();
    let unknown = with_rule(&findings, "mapping-unknown-crosswalk");
    assert_eq!(
        unknown[0]["message"],
        "crosswalk `crm/acount` is not in the crosswalk store ids.duckdb, which has no links at all"
    );
    // No store: nothing to check against.
    std::fs::remove_file(ws.path("ids.duckdb")).unwrap();
    let (findings, exit) = validate();
    assert!(findings.is_empty(), "no store: {findings:#?}");
    assert_eq!(exit, 0, "{findings:#?}");
    ws.ok(&["init"]);
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n");
    ws.ok(&["load", "crm.csv", "--system", "crm", "--entity", "account"]);
    let (findings, exit) = validate();
    let unknown = with_rule(&findings, "mapping-unknown-crosswalk");
    assert_eq!(unknown.len(), 1, "{findings:#?}");
    assert_eq!(
        unknown[0]["message"],
        "crosswalk `crm/acount` is not in the crosswalk store ids.duckdb, which has links for crm/account"
    );
    assert_eq!(unknown[0]["location"]["file"], "mappings/crm.yaml");
    assert_eq!(unknown[0]["location"]["line"], 4);
    assert_eq!(exit, 1);
    // Spelt right, it validates.
    let text = std::fs::read_to_string(ws.path("mappings/crm.yaml")).unwrap();
    ws.write("mappings/crm.yaml", text.replace("acount", "account"));
    let (findings, exit) = validate();
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(exit, 0);
}

/// With a `[crosswalk]` table, `mapcheck check` includes the store's findings; without the store
/// it skips them with a note, or fails saying how to create it when the store is `required`.
#[test]
fn check_includes_the_crosswalk_when_configured() {
    let ws = Ws::with_config("[crosswalk]\ndb = \"ids.duckdb\"\n");
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n");
    ws.write("manual.csv", "source_id,canonical_id\n002,Z\n");
    ws.load("crm.csv", "crm", &[]);
    ws.load("manual.csv", "crm", &["--feed", "manual"]);
    let o = mapcheck_in(ws.dir.path(), &["check", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap().clone();
    let conflicts = with_rule(&findings, "crosswalk-conflict");
    assert_eq!(conflicts.len(), 1, "{report:#}");
    assert_eq!(conflicts[0]["path"], "crm/customer/002");
    // The HTML report charts the coverage.
    let o = mapcheck_in(ws.dir.path(), &["report", "--html", "report.html"]);
    assert_eq!(
        code(&o),
        1,
        "the conflict fails the page as it fails check: {}",
        stderr(&o)
    );
    let page = std::fs::read_to_string(ws.path("report.html")).unwrap();
    assert!(page.contains("<h2>Crosswalk coverage (ids.duckdb)</h2>"), "{page}");
    assert!(page.contains("customer / crm"), "{page}");
    // --skip crosswalk leaves the store's findings out.
    let o = mapcheck_in(ws.dir.path(), &["check", "--skip", "crosswalk", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A fresh clone has no store: the crosswalk checks are skipped with a note...
    std::fs::remove_file(ws.path("ids.duckdb")).unwrap();
    let o = mapcheck_in(ws.dir.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no crosswalk store at ids.duckdb: crosswalk checks skipped"),
        "{}",
        stderr(&o)
    );
    // ...unless the configuration says the store is required here.
    ws.write("mapcheck.toml", "[crosswalk]\ndb = \"ids.duckdb\"\nrequired = true\n");
    let o = mapcheck_in(ws.dir.path(), &["check"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("there is no crosswalk store at ids.duckdb: create it with `mapcheck crosswalk init`"),
        "{}",
        stderr(&o)
    );
}

/// Merging the two canonical ids of a conflict (what the `crosswalk-conflict` hint suggests)
/// resolves it: `resolve` gives one id, and `check` no longer reports it.
#[test]
fn a_conflict_resolved_by_a_merge_is_no_conflict() {
    let ws = Ws::with_config("[crosswalk]\n");
    ws.write("crm.csv", "source_id,canonical_id\n001,A\n002,B\n");
    ws.write("manual.csv", "source_id,canonical_id\n002,Z\n");
    ws.load("crm.csv", "crm", &[]);
    ws.load("manual.csv", "crm", &["--feed", "manual"]);
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    assert_eq!(with_rule(&findings, "crosswalk-conflict").len(), 1, "{findings:#?}");
    ws.ok(&["merge", "Z", "B"]);
    let resolved = ws.ok(&["resolve", "--system", "crm", "002"]);
    assert!(resolved.contains('B') && !resolved.contains('Z'), "{resolved}");
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    assert!(with_rule(&findings, "crosswalk-conflict").is_empty(), "{findings:#?}");
    // A third id, not merged, is a conflict again.
    ws.write("late.csv", "source_id,canonical_id\n002,Q\n");
    ws.load("late.csv", "crm", &["--feed", "late"]);
    let (report, _) = ws.check_json();
    let findings = report["findings"].as_array().expect("findings").clone();
    let conflicts = with_rule(&findings, "crosswalk-conflict");
    assert_eq!(conflicts.len(), 1, "{findings:#?}");
}
