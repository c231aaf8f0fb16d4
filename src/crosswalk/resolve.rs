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
/// (`mapcheck map run`): source id -> canonical id after merge redirects.
#[derive(Debug, Default)]
pub struct LinkTable {
    /// A fast non-cryptographic hash: `map run` looks an id up for every record.
    ids: std::collections::HashMap<Box<str>, Box<str>, foldhash::fast::RandomState>,
    /// Source ids with more than one active canonical id: no answer is the right one.
    conflicted: std::collections::HashSet<Box<str>, foldhash::fast::RandomState>,
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
        match self.ids.get(source_id) {
            Some(c) => Lookup::Found(c),
            None if self.conflicted.contains(source_id) => Lookup::Conflict,
            None => Lookup::Unlinked,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Reads the active links of (system, entity) into a [`LinkTable`], one read transaction.
pub fn active_links(store: &Store, system: &str, entity: &str) -> anyhow::Result<LinkTable> {
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let conn = &store.conn;
    let map = redirects(conn, None).map_err(dberr)?;
    let mut table = LinkTable::default();
    let mut stmt = conn
        .prepare(
            "SELECT source_id, canonical_id FROM links
             WHERE system = $1 AND entity = $2 AND valid_to IS NULL",
        )
        .map_err(dberr)?;
    for batch in stmt.query_arrow(params![system, entity]).map_err(dberr)? {
        let source = cast(batch.column(0), &DataType::Utf8)?;
        let source = source.as_string::<i32>();
        let canonical = cast(batch.column(1), &DataType::Utf8)?;
        let canonical = canonical.as_string::<i32>();
        table.ids.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            let (s, c) = (source.value(i), canonical.value(i));
            let c = survivor(&map, c).unwrap_or(c);
            match table.ids.entry(s.into()) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    if !table.conflicted.contains(s) {
                        v.insert(c.into());
                    }
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    if **o.get() != *c {
                        table.conflicted.insert(o.remove_entry().0);
                    }
                }
            }
        }
    }
    Ok(table)
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
