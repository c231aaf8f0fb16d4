//! Summaries that `check` and `report` read instead of scanning every link: coverage per system
//! and entity, distinct canonical ids per entity, the source ids in conflict and the canonical ids
//! shared by several source ids of one system (schema version 3).
//!
//! Every load and merge calls [`refresh`] inside its own transaction, after writing its links, so a
//! summary commits or rolls back with the links it describes. The refresh looks only at what the
//! load or merge changed: the links it opened (`load_id`) and closed (`closed_by`), and the active
//! links that share a key with them. An identical reload changes nothing and costs nothing here.
//! A load that changes more than [`INCREMENTAL_LIMIT`] links recounts its system and entity instead.
//!
//! For each key touched, the count of active links after the change is read from `links`; the count
//! before is that minus the change's own +1/-1 per link. A canonical id is covered when its count
//! is above zero, so the change in coverage is the number of keys that went from zero to above
//! zero, minus those that went the other way.

use duckdb::Connection;

/// The from-scratch queries, for tests that compare them with the maintained summaries (the
/// schema migration backfills with the same SQL).
pub const FROM_SCRATCH: [(&str, &str); 4] = [
    (
        "summary_coverage",
        "SELECT system, entity, count(*), count(DISTINCT canonical_id) FROM links WHERE valid_to IS NULL GROUP BY ALL",
    ),
    (
        "summary_entities",
        "SELECT entity, count(DISTINCT canonical_id) FROM links WHERE valid_to IS NULL GROUP BY ALL",
    ),
    (
        "summary_conflicts",
        "SELECT system, entity, source_id FROM links WHERE valid_to IS NULL
         GROUP BY ALL HAVING min(canonical_id) <> max(canonical_id)",
    ),
    (
        "summary_shared",
        "SELECT system, entity, canonical_id FROM links WHERE valid_to IS NULL
         GROUP BY ALL HAVING min(source_id) <> max(source_id)",
    ),
];

/// Changes larger than this (in links opened plus closed) to one system and entity recount that
/// system and entity from scratch: one scan of its links is cheaper than joining a large change
/// with them.
pub const INCREMENTAL_LIMIT: i64 = 100_000;

/// Brings the summaries up to date with what load (or merge) `load_id` wrote. Runs inside the
/// caller's transaction. `scope` is the system and entity a load wrote to (a merge may touch any);
/// with it, a large change is recounted from scratch for that system and entity.
pub fn refresh(conn: &Connection, load_id: i64, scope: Option<(&str, &str)>, limit: i64) -> duckdb::Result<()> {
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE _sum_delta AS
           SELECT system, entity, source_id, canonical_id, CASE WHEN closed_by = {load_id} THEN -1 ELSE 1 END AS d
           FROM links WHERE load_id = {load_id} OR closed_by = {load_id};"
    ))?;
    let changed: i64 = conn.query_row("SELECT count(*) FROM _sum_delta", [], |r| r.get(0))?;
    match scope {
        Some((system, entity)) if changed > limit => recount(conn, system, entity)?,
        _ if changed > 0 => conn.execute_batch(REFRESH)?,
        _ => {}
    }
    conn.execute_batch("DROP TABLE _sum_delta;")
}

/// Recounts one system and entity, and the entity's canonical ids, from its active links.
fn recount(conn: &Connection, system: &str, entity: &str) -> duckdb::Result<()> {
    let (s, e) = (super::store::literal(system), super::store::literal(entity));
    let active = format!("FROM links WHERE system = {s} AND entity = {e} AND valid_to IS NULL");
    conn.execute_batch(&format!(
        "DELETE FROM summary_coverage WHERE system = {s} AND entity = {e};
         INSERT INTO summary_coverage
           SELECT {s}, {e}, count(*), count(DISTINCT canonical_id) {active} HAVING count(*) > 0;
         DELETE FROM summary_entities WHERE entity = {e};
         INSERT INTO summary_entities
           SELECT {e}, count(DISTINCT canonical_id) FROM links WHERE entity = {e} AND valid_to IS NULL
           HAVING count(*) > 0;
         DELETE FROM summary_shared WHERE system = {s} AND entity = {e};
         DELETE FROM summary_conflicts WHERE system = {s} AND entity = {e};"
    ))?;
    // Several source ids per canonical id are only possible when there are more links than
    // canonical ids; several canonical ids per source id only with more than one feed.
    let (links, covered, feeds): (i64, i64, i64) = conn.query_row(
        &format!("SELECT count(*), count(DISTINCT canonical_id), count(DISTINCT feed) {active}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if links > covered {
        conn.execute_batch(&format!(
            "INSERT INTO summary_shared
               SELECT {s}, {e}, canonical_id {active} GROUP BY canonical_id HAVING min(source_id) <> max(source_id);"
        ))?;
    }
    if feeds > 1 {
        conn.execute_batch(&format!(
            "INSERT INTO summary_conflicts
               SELECT {s}, {e}, source_id {active} GROUP BY source_id HAVING min(canonical_id) <> max(canonical_id);"
        ))?;
    }
    Ok(())
}

const REFRESH: &str = "
-- Per (system, entity, canonical id) touched: its change d and its active links n afterwards.
CREATE OR REPLACE TEMP TABLE _sum_canon AS
  SELECT k.system, k.entity, k.canonical_id, k.d, count(l.source_id) AS n,
         coalesce(min(l.source_id) <> max(l.source_id), false) AS shared
  FROM (SELECT system, entity, canonical_id, sum(d) AS d FROM _sum_delta GROUP BY ALL) k
  LEFT JOIN links l ON l.valid_to IS NULL AND l.system = k.system AND l.entity = k.entity
                   AND l.canonical_id = k.canonical_id
  GROUP BY ALL;
-- The same per (entity, canonical id), over every system.
CREATE OR REPLACE TEMP TABLE _sum_ent AS
  SELECT k.entity, k.canonical_id, k.d, count(l.source_id) AS n
  FROM (SELECT entity, canonical_id, sum(d) AS d FROM _sum_delta GROUP BY ALL) k
  LEFT JOIN links l ON l.valid_to IS NULL AND l.entity = k.entity AND l.canonical_id = k.canonical_id
  GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE _sum_cov AS
  SELECT system, entity, sum(d)::BIGINT AS links, sum((n > 0)::BIGINT - (n - d > 0)::BIGINT)::BIGINT AS covered
  FROM _sum_canon GROUP BY ALL;
INSERT INTO summary_coverage
  SELECT system, entity, 0, 0 FROM _sum_cov c
  WHERE NOT EXISTS (SELECT 1 FROM summary_coverage s WHERE s.system = c.system AND s.entity = c.entity);
UPDATE summary_coverage s SET links = s.links + c.links, covered = s.covered + c.covered
  FROM _sum_cov c WHERE s.system = c.system AND s.entity = c.entity;
DELETE FROM summary_coverage WHERE links = 0;

CREATE OR REPLACE TEMP TABLE _sum_entc AS
  SELECT entity, sum((n > 0)::BIGINT - (n - d > 0)::BIGINT)::BIGINT AS canonical FROM _sum_ent GROUP BY ALL;
INSERT INTO summary_entities
  SELECT entity, 0 FROM _sum_entc c WHERE NOT EXISTS (SELECT 1 FROM summary_entities s WHERE s.entity = c.entity);
UPDATE summary_entities s SET canonical = s.canonical + c.canonical FROM _sum_entc c WHERE s.entity = c.entity;
DELETE FROM summary_entities WHERE canonical = 0;

DELETE FROM summary_shared s USING _sum_canon c
  WHERE s.system = c.system AND s.entity = c.entity AND s.canonical_id = c.canonical_id;
INSERT INTO summary_shared SELECT system, entity, canonical_id FROM _sum_canon WHERE shared;

-- Source ids touched: in conflict when their active links name more than one canonical id.
CREATE OR REPLACE TEMP TABLE _sum_src AS SELECT DISTINCT system, entity, source_id FROM _sum_delta;
DELETE FROM summary_conflicts s USING _sum_src k
  WHERE s.system = k.system AND s.entity = k.entity AND s.source_id = k.source_id;
INSERT INTO summary_conflicts
  SELECT l.system, l.entity, l.source_id
  FROM links l JOIN _sum_src k ON l.system = k.system AND l.entity = k.entity AND l.source_id = k.source_id
  WHERE l.valid_to IS NULL
  GROUP BY ALL HAVING min(l.canonical_id) <> max(l.canonical_id);

DROP TABLE _sum_canon; DROP TABLE _sum_ent; DROP TABLE _sum_cov; DROP TABLE _sum_entc; DROP TABLE _sum_src;
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crosswalk::load;
    use crate::crosswalk::store::{Access, Store};

    fn rows(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM ({sql}) ORDER BY ALL"))
            .expect("prepare");
        let n = stmt.query([]).expect("query").as_ref().map_or(0, |s| s.column_count());
        let mut out: Vec<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get::<_, duckdb::types::Value>(i).expect("value")))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("collect");
        out.sort();
        out
    }

    fn assert_fresh(db: &std::path::Path, step: &str) {
        let store = Store::open(db, Access::Read).expect("open");
        for (table, sql) in FROM_SCRATCH {
            assert_eq!(
                rows(&store.conn, &format!("SELECT * FROM {table}")),
                rows(&store.conn, sql),
                "{table} after {step}"
            );
        }
    }

    /// Loads, reloads, changed links, several feeds (conflicts), shared canonical ids and merges,
    /// in a pseudo-random order: after each step the summaries equal a count from scratch.
    #[test]
    fn summaries_match_a_count_from_scratch_after_every_load_and_merge() {
        for limit in [INCREMENTAL_LIMIT, 0] {
            random_loads_and_merges(limit);
        }
    }

    /// With `limit` 0 every load recounts its system and entity; merges are always incremental.
    fn random_loads_and_merges(limit: i64) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("x.duckdb");
        Store::init(&db).expect("init");
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for step in 0..40 {
            if step % 7 == 6 {
                // Merge two canonical ids that have links (errors such as cycles are fine: skip).
                let (a, b) = (next(30), next(30));
                if a != b {
                    let _ = crate::crosswalk::merge::run(&db, &format!("c{a}"), &format!("c{b}"));
                }
                assert_fresh(&db, &format!("step {step}: merge c{a} -> c{b}"));
                continue;
            }
            let system = ["crm", "erp"][next(2) as usize];
            let entity = ["customer", "order"][next(2) as usize];
            let feed = ["default", "backfill"][next(2) as usize];
            let mut csv = String::from("source_id,canonical_id\n");
            let count = 1 + next(12);
            let mut seen = std::collections::HashSet::new();
            for _ in 0..count {
                let s = next(15);
                if seen.insert(s) {
                    csv.push_str(&format!("s{s},c{}\n", next(30)));
                }
            }
            load::load_csv_text(&db, system, entity, feed, &csv, limit);
            assert_fresh(
                &db,
                &format!("step {step}: load {system}/{entity}/{feed} (limit {limit})"),
            );
        }
    }

    #[test]
    fn an_older_store_is_backfilled_when_migrated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("x.duckdb");
        Store::init_to(&db, 2).expect("init v2");
        {
            let conn = Connection::open(&db).expect("open");
            conn.execute_batch(
                "INSERT INTO links VALUES
                   ('crm', 'customer', 'a', 's1', 'c1', now()::TIMESTAMP, NULL, 1, NULL, 'f'),
                   ('crm', 'customer', 'b', 's1', 'c2', now()::TIMESTAMP, NULL, 1, NULL, 'f'),
                   ('crm', 'customer', 'a', 's2', 'c1', now()::TIMESTAMP, NULL, 1, NULL, 'f'),
                   ('erp', 'customer', 'a', 'e1', 'c3', now()::TIMESTAMP, NULL, 1, NULL, 'f'),
                   ('erp', 'customer', 'a', 'e2', 'c4', now()::TIMESTAMP, now()::TIMESTAMP, 1, 2, 'f');",
            )
            .expect("insert");
        }
        Store::init(&db).expect("migrate");
        assert_fresh(&db, "migration");
        let store = Store::open(&db, Access::Read).expect("open");
        assert_eq!(
            rows(&store.conn, "SELECT * FROM summary_coverage"),
            vec![
                "Text(\"crm\")|Text(\"customer\")|BigInt(3)|BigInt(2)",
                "Text(\"erp\")|Text(\"customer\")|BigInt(1)|BigInt(1)"
            ]
        );
        assert_eq!(rows(&store.conn, "SELECT * FROM summary_conflicts").len(), 1);
        assert_eq!(rows(&store.conn, "SELECT * FROM summary_shared").len(), 1);
    }
}
