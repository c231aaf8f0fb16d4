//! `mapcheck crosswalk history ID`: every link an id ever had, as a source id or as a canonical
//! id, and the merge redirects it took part in, oldest first.

use std::path::Path;

use duckdb::params;

use super::store::{Access, Store};

#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRow {
    pub system: String,
    pub entity: String,
    pub feed: String,
    pub source_id: String,
    pub canonical_id: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub load_id: i64,
    pub closed_by: Option<i64>,
    pub source_file: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RedirectRow {
    pub from_id: String,
    pub into_id: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub load_id: i64,
}

#[derive(Debug, serde::Serialize)]
pub struct History {
    pub id: String,
    pub links: Vec<LinkRow>,
    pub redirects: Vec<RedirectRow>,
}

impl History {
    /// `crosswalk history`'s text output: a line per link and per redirect, oldest first.
    pub fn write_text(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for l in &self.links {
            let until = l.valid_to.as_deref().unwrap_or("now");
            writeln!(
                out,
                "{} .. {}  {}/{} ({})  {} -> {}  load {}{}  {}",
                l.valid_from,
                until,
                l.system,
                l.entity,
                l.feed,
                l.source_id,
                l.canonical_id,
                l.load_id,
                l.closed_by.map(|c| format!(", closed by {c}")).unwrap_or_default(),
                l.source_file
            )?;
        }
        for r in &self.redirects {
            let until = r.valid_to.as_deref().unwrap_or("now");
            writeln!(
                out,
                "{} .. {}  merged {} -> {}  load {}",
                r.valid_from, until, r.from_id, r.into_id, r.load_id
            )?;
        }
        Ok(())
    }
}

pub fn run(db: &Path, id: &str, system: Option<&str>) -> anyhow::Result<History> {
    let store = Store::open(db, Access::Read)?;
    let dberr = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let mut stmt = store
        .conn
        .prepare(
            "SELECT system, entity, feed, source_id, canonical_id, valid_from::VARCHAR, valid_to::VARCHAR,
                    load_id, closed_by, source_file
             FROM links
             WHERE (source_id = $1 OR canonical_id = $1) AND ($2::VARCHAR IS NULL OR system = $2)
             ORDER BY valid_from, load_id, system, entity, feed, source_id",
        )
        .map_err(dberr)?;
    let links = stmt
        .query_map(params![id, system], |r| {
            Ok(LinkRow {
                system: r.get(0)?,
                entity: r.get(1)?,
                feed: r.get(2)?,
                source_id: r.get(3)?,
                canonical_id: r.get(4)?,
                valid_from: r.get(5)?,
                valid_to: r.get(6)?,
                load_id: r.get(7)?,
                closed_by: r.get(8)?,
                source_file: r.get(9)?,
            })
        })
        .map_err(dberr)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(dberr)?;
    let mut stmt = store
        .conn
        .prepare(
            "SELECT from_id, into_id, valid_from::VARCHAR, valid_to::VARCHAR, load_id FROM redirects
             WHERE from_id = $1 OR into_id = $1 ORDER BY valid_from, load_id",
        )
        .map_err(dberr)?;
    let redirects = stmt
        .query_map(params![id], |r| {
            Ok(RedirectRow {
                from_id: r.get(0)?,
                into_id: r.get(1)?,
                valid_from: r.get(2)?,
                valid_to: r.get(3)?,
                load_id: r.get(4)?,
            })
        })
        .map_err(dberr)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(dberr)?;
    Ok(History {
        id: id.to_string(),
        links,
        redirects,
    })
}
