//! `mapcheck crosswalk check`: the store's integrity as [`Finding`]s, one SQL query per rule.
//!
//! Findings point at the store file (no line) with a model path `system/entity/id`, except orphans,
//! which point at the sample file and the row of the first orphan. Rules that can match millions
//! of rows report the first [`MAX_PER_RULE`] and then one finding with the count of the rest.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use duckdb::params;

use super::input::{self, Columns, InputFormat, Record};
use super::merge::{cycles, redirects, survivor};
use super::rules;
use super::store::{Access, Store};
use crate::crosswalk::settings::CrosswalkConfig;
use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::{Location, Pos};

/// Findings of one rule shown one by one, at most.
pub const MAX_PER_RULE: usize = 100;

/// Coverage of one system for one entity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub system: String,
    pub entity: String,
    /// Active links of the system for the entity.
    pub links: i64,
    /// Distinct canonical ids the system links to.
    pub covered: i64,
    /// Distinct canonical ids of the entity over all systems.
    pub canonical: i64,
    pub ratio: f64,
}

/// Ids of one sample file without a link.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Orphans {
    pub system: String,
    pub entity: String,
    pub file: String,
    pub ids_read: u64,
    pub orphans: u64,
    /// The first few: (row, id).
    pub examples: Vec<(u64, String)>,
    /// The line of the first orphan (0: no lines, as in Parquet).
    pub first_line: u32,
}

/// A source id with more than one active canonical id.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conflict {
    pub system: String,
    pub entity: String,
    pub source_id: String,
    /// `feed=canonical` pairs.
    pub links: Vec<String>,
}

/// Everything `check` and `report` compute.
#[derive(Debug, Default, serde::Serialize)]
pub struct Health {
    pub coverage: Vec<Coverage>,
    pub conflicts: Vec<Conflict>,
    pub conflicts_total: i64,
    pub one_to_one: Vec<(String, String, String, Vec<String>)>,
    pub one_to_one_total: i64,
    pub merged_referenced: Vec<(String, String, String, String, String)>,
    pub merged_referenced_total: i64,
    pub dangling: Vec<(String, String)>,
    pub cycles: Vec<Vec<String>>,
    pub orphans: Vec<Orphans>,
}

/// Runs every query against the store.
pub fn health(store: &Store, config: &CrosswalkConfig) -> anyhow::Result<Health> {
    let conn = &store.conn;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let mut h = Health::default();

    let mut stmt = conn
        .prepare(
            "SELECT p.system, p.entity, p.links, p.covered, e.canonical
             FROM summary_coverage p JOIN summary_entities e USING (entity) ORDER BY p.entity, p.system",
        )
        .map_err(dberr)?;
    h.coverage = stmt
        .query_map([], |r| {
            let covered: i64 = r.get(3)?;
            let canonical: i64 = r.get(4)?;
            Ok(Coverage {
                system: r.get(0)?,
                entity: r.get(1)?,
                links: r.get(2)?,
                covered,
                canonical,
                ratio: if canonical == 0 {
                    1.0
                } else {
                    covered as f64 / canonical as f64
                },
            })
        })
        .map_err(dberr)?
        .collect::<Result<_, _>>()
        .map_err(dberr)?;

    // Conflicts: one source id, several canonical ids among its active links (several feeds),
    // kept up to date by loads and merges; listed with their links for the first few only.
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE _check_conflicts AS SELECT system, entity, source_id FROM summary_conflicts;",
    )
    .map_err(dberr)?;
    h.conflicts_total = conn
        .query_row("SELECT count(*) FROM _check_conflicts", [], |r| r.get(0))
        .map_err(dberr)?;
    // A conflict whose canonical ids a merge joined (they redirect to one survivor) is resolved:
    // `resolve` and `map run` give one id for it, so it is no conflict. Only the (few) source ids in
    // conflict are read to find out.
    let merges = redirects(conn, None).map_err(dberr)?;
    if h.conflicts_total > 0 && !merges.is_empty() {
        let mut stmt = conn
            .prepare(
                "SELECT c.system, c.entity, c.source_id, list(DISTINCT l.canonical_id ORDER BY l.canonical_id)
                 FROM _check_conflicts c
                 JOIN links l ON l.system = c.system AND l.entity = c.entity AND l.source_id = c.source_id
                             AND l.valid_to IS NULL
                 GROUP BY ALL",
            )
            .map_err(dberr)?;
        let all: Vec<(String, String, String, Vec<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, strings(&r.get(3)?))))
            .map_err(dberr)?
            .collect::<Result<_, _>>()
            .map_err(dberr)?;
        let resolved: Vec<&(String, String, String, Vec<String>)> = all
            .iter()
            .filter(|(_, _, _, ids)| {
                let survivors: Result<std::collections::BTreeSet<&str>, _> =
                    ids.iter().map(|id| survivor(&merges, id)).collect();
                survivors.is_ok_and(|s| s.len() == 1)
            })
            .collect();
        if !resolved.is_empty() {
            conn.execute_batch(
                "CREATE OR REPLACE TEMP TABLE _check_resolved (system VARCHAR, entity VARCHAR, source_id VARCHAR);",
            )
            .map_err(dberr)?;
            {
                let mut app = conn
                    .appender_to_catalog_and_db("_check_resolved", "temp", "main")
                    .map_err(dberr)?;
                for (system, entity, source_id, _) in &resolved {
                    app.append_row(params![system, entity, source_id]).map_err(dberr)?;
                }
                app.flush().map_err(dberr)?;
            }
            conn.execute_batch(
                "DELETE FROM _check_conflicts c USING _check_resolved r
                   WHERE r.system = c.system AND r.entity = c.entity AND r.source_id = c.source_id;",
            )
            .map_err(dberr)?;
            h.conflicts_total -= resolved.len() as i64;
        }
    }
    if h.conflicts_total > 0 {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT c.system, c.entity, c.source_id, list(l.feed || '=' || l.canonical_id ORDER BY l.feed, l.canonical_id)
                 FROM (SELECT * FROM _check_conflicts ORDER BY system, entity, source_id LIMIT {MAX_PER_RULE}) c
                 JOIN links l ON l.system = c.system AND l.entity = c.entity AND l.source_id = c.source_id
                             AND l.valid_to IS NULL
                 GROUP BY c.system, c.entity, c.source_id ORDER BY c.system, c.entity, c.source_id"
            ))
            .map_err(dberr)?;
        h.conflicts = stmt
            .query_map([], |r| {
                Ok(Conflict {
                    system: r.get(0)?,
                    entity: r.get(1)?,
                    source_id: r.get(2)?,
                    links: strings(&r.get(3)?),
                })
            })
            .map_err(dberr)?
            .collect::<Result<_, _>>()
            .map_err(dberr)?;
    }

    // One-to-one: in a declared system, one canonical id with several source ids.
    if !config.one_to_one.is_empty() {
        let systems = config
            .one_to_one
            .iter()
            .map(|s| super::store::literal(s))
            .collect::<Vec<_>>()
            .join(", ");
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE _check_one_to_one AS
               SELECT system, entity, canonical_id FROM summary_shared WHERE system IN ({systems});"
        ))
        .map_err(dberr)?;
        h.one_to_one_total = conn
            .query_row("SELECT count(*) FROM _check_one_to_one", [], |r| r.get(0))
            .map_err(dberr)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT c.system, c.entity, c.canonical_id, list(DISTINCT l.source_id ORDER BY l.source_id)
                 FROM (SELECT * FROM _check_one_to_one ORDER BY system, entity, canonical_id LIMIT {MAX_PER_RULE}) c
                 JOIN links l ON l.system = c.system AND l.entity = c.entity AND l.canonical_id = c.canonical_id
                             AND l.valid_to IS NULL
                 GROUP BY c.system, c.entity, c.canonical_id ORDER BY c.system, c.entity, c.canonical_id"
            ))
            .map_err(dberr)?;
        h.one_to_one = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, strings(&r.get(3)?))))
            .map_err(dberr)?
            .collect::<Result<_, _>>()
            .map_err(dberr)?;
    }

    // Redirects: links to merged-away ids, redirects into nothing, cycles.
    let map = merges;
    if !map.is_empty() {
        id_table(conn, "_check_merged", map.keys()).map_err(dberr)?;
        let sql = "SELECT l.system, l.entity, l.feed, l.source_id, l.canonical_id FROM links l
                   JOIN _check_merged m ON m.id = l.canonical_id WHERE l.valid_to IS NULL";
        h.merged_referenced_total = conn
            .query_row(&format!("SELECT count(*) FROM ({sql})"), [], |r| r.get(0))
            .map_err(dberr)?;
        let mut stmt = conn
            .prepare(&format!("{sql} ORDER BY 1, 2, 3, 4 LIMIT {MAX_PER_RULE}"))
            .map_err(dberr)?;
        h.merged_referenced = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .map_err(dberr)?
            .collect::<Result<_, _>>()
            .map_err(dberr)?;
        let mut ends: HashMap<String, Vec<String>> = HashMap::new();
        for from in map.keys() {
            if let Ok(end) = survivor(&map, from) {
                ends.entry(end.to_string()).or_default().push(from.clone());
            }
        }
        // Survivors without any active link, found in one pass over the links.
        id_table(conn, "_check_ends", ends.keys()).map_err(dberr)?;
        let linked: HashSet<String> = conn
            .prepare(
                "SELECT DISTINCT e.id FROM _check_ends e JOIN links l ON l.canonical_id = e.id WHERE l.valid_to IS NULL",
            )
            .map_err(dberr)?
            .query_map([], |r| r.get(0))
            .map_err(dberr)?
            .collect::<Result<_, _>>()
            .map_err(dberr)?;
        let mut dangling = Vec::new();
        for (end, froms) in &ends {
            if !linked.contains(end) {
                for from in froms {
                    dangling.push((from.clone(), end.clone()));
                }
            }
        }
        dangling.sort();
        h.dangling = dangling;
        h.cycles = cycles(&map);
    }

    // Orphans: ids in configured sample files without an active link.
    for sample in &config.samples {
        h.orphans.push(orphans(store, sample)?);
    }
    Ok(h)
}

/// A temporary table `name (id VARCHAR)` holding `ids`, to join with the links.
fn id_table<'a>(conn: &duckdb::Connection, name: &str, ids: impl Iterator<Item = &'a String>) -> duckdb::Result<()> {
    conn.execute_batch(&format!("CREATE TEMP TABLE {name} (id VARCHAR NOT NULL);"))?;
    let mut app = conn.appender_to_catalog_and_db(name, "temp", "main")?;
    for id in ids {
        app.append_row(params![id])?;
    }
    app.flush()
}

/// Reads a sample's ids and finds those without an active link of its system and entity.
fn orphans(store: &Store, sample: &crate::crosswalk::settings::CrosswalkSample) -> anyhow::Result<Orphans> {
    let conn = &store.conn;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let shown = crate::load::display_path(&sample.path);
    let format = InputFormat::detect(&sample.path).ok_or_else(|| {
        anyhow::anyhow!("{shown}: [[crosswalk.samples]] files must be .csv, .ndjson/.jsonl or .parquet")
    })?;
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE _check_sample (row_no BIGINT NOT NULL, source_id VARCHAR NOT NULL);",
    )
    .map_err(dberr)?;
    let columns = Columns {
        max_row_bytes: crate::samples::read::DEFAULT_MAX_RECORD_BYTES,
        source: &sample.column,
        canonical: None,
        canonical_optional: true,
    };
    let read = {
        let mut app = conn
            .appender_to_catalog_and_db("_check_sample", "temp", "main")
            .map_err(dberr)?;
        let mut each = |r: Record| -> anyhow::Result<()> {
            if let Record::Row { row, source, .. } = r {
                app.append_row(params![row as i64, source]).map_err(dberr)?;
            }
            Ok(())
        };
        let n = input::read(&sample.path, format, &columns, &mut each, &mut |_| {})?;
        app.flush().map_err(dberr)?;
        n
    };
    let sql = "SELECT min(s.row_no) AS row_no, s.source_id FROM _check_sample s
               WHERE NOT EXISTS (SELECT 1 FROM links l WHERE l.source_id = s.source_id AND l.system = $1
                                 AND l.entity = $2 AND l.valid_to IS NULL)
               GROUP BY s.source_id";
    let total: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM ({sql})"),
            params![sample.system, sample.entity],
            |r| r.get(0),
        )
        .map_err(dberr)?;
    let mut stmt = conn
        .prepare(&format!("{sql} ORDER BY row_no LIMIT 10"))
        .map_err(dberr)?;
    let examples: Vec<(u64, String)> = stmt
        .query_map(params![sample.system, sample.entity], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .map_err(dberr)?
        .collect::<Result<_, _>>()
        .map_err(dberr)?;
    let first_row = examples.first().map_or(0, |e: &(u64, String)| e.0);
    let first_line = match format {
        InputFormat::Csv => first_row + 1,
        InputFormat::Ndjson => first_row,
        InputFormat::Parquet => 0,
    };
    Ok(Orphans {
        first_line: u32::try_from(first_line).unwrap_or(0),
        system: sample.system.clone(),
        entity: sample.entity.clone(),
        file: shown,
        ids_read: read,
        orphans: total as u64,
        examples,
    })
}

fn strings(v: &duckdb::types::Value) -> Vec<String> {
    match v {
        duckdb::types::Value::List(items) => items
            .iter()
            .filter_map(|i| match i {
                duckdb::types::Value::Text(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A finding about the store (no line) at model path `path`.
fn at_store(rule: &'static RuleMeta, store_file: &str, path: String, message: String) -> Finding {
    Finding::new(rule, message, Location::new(store_file, path.clone(), Pos::default())).with_path(path)
}

/// The findings for a store's health.
pub fn findings(h: &Health, store_file: &str, config: &CrosswalkConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let more = |out: &mut Vec<Finding>, rule: &'static RuleMeta, total: i64, shown: usize, what: &str| {
        if total as usize > shown {
            out.push(at_store(
                rule,
                store_file,
                format!("{}/more", rule.id),
                format!("{} more {what} not listed", total as usize - shown),
            ));
        }
    };
    for c in &h.conflicts {
        out.push(
            at_store(
                &rules::CONFLICT,
                store_file,
                format!("{}/{}/{}", c.system, c.entity, c.source_id),
                format!(
                    "{} {} '{}' has {} active canonical ids: {}",
                    c.system,
                    c.entity,
                    c.source_id,
                    c.links.len(),
                    c.links.join(", ")
                ),
            )
            .with_help("keep the right link and reload or fix the other feed, or merge the canonical ids"),
        );
    }
    more(
        &mut out,
        &rules::CONFLICT,
        h.conflicts_total,
        h.conflicts.len(),
        "conflicts",
    );
    for (system, entity, canonical, sources) in &h.one_to_one {
        out.push(at_store(
            &rules::ONE_TO_ONE,
            store_file,
            format!("{system}/{entity}/{canonical}"),
            format!(
                "canonical {entity} '{canonical}' has {} {system} ids, but {system} is declared one-to-one: {}",
                sources.len(),
                sources.join(", ")
            ),
        ));
    }
    more(
        &mut out,
        &rules::ONE_TO_ONE,
        h.one_to_one_total,
        h.one_to_one.len(),
        "one-to-one violations",
    );
    for (system, entity, feed, source, canonical) in &h.merged_referenced {
        out.push(at_store(
            &rules::MERGED_ID_REFERENCED,
            store_file,
            format!("{system}/{entity}/{source}"),
            format!("{system} {entity} '{source}' (feed {feed}) links to '{canonical}', which was merged away"),
        ));
    }
    more(
        &mut out,
        &rules::MERGED_ID_REFERENCED,
        h.merged_referenced_total,
        h.merged_referenced.len(),
        "links to merged ids",
    );
    for (from, end) in &h.dangling {
        out.push(at_store(
            &rules::DANGLING_REDIRECT,
            store_file,
            format!("redirect/{from}"),
            format!("'{from}' redirects to '{end}', which no active link uses"),
        ));
    }
    for cycle in &h.cycles {
        let first = cycle.first().cloned().unwrap_or_default();
        out.push(at_store(
            &rules::REDIRECT_CYCLE,
            store_file,
            format!("redirect/{first}"),
            format!("merge redirects form a cycle: {} -> {first}", cycle.join(" -> ")),
        ));
    }
    for o in &h.orphans {
        if o.orphans == 0 {
            continue;
        }
        let examples = o
            .examples
            .iter()
            .map(|(r, id)| format!("'{id}' (row {r})"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(
            Finding::new(
                &rules::ORPHAN,
                format!(
                    "{} of {} ids in {} have no active {} {} link: {examples}",
                    o.orphans, o.ids_read, o.file, o.system, o.entity
                ),
                Location::new(
                    o.file.as_str(),
                    format!("{}/{}", o.system, o.entity),
                    Pos::new(o.first_line, u32::from(o.first_line > 0)),
                ),
            )
            .with_path(format!("{}/{}", o.system, o.entity))
            .with_help("load links for these ids, or check that the sample belongs to this system"),
        );
    }
    for c in &h.coverage {
        let mut f = at_store(
            &rules::COVERAGE,
            store_file,
            format!("{}/{}", c.system, c.entity),
            format!(
                "{} covers {} of {} canonical {} ids ({:.1}%)",
                c.system,
                c.covered,
                c.canonical,
                c.entity,
                c.ratio * 100.0
            ),
        );
        if let Some(min) = config.min_coverage
            && c.ratio < min
        {
            f = f
                .with_severity(Severity::Warning)
                .with_help(format!("below min_coverage {:.1}%", min * 100.0));
        }
        out.push(f);
    }
    // Stable order within the store file: by rule, then path (as `normalize` would, but without
    // mixing rules).
    out.sort_by(|a, b| {
        (a.location.as_ref().map(|l| l.file.clone()), a.rule, &a.path).cmp(&(
            b.location.as_ref().map(|l| l.file.clone()),
            b.rule,
            &b.path,
        ))
    });
    let mut seen = HashSet::new();
    out.retain(|f| seen.insert(f.fingerprint.clone()));
    out
}

/// Opens the store and checks it.
pub fn run(db: &Path, config: &CrosswalkConfig) -> anyhow::Result<(Health, Vec<Finding>)> {
    let store = Store::open(db, Access::Read)?;
    let h = health(&store, config)?;
    let shown = super::store::shown(db);
    let f = findings(&h, &shown, config);
    Ok((h, f))
}
