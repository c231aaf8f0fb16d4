//! `mapcheck crosswalk resolve`: source ids of one system to canonical ids, now or as of a time,
//! following merge redirects to the survivor.

use std::collections::BTreeSet;
use std::path::Path;

use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, AsArray, Int64Array, StringArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{DataType, Int64Type};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::params;

use super::merge::{redirects, survivor};
use super::store::{Access, Store};

/// How `crosswalk resolve` writes its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResolveFormat {
    Text,
    Json,
    Csv,
}

/// The ids of a file (`-`: standard input), one per line; blank lines skipped.
pub fn read_ids(path: &Path) -> anyhow::Result<Vec<String>> {
    use std::io::Read as _;
    let shown = crate::load::display_path(path);
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    }
    .map_err(|e| anyhow::anyhow!("{shown}: cannot read: {e}"))?;
    let mut ids = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).map_err(|e| anyhow::anyhow!("{shown}: line {}: {e}", i + 1))?;
        let id = line.trim();
        if !id.is_empty() {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// Writes resolutions: a line per (source id, canonical id), `-` (or an empty cell) for an id
/// without a link; or the JSON list.
pub fn write(resolved: &[Resolution], format: ResolveFormat, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match format {
        ResolveFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, resolved)?;
            writeln!(out)?;
        }
        ResolveFormat::Text => {
            // Tab-separated, unquoted: ids are single lines, so no field needs quoting.
            for r in resolved {
                if r.canonical_ids.is_empty() {
                    writeln!(out, "{}\t-", r.source_id)?;
                }
                for c in &r.canonical_ids {
                    writeln!(out, "{}\t{c}", r.source_id)?;
                }
            }
        }
        ResolveFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["source_id", "canonical_id"])?;
            for r in resolved {
                if r.canonical_ids.is_empty() {
                    w.write_record([r.source_id.as_str(), ""])?;
                }
                for c in &r.canonical_ids {
                    w.write_record([r.source_id.as_str(), c.as_str()])?;
                }
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// What did not resolve to exactly one canonical id, as one line; `None` when everything did.
pub fn shortfall(resolved: &[Resolution], system: &str) -> Option<String> {
    let unresolved = resolved.iter().filter(|r| r.canonical_ids.is_empty()).count();
    let ambiguous = resolved.iter().filter(|r| r.canonical_ids.len() > 1).count();
    let total = resolved.len();
    (unresolved + ambiguous > 0).then(|| {
        format!(
            "{unresolved} of {total} id{} {} no link in {system}; {ambiguous} {} more than one canonical id",
            if total == 1 { "" } else { "s" },
            if unresolved == 1 { "has" } else { "have" },
            if ambiguous == 1 { "has" } else { "have" },
        )
    })
}

/// One input id and what it resolves to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resolution {
    pub source_id: String,
    /// Distinct canonical ids (after redirects): none (unknown), one, or more (a conflict, or the
    /// id exists in several entities).
    pub canonical_ids: Vec<String>,
}

/// Checks and normalizes `--as-of` (`2026-11-26`, `2026-11-26 14:30`, `2026-11-26T14:30:00Z`):
/// a UTC time as DuckDB prints it.
pub fn parse_time(store: &Store, text: &str) -> anyhow::Result<String> {
    let cleaned = text.trim().trim_end_matches('Z').replace('T', " ");
    store
        .conn
        .query_row("SELECT TRY_CAST($1 AS TIMESTAMP)::VARCHAR", params![cleaned], |r| {
            r.get::<_, Option<String>>(0)
        })
        .map_err(|e| anyhow::Error::from(store.err(e)))?
        .ok_or_else(|| {
            anyhow::anyhow!("--as-of '{text}': not a time (expected UTC like 2026-11-26 or 2026-11-26T14:30:00Z)")
        })
}

pub fn run(
    db: &Path,
    system: &str,
    entity: Option<&str>,
    ids: Vec<String>,
    as_of: Option<&str>,
) -> anyhow::Result<Vec<Resolution>> {
    let store = Store::open(db, Access::Read)?;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let as_of = as_of.map(|t| parse_time(&store, t)).transpose()?;
    let conn = &store.conn;
    conn.execute_batch("CREATE TEMP TABLE _resolve_ids (pos BIGINT NOT NULL, source_id VARCHAR NOT NULL);")
        .map_err(dberr)?;
    {
        let mut app = conn
            .appender_to_catalog_and_db("_resolve_ids", "temp", "main")
            .map_err(dberr)?;
        // Columns of ids at a time: appending vectors instead of binding every row.
        const COLUMN: usize = 100_000;
        for (n, part) in ids.chunks(COLUMN).enumerate() {
            let first = (n * COLUMN) as i64;
            let pos = Int64Array::from_iter_values(first..first + part.len() as i64);
            let source = StringArray::from_iter_values(part.iter());
            let batch = RecordBatch::try_from_iter([
                ("pos", Arc::new(pos) as ArrayRef),
                ("source_id", Arc::new(source) as ArrayRef),
            ])?;
            app.append_record_batch(batch).map_err(dberr)?;
        }
        app.flush().map_err(dberr)?;
    }
    // Literal values, not parameters: DuckDB then skips the row groups of other systems and
    // entities when it scans the links.
    use super::store::literal;
    let mut filter = format!("l.system = {}", literal(system));
    if let Some(e) = entity {
        filter.push_str(&format!(" AND l.entity = {}", literal(e)));
    }
    match &as_of {
        None => filter.push_str(" AND l.valid_to IS NULL"),
        Some(t) => {
            let t = literal(t);
            filter.push_str(&format!(
                " AND l.valid_from <= {t}::TIMESTAMP AND (l.valid_to IS NULL OR l.valid_to > {t}::TIMESTAMP)"
            ))
        }
    }
    let sql = format!(
        "SELECT i.pos, l.canonical_id FROM _resolve_ids i JOIN links l ON l.source_id = i.source_id AND {filter}"
    );
    let mut out: Vec<Resolution> = ids
        .into_iter()
        .map(|id| Resolution {
            source_id: id,
            canonical_ids: Vec::new(),
        })
        .collect();
    let map = redirects(conn, as_of.as_deref()).map_err(dberr)?;
    {
        // Arrow batches: a million rows come back in a few dozen calls instead of a million.
        let mut stmt = conn.prepare(&sql).map_err(dberr)?;
        let batches = stmt.query_arrow([]).map_err(dberr)?;
        for batch in batches {
            let pos = cast(batch.column(0), &DataType::Int64)?;
            let pos = pos.as_primitive::<Int64Type>();
            let canonical = cast(batch.column(1), &DataType::Utf8)?;
            let canonical = canonical.as_string::<i32>();
            for i in 0..batch.num_rows() {
                let c = canonical.value(i);
                let c = match survivor(&map, c) {
                    Ok(s) => s,
                    // A cycle has no survivor; show where it was entered (`check` reports the cycle).
                    Err(_) => c,
                };
                if let Some(r) = usize::try_from(pos.value(i)).ok().and_then(|p| out.get_mut(p)) {
                    r.canonical_ids.push(c.to_string());
                }
            }
        }
    }
    for r in out.iter_mut().filter(|r| r.canonical_ids.len() > 1) {
        r.canonical_ids.sort_unstable();
        r.canonical_ids.dedup();
    }
    Ok(out)
}

/// Every active link of one system and entity, in memory, for looking many ids up fast
/// (`mapcheck map run`): source id -> canonical id after merge redirects. The links are read in
/// parts (ranges of the store's rows) on several threads; an id can have links in more than one
/// part, so a lookup asks every part.
#[derive(Debug, Default)]
pub struct LinkTable {
    parts: Vec<LinkPart>,
}

#[derive(Debug, Default)]
struct LinkPart {
    /// A fast non-cryptographic hash: `map run` looks an id up for every record.
    ids: std::collections::HashMap<Box<str>, Box<str>, foldhash::fast::RandomState>,
    /// Source ids with more than one active canonical id in this part: no answer is the right one.
    conflicted: std::collections::HashSet<Box<str>, foldhash::fast::RandomState>,
}

impl LinkPart {
    fn add(&mut self, source: &str, canonical: &str) {
        match self.ids.entry(source.into()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                if !self.conflicted.contains(source) {
                    v.insert(canonical.into());
                }
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                if **o.get() != *canonical {
                    self.conflicted.insert(o.remove_entry().0);
                }
            }
        }
    }
}

/// What looking an id up in a [`LinkTable`] gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    Found(&'a str),
    Unlinked,
    Conflict,
}

impl LinkTable {
    pub fn get(&self, source_id: &str) -> Lookup<'_> {
        let mut found: Option<&str> = None;
        for part in &self.parts {
            match part.ids.get(source_id) {
                Some(c) => match found {
                    Some(f) if f != &**c => return Lookup::Conflict,
                    _ => found = Some(c),
                },
                None if part.conflicted.contains(source_id) => return Lookup::Conflict,
                None => {}
            }
        }
        found.map_or(Lookup::Unlinked, Lookup::Found)
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|p| p.ids.is_empty() && p.conflicted.is_empty())
    }
}

/// Reads the active links of (system, entity) into a [`LinkTable`]: the store's rows in as many
/// ranges as there are cores, each read on its own connection and thread.
pub fn active_links(store: &Store, system: &str, entity: &str) -> anyhow::Result<LinkTable> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8) as i64;
    active_links_in(store, system, entity, threads)
}

fn active_links_in(store: &Store, system: &str, entity: &str, parts: i64) -> anyhow::Result<LinkTable> {
    let path = store.path.as_path();
    let dberr = |e: duckdb::Error| anyhow::Error::from(super::store::map_error(path, e));
    let conn = &store.conn;
    let map = redirects(conn, None).map_err(dberr)?;
    let rows: i64 = conn
        .query_row("SELECT coalesce(max(rowid), -1) + 1 FROM links", [], |r| r.get(0))
        .map_err(dberr)?;
    let step = (rows / parts).max(1);
    let ranges: Vec<(i64, i64)> = (0..parts)
        .map(|i| (i * step, if i + 1 == parts { i64::MAX } else { (i + 1) * step }))
        .collect();
    let read = |conn: duckdb::Connection, (from, to): (i64, i64)| -> anyhow::Result<LinkPart> {
        let mut part = LinkPart::default();
        let mut stmt = conn
            .prepare(
                "SELECT source_id, canonical_id FROM links
                 WHERE system = $1 AND entity = $2 AND valid_to IS NULL AND rowid >= $3 AND rowid < $4",
            )
            .map_err(dberr)?;
        for batch in stmt.query_arrow(params![system, entity, from, to]).map_err(dberr)? {
            let source = cast(batch.column(0), &DataType::Utf8)?;
            let source = source.as_string::<i32>();
            let canonical = cast(batch.column(1), &DataType::Utf8)?;
            let canonical = canonical.as_string::<i32>();
            part.ids.reserve(batch.num_rows());
            for i in 0..batch.num_rows() {
                let (s, c) = (source.value(i), canonical.value(i));
                part.add(s, survivor(&map, c).unwrap_or(c));
            }
        }
        Ok(part)
    };
    let conns = ranges
        .iter()
        .map(|_| conn.try_clone().map_err(dberr))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let parts = std::thread::scope(|scope| {
        let handles: Vec<_> = conns
            .into_iter()
            .zip(ranges)
            .map(|(conn, range)| scope.spawn(move || read(conn, range)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    Ok(LinkTable { parts })
}

/// Every (system, entity) the store has ever linked, active or not.
pub fn known_pairs(store: &Store) -> anyhow::Result<BTreeSet<(String, String)>> {
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let mut stmt = store
        .conn
        .prepare("SELECT DISTINCT system, entity FROM links")
        .map_err(dberr)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(dberr)?;
    rows.collect::<duckdb::Result<BTreeSet<_>>>().map_err(dberr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crosswalk::load;

    /// Links read in parts answer every id as one read does: conflicts between two feeds whose
    /// links sit in different parts, merges, ids never linked.
    #[test]
    fn links_read_in_parts_answer_as_one_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("x.duckdb");
        Store::init(&db).expect("init");
        let mut seed = 11u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for step in 0..12 {
            if step % 5 == 4 {
                let (a, b) = (next(20), next(20));
                if a != b {
                    let _ = crate::crosswalk::merge::run(&db, &format!("c{a}"), &format!("c{b}"));
                }
                continue;
            }
            let mut csv = String::from("source_id,canonical_id\n");
            let mut seen = std::collections::HashSet::new();
            for _ in 0..1 + next(10) {
                let s = next(12);
                if seen.insert(s) {
                    csv.push_str(&format!("s{s},c{}\n", next(20)));
                }
            }
            let feed = ["default", "backfill"][next(2) as usize];
            load::load_csv_text(&db, "crm", "account", feed, &csv, 100_000);
        }
        let store = Store::open(&db, Access::Read).expect("open");
        let whole = active_links_in(&store, "crm", "account", 1).expect("one part");
        let answers = |t: &LinkTable| {
            (0..14)
                .map(|i| format!("{:?}", t.get(&format!("s{i}"))))
                .collect::<Vec<_>>()
        };
        let expected = answers(&whole);
        assert!(expected.iter().any(|a| a == "Conflict"), "{expected:?}");
        assert!(expected.iter().any(|a| a.starts_with("Found")), "{expected:?}");
        assert!(expected.iter().any(|a| a == "Unlinked"), "{expected:?}");
        for parts in [2, 3, 7, 50] {
            let table = active_links_in(&store, "crm", "account", parts).expect("parts");
            assert_eq!(answers(&table), expected, "{parts} parts");
        }
        let none = active_links_in(&store, "erp", "account", 3).expect("empty");
        assert!(none.is_empty());
    }
}
