//! `mapcheck crosswalk load`: one file of links for one system and entity, in one transaction.
//!
//! The file is read and checked row by row into a staging table inside the transaction, grouped
//! by source id (a source id given twice with different canonical ids is a malformed row), and
//! compared with the active links of the same system, entity and feed. Only differences are
//! written: a new source id opens a link; a changed canonical id closes the old link (`valid_to`)
//! and opens a new one; an unchanged one is left alone. So loading the same file twice changes
//! nothing, and when nothing changes the transaction is rolled back and no load is recorded.
//! Source ids missing from the file keep their links: a file is a set of links, not a snapshot.

use std::path::Path;

use anyhow::Context;
use duckdb::params;

use super::input::{self, BadRow, Columns, InputFormat, Record};
use super::store::{Access, Store};

/// What to load and how.
#[derive(Debug, Clone)]
pub struct LoadRequest<'a> {
    pub file: &'a Path,
    pub format: InputFormat,
    pub system: &'a str,
    pub entity: &'a str,
    /// Which feed of the system the file is; links of different feeds can disagree (conflicts).
    pub feed: &'a str,
    pub source_column: &'a str,
    pub canonical_column: &'a str,
    /// Mint a random UUID (v4) canonical id for source ids without one and without a link.
    pub mint: bool,
    pub dry_run: bool,
    /// Quarantine malformed rows here (CSV) and load the rest, instead of refusing the file.
    pub reject_file: Option<&'a Path>,
    /// The longest row read (`--max-record-bytes`).
    pub max_row_bytes: u64,
}

/// Feedback while a load runs (a progress bar, or nothing).
pub trait Progress {
    /// `done` bytes (CSV, NDJSON) or rows (Parquet) have been read.
    fn read(&mut self, done: u64);
    /// A new phase started (`"comparing with the store"`).
    fn phase(&mut self, what: &str);
}

/// No feedback.
pub struct Quiet;

impl Progress for Quiet {
    fn read(&mut self, _: u64) {}
    fn phase(&mut self, _: &str) {}
}

/// One link that a load opens (and, for a changed one, the canonical id it replaces).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub source_id: String,
    pub canonical_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// What a load did (or, with `--dry-run`, would do).
#[derive(Debug, Default, serde::Serialize)]
pub struct LoadOutcome {
    /// The load's id; `None` when nothing changed or for a dry run.
    pub load_id: Option<i64>,
    /// When the links were opened and closed (UTC).
    pub at: String,
    pub rows: u64,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Rows repeating a source id with the same canonical id (counted once).
    pub repeated: u64,
    pub minted: u64,
    pub rejected: u64,
    pub dry_run: bool,
    /// The first changes, by source id (for `--dry-run`).
    pub examples: Vec<Change>,
}

impl LoadOutcome {
    pub fn changes(&self) -> u64 {
        self.added + self.changed
    }

    /// `crosswalk load`'s text output: what changed in `what` (`system/entity (feed) from FILE`),
    /// or what a dry run would have changed, with examples.
    pub fn write_text(
        &self,
        what: &str,
        reject_file: Option<&Path>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let mut details = format!(
            "{} added, {} changed, {} unchanged",
            self.added, self.changed, self.unchanged
        );
        if self.minted > 0 {
            details.push_str(&format!(", {} minted", self.minted));
        }
        if self.repeated > 0 {
            details.push_str(&format!(", {} repeated rows", self.repeated));
        }
        if self.rejected > 0 {
            let to = reject_file.map(crate::load::display_path).unwrap_or_default();
            if self.dry_run {
                details.push_str(&format!(", {} rows would be rejected to {to}", self.rejected));
            } else {
                details.push_str(&format!(", {} rows rejected to {to}", self.rejected));
            }
        }
        if self.dry_run {
            writeln!(out, "dry run, nothing changed: {what}: would have {details}")?;
            for c in &self.examples {
                match &c.previous {
                    Some(p) => writeln!(out, "  ~ {}: {} -> {}", c.source_id, p, c.canonical_id)?,
                    None => writeln!(out, "  + {}: {}", c.source_id, c.canonical_id)?,
                }
            }
            if self.changes() as usize > self.examples.len() {
                writeln!(out, "  ... and {} more", self.changes() as usize - self.examples.len())?;
            }
        } else if let Some(id) = self.load_id {
            writeln!(out, "loaded {what}: {details} (load {id} at {} UTC)", self.at)?;
        } else {
            writeln!(out, "no changes: {what} is already loaded ({details})")?;
        }
        Ok(())
    }
}

/// Malformed rows listed in an error, at most.
const SHOWN_BAD_ROWS: usize = 20;
/// Changes listed by a dry run, at most.
const SHOWN_CHANGES: usize = 20;

/// Loads one file into the store at `db`.
pub fn run(db: &Path, req: &LoadRequest, progress: &mut dyn Progress) -> anyhow::Result<LoadOutcome> {
    run_with_limit(db, req, progress, super::summary::INCREMENTAL_LIMIT)
}

/// Loads `csv` (with `source_id,canonical_id` columns) as the links of (system, entity, feed),
/// through a file beside the store: the set-up of the crosswalk unit tests.
#[cfg(test)]
pub(crate) fn load_csv_text(db: &Path, system: &str, entity: &str, feed: &str, csv: &str, limit: i64) {
    let file = db.with_extension("load.csv");
    std::fs::write(&file, csv).expect("write");
    let req = LoadRequest {
        file: &file,
        format: InputFormat::Csv,
        system,
        entity,
        feed,
        source_column: "source_id",
        canonical_column: "canonical_id",
        mint: false,
        dry_run: false,
        reject_file: None,
        max_row_bytes: crate::samples::read::DEFAULT_MAX_RECORD_BYTES,
    };
    run_with_limit(db, &req, &mut Quiet, limit).expect("load");
}

/// [`run`] with the size of change above which summaries are recounted (tests use 0).
#[doc(hidden)]
pub fn run_with_limit(
    db: &Path,
    req: &LoadRequest,
    progress: &mut dyn Progress,
    limit: i64,
) -> anyhow::Result<LoadOutcome> {
    if req.system.trim().is_empty() || req.entity.trim().is_empty() || req.feed.trim().is_empty() {
        anyhow::bail!("--system, --entity and --feed must not be empty");
    }
    let store = Store::open(db, Access::Write)?;
    // From here until the process ends, this process holds the store's write lock.
    progress.phase("reading");
    if req.format == InputFormat::Csv {
        let (load_id, at) = store.begin()?;
        match apply(&store, req, load_id, &at, progress, Reading::Fast, limit) {
            Err(e) if e.is::<NeedsChecking>() => store.rollback(),
            result => return finish(&store, result),
        }
    }
    let (load_id, at) = store.begin()?;
    let result = apply(&store, req, load_id, &at, progress, Reading::Checked, limit);
    finish(&store, result)
}

/// Commits a load that changed something, rolls back anything else.
fn finish(store: &Store, result: anyhow::Result<LoadOutcome>) -> anyhow::Result<LoadOutcome> {
    match result {
        Ok(outcome) if outcome.load_id.is_some() => {
            store.commit()?;
            Ok(outcome)
        }
        Ok(outcome) => {
            store.rollback();
            Ok(outcome)
        }
        Err(e) => {
            store.rollback();
            Err(e)
        }
    }
}

/// How a file is read into the staging table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// DuckDB's own parallel CSV reader: fast, but it cannot say which row is bad. Used first
    /// for CSV; anything odd (an unreadable row, a missing id, a duplicate) sends the load back
    /// to the checked reader, so the outcome is the same either way.
    Fast,
    /// Row by row in Rust, every row checked and numbered.
    Checked,
}

/// The fast reader met something only the checked reader can explain.
#[derive(Debug)]
struct NeedsChecking;

impl std::fmt::Display for NeedsChecking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the file needs row-by-row checking")
    }
}

impl std::error::Error for NeedsChecking {}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Stages a CSV file with DuckDB's reader; `Err(NeedsChecking)` when any row is not clean.
fn stage_fast(store: &Store, req: &LoadRequest) -> anyhow::Result<u64> {
    let conn = &store.conn;
    let tab = req.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let path = req.file.to_string_lossy();
    let sql = format!(
        "CREATE TEMP TABLE _load_staged AS
           SELECT 0::BIGINT AS row_no, {src}::VARCHAR AS source_id, {can}::VARCHAR AS canonical_id
           FROM read_csv({file}, header = true, all_varchar = true, delim = {delim}, quote = '\"', escape = '\"',
                         max_line_size = {max_line})",
        src = ident(req.source_column),
        can = ident(req.canonical_column),
        file = super::store::literal(&path),
        delim = if tab { "'\t'" } else { "','" },
        max_line = req.max_row_bytes,
    );
    if conn.execute_batch(&sql).is_err() {
        return Err(NeedsChecking.into());
    }
    let (rows, unclean): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(*) FILTER (WHERE source_id IS NULL OR trim(source_id) = ''
                                              OR ((canonical_id IS NULL OR trim(canonical_id) = '') AND NOT $1)
                                              OR strlen(source_id) + coalesce(strlen(canonical_id), 0) > $2)
             FROM _load_staged",
            params![req.mint, req.max_row_bytes as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| anyhow::Error::from(store.err(e)))?;
    if unclean > 0 {
        return Err(NeedsChecking.into());
    }
    if req.mint {
        conn.execute_batch("UPDATE _load_staged SET canonical_id = NULL WHERE trim(canonical_id) = ''")
            .map_err(|e| anyhow::Error::from(store.err(e)))?;
    }
    Ok(rows as u64)
}

/// Everything inside the transaction. Returns an outcome with `load_id` set when it must be
/// committed.
fn apply(
    store: &Store,
    req: &LoadRequest,
    load_id: i64,
    at: &str,
    progress: &mut dyn Progress,
    reading: Reading,
    limit: i64,
) -> anyhow::Result<LoadOutcome> {
    let shown = crate::load::display_path(req.file);
    let conn = &store.conn;
    let db = |e: duckdb::Error| anyhow::Error::from(store.err(e));

    // 1. Read and check every row; good rows go to the staging table.
    let mut bad: Vec<BadRow> = Vec::new();
    let mut bad_count = 0u64;
    let keep_all_bad = req.reject_file.is_some();
    let columns = Columns {
        max_row_bytes: req.max_row_bytes,
        source: req.source_column,
        canonical: Some(req.canonical_column),
        canonical_optional: req.mint,
    };
    let rows = if reading == Reading::Fast {
        stage_fast(store, req)?
    } else {
        conn.execute_batch(
            "CREATE TEMP TABLE _load_staged (row_no BIGINT NOT NULL, source_id VARCHAR NOT NULL, canonical_id VARCHAR);",
        )
        .map_err(db)?;
        let mut appender = conn
            .appender_to_catalog_and_db("_load_staged", "temp", "main")
            .map_err(db)?;
        let mut each = |r: Record| -> anyhow::Result<()> {
            match r {
                Record::Row { row, source, canonical } => {
                    appender
                        .append_row(params![row as i64, source, canonical])
                        .map_err(db)?;
                }
                Record::Bad(b) => {
                    bad_count += 1;
                    if keep_all_bad || bad.len() < SHOWN_BAD_ROWS {
                        bad.push(b);
                    }
                }
            }
            Ok(())
        };
        let rows = input::read(req.file, req.format, &columns, &mut each, &mut |n| progress.read(n))?;
        appender.flush().map_err(db)?;
        rows
    };
    progress.phase("comparing with the store");

    // 2. One row per source id; a source id with two different canonical ids is malformed.
    conn.execute_batch(
        "CREATE TEMP TABLE _load_incoming AS
           SELECT source_id, min(canonical_id) AS lowest, max(canonical_id) AS canonical_id, count(*) AS n
           FROM _load_staged GROUP BY source_id;",
    )
    .map_err(db)?;
    if reading == Reading::Fast {
        let duplicates: i64 = conn
            .query_row(
                "SELECT count(*) FROM _load_incoming WHERE lowest <> canonical_id",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        if duplicates > 0 {
            return Err(NeedsChecking.into());
        }
    }
    {
        let mut stmt = conn
            .prepare(
                "SELECT s.row_no, s.source_id, coalesce(s.canonical_id, ''), list(s.row_no) OVER (PARTITION BY s.source_id)
                 FROM _load_staged s JOIN _load_incoming i USING (source_id)
                 WHERE i.lowest <> i.canonical_id
                 ORDER BY s.row_no",
            )
            .map_err(db)?;
        let mut rs = stmt.query([]).map_err(db)?;
        while let Some(r) = rs.next().map_err(db)? {
            let row: i64 = r.get(0).map_err(db)?;
            let source: String = r.get(1).map_err(db)?;
            let canonical: String = r.get(2).map_err(db)?;
            let all: duckdb::types::Value = r.get(3).map_err(db)?;
            let others = list_of_i64(&all)
                .into_iter()
                .filter(|&o| o != row)
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            bad_count += 1;
            if keep_all_bad || bad.len() < SHOWN_BAD_ROWS {
                bad.push(BadRow {
                    row: row as u64,
                    reason: format!("source id '{source}' also on row {others} with a different canonical id"),
                    source,
                    canonical,
                });
            }
        }
    }
    if bad_count > 0 {
        bad.sort_by_key(|b| b.row);
        match req.reject_file {
            None => return Err(malformed(&shown, bad_count, &bad)),
            Some(path) => {
                if !req.dry_run {
                    write_rejects(path, &bad)?;
                }
                conn.execute_batch("DELETE FROM _load_incoming WHERE lowest <> canonical_id;")
                    .map_err(db)?;
            }
        }
    }

    // 3. Mint canonical ids for source ids that have none in the file: the active link's, else new.
    let active = "SELECT source_id, canonical_id FROM links
                  WHERE system = $1 AND entity = $2 AND feed = $3 AND valid_to IS NULL";
    let mut minted = 0u64;
    if req.mint {
        conn.execute(
            &format!(
                "UPDATE _load_incoming SET canonical_id = a.canonical_id FROM ({active}) a
                 WHERE _load_incoming.canonical_id IS NULL AND a.source_id = _load_incoming.source_id"
            ),
            params![req.system, req.entity, req.feed],
        )
        .map_err(db)?;
        minted = conn
            .execute(
                "UPDATE _load_incoming SET canonical_id = gen_random_uuid()::VARCHAR WHERE canonical_id IS NULL",
                [],
            )
            .map_err(db)? as u64;
    }

    // 4. The difference with the active links.
    conn.execute(
        &format!(
            "CREATE TEMP TABLE _load_delta AS
               SELECT i.source_id, i.canonical_id, a.canonical_id AS previous
               FROM _load_incoming i LEFT JOIN ({active}) a ON a.source_id = i.source_id
               WHERE a.canonical_id IS DISTINCT FROM i.canonical_id"
        ),
        params![req.system, req.entity, req.feed],
    )
    .map_err(db)?;
    let (incoming, repeated_rows): (i64, i64) = conn
        .query_row(
            "SELECT count(*), coalesce(sum(n - 1), 0) FROM _load_incoming",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(db)?;
    let (added, changed): (i64, i64) = conn
        .query_row(
            "SELECT count(*) FILTER (WHERE previous IS NULL), count(*) FILTER (WHERE previous IS NOT NULL) FROM _load_delta",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(db)?;
    let mut outcome = LoadOutcome {
        load_id: None,
        at: at.to_string(),
        rows,
        added: added as u64,
        changed: changed as u64,
        unchanged: (incoming - added - changed) as u64,
        repeated: repeated_rows as u64,
        minted,
        rejected: bad_count,
        dry_run: req.dry_run,
        examples: Vec::new(),
    };
    if req.dry_run {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT source_id, canonical_id, previous FROM _load_delta ORDER BY source_id LIMIT {SHOWN_CHANGES}"
            ))
            .map_err(db)?;
        outcome.examples = stmt
            .query_map([], |r| {
                Ok(Change {
                    source_id: r.get(0)?,
                    canonical_id: r.get(1)?,
                    previous: r.get(2)?,
                })
            })
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        return Ok(outcome);
    }
    if outcome.changes() == 0 {
        return Ok(outcome);
    }

    // 5. Close what changed, open what is new, record the load.
    progress.phase("writing links");
    let source_file = crate::load::display_path(req.file);
    let closed = conn
        .execute(
            "UPDATE links SET valid_to = $4::TIMESTAMP, closed_by = $5
             WHERE system = $1 AND entity = $2 AND feed = $3 AND valid_to IS NULL
               AND source_id IN (SELECT source_id FROM _load_delta WHERE previous IS NOT NULL)",
            params![req.system, req.entity, req.feed, at, load_id],
        )
        .map_err(db)?;
    conn.execute(
        "INSERT INTO links
           SELECT $1, $2, $3, source_id, canonical_id, $4::TIMESTAMP, NULL, $5, NULL, $6 FROM _load_delta",
        params![req.system, req.entity, req.feed, at, load_id, source_file],
    )
    .map_err(db)?;
    conn.execute(
        "INSERT INTO loads VALUES ($1, 'load', $2, $3, $4, $5, $6::TIMESTAMP, $7, $8, $9, $10, $11)",
        params![
            load_id,
            req.system,
            req.entity,
            req.feed,
            source_file,
            at,
            rows as i64,
            added + changed,
            closed as i64,
            outcome.unchanged as i64,
            bad_count as i64
        ],
    )
    .map_err(db)?;
    conn.execute_batch("DROP TABLE _load_staged; DROP TABLE _load_incoming; DROP TABLE _load_delta;")
        .map_err(db)?;
    progress.phase("updating summaries");
    super::summary::refresh(conn, load_id, Some((req.system, req.entity)), limit).map_err(db)?;
    outcome.load_id = Some(load_id);
    Ok(outcome)
}

fn list_of_i64(v: &duckdb::types::Value) -> Vec<i64> {
    match v {
        duckdb::types::Value::List(items) => items
            .iter()
            .filter_map(|i| match i {
                duckdb::types::Value::BigInt(n) => Some(*n),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The error for a file with malformed rows and no `--reject-file`.
fn malformed(file: &str, count: u64, shown: &[BadRow]) -> anyhow::Error {
    let plural = if count == 1 { "" } else { "s" };
    let mut msg = format!(
        "{file}: {count} malformed row{plural}; nothing was loaded (--reject-file <PATH> quarantines them and loads the rest)"
    );
    for b in shown.iter().take(SHOWN_BAD_ROWS) {
        msg.push_str(&format!("\n  {file}: row {}: {}", b.row, b.reason));
    }
    if count as usize > shown.len().min(SHOWN_BAD_ROWS) {
        msg.push_str(&format!(
            "\n  ... and {} more",
            count as usize - shown.len().min(SHOWN_BAD_ROWS)
        ));
    }
    anyhow::anyhow!(msg)
}

/// Writes the quarantined rows as CSV (`row,reason,source_id,canonical_id`), replacing the file
/// only when all of it is written.
fn write_rejects(path: &Path, rows: &[BadRow]) -> anyhow::Result<()> {
    let shown = crate::load::display_path(path);
    crate::write::whole(path, |file| {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        w.write_record(["row", "reason", "source_id", "canonical_id"])?;
        for b in rows {
            w.write_record([b.row.to_string().as_str(), &b.reason, &b.source, &b.canonical])?;
        }
        w.flush().with_context(|| format!("{shown}: cannot write"))?;
        Ok(())
    })
}
