//! `mapcheck crosswalk merge FROM INTO`: canonical id `FROM` is the same entity as `INTO`, which
//! survives. Active links to `FROM` move to `INTO` (old rows closed, history kept) and a redirect
//! `FROM -> INTO` is kept, so anything still holding `FROM` resolves to the survivor; chains
//! (`A -> B -> C`) resolve to their end. A merge that would close a cycle is refused.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use duckdb::{Connection, params};

use super::store::{Access, Store};

/// Redirects active at a time (`None`: now), `from -> into`.
pub fn redirects(conn: &Connection, as_of: Option<&str>) -> duckdb::Result<HashMap<String, String>> {
    let (sql, args): (&str, Vec<String>) = match as_of {
        None => ("SELECT from_id, into_id FROM redirects WHERE valid_to IS NULL", vec![]),
        Some(t) => (
            "SELECT from_id, into_id FROM redirects
             WHERE valid_from <= $1::TIMESTAMP AND (valid_to IS NULL OR valid_to > $1::TIMESTAMP)",
            vec![t.to_string()],
        ),
    };
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(duckdb::params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Where a redirect chain from `id` ends: `Ok(id)` itself when it is not redirected, `Err(cycle)`
/// (the ids on it, in order) when the chain loops.
pub fn survivor<'a>(map: &'a HashMap<String, String>, id: &'a str) -> Result<&'a str, Vec<String>> {
    // Most ids are not redirected: answer those without allocating the chain.
    if !map.contains_key(id) {
        return Ok(id);
    }
    let mut seen: Vec<&str> = vec![id];
    let mut cur = id;
    while let Some(next) = map.get(cur) {
        if let Some(start) = seen.iter().position(|s| *s == next.as_str()) {
            return Err(seen[start..].iter().map(|s| s.to_string()).collect());
        }
        seen.push(next.as_str());
        cur = next.as_str();
    }
    Ok(cur)
}

/// What a merge did.
#[derive(Debug, serde::Serialize)]
pub struct MergeOutcome {
    pub load_id: i64,
    pub at: String,
    pub from: String,
    pub into: String,
    /// The chain's end, when `into` was itself merged away before.
    pub survivor: String,
    pub links_moved: u64,
}

impl MergeOutcome {
    /// `crosswalk merge`'s text output: one line, with the survivor when the merge followed a
    /// redirect.
    pub fn write_text(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        write!(
            out,
            "merged {} into {} (load {} at {} UTC): {} link{} moved",
            self.from,
            self.into,
            self.load_id,
            self.at,
            self.links_moved,
            if self.links_moved == 1 { "" } else { "s" }
        )?;
        if self.survivor != self.into {
            write!(out, "; {} resolves to {}", self.into, self.survivor)?;
        }
        writeln!(out)?;
        Ok(())
    }
}

pub fn run(db: &Path, from: &str, into: &str) -> anyhow::Result<MergeOutcome> {
    if from == into {
        anyhow::bail!("cannot merge '{from}' into itself");
    }
    let store = Store::open(db, Access::Write)?;
    let (load_id, at) = store.begin()?;
    let result = apply(&store, from, into, load_id, &at);
    match result {
        Ok(o) => {
            store.commit()?;
            Ok(o)
        }
        Err(e) => {
            store.rollback();
            Err(e)
        }
    }
}

fn apply(store: &Store, from: &str, into: &str, load_id: i64, at: &str) -> anyhow::Result<MergeOutcome> {
    let conn = &store.conn;
    let db = |e: duckdb::Error| anyhow::Error::from(store.err(e));
    let known = |id: &str| -> anyhow::Result<bool> {
        let n: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM links WHERE canonical_id = $1)
                      + (SELECT count(*) FROM redirects WHERE from_id = $1 OR into_id = $1)",
                params![id],
                |r| r.get(0),
            )
            .map_err(db)?;
        Ok(n > 0)
    };
    for id in [from, into] {
        if !known(id)? {
            anyhow::bail!("'{id}' is not a canonical id of any link in {}", store.path.display());
        }
    }
    let map = redirects(conn, None).map_err(db)?;
    if let Some(already) = map.get(from) {
        anyhow::bail!("'{from}' was already merged into '{already}'");
    }
    let survivor = match survivor(&map, into) {
        Ok(s) => s.to_string(),
        Err(cycle) => anyhow::bail!(
            "the redirects from '{into}' already form a cycle: {}",
            cycle.join(" -> ")
        ),
    };
    if survivor == from {
        let mut chain = vec![into.to_string()];
        let mut cur = into;
        while let Some(next) = map.get(cur) {
            chain.push(next.clone());
            cur = next.as_str();
        }
        anyhow::bail!(
            "merging '{from}' into '{into}' would make a cycle: '{into}' already resolves to '{from}' ({})",
            chain.join(" -> ")
        );
    }
    // Move active links of `from` to the survivor, closing the old rows.
    conn.execute_batch("CREATE TABLE _merge_moved AS SELECT * FROM links WHERE false;")
        .map_err(db)?;
    conn.execute(
        "INSERT INTO _merge_moved SELECT * FROM links WHERE canonical_id = $1 AND valid_to IS NULL",
        params![from],
    )
    .map_err(db)?;
    let moved = conn
        .execute(
            "UPDATE links SET valid_to = $2::TIMESTAMP, closed_by = $3 WHERE canonical_id = $1 AND valid_to IS NULL",
            params![from, at, load_id],
        )
        .map_err(db)?;
    conn.execute(
        "INSERT INTO links
           SELECT system, entity, feed, source_id, $1, $2::TIMESTAMP, NULL, $3, NULL, source_file FROM _merge_moved",
        params![survivor, at, load_id],
    )
    .map_err(db)?;
    conn.execute(
        "INSERT INTO redirects VALUES ($1, $2, $3::TIMESTAMP, NULL, $4)",
        params![from, into, at, load_id],
    )
    .map_err(db)?;
    conn.execute(
        "INSERT INTO loads (load_id, kind, source_file, loaded_at, links_opened, links_closed)
         VALUES ($1, 'merge', $2, $3::TIMESTAMP, $4, $4)",
        params![load_id, format!("merge {from} -> {into}"), at, moved as i64],
    )
    .map_err(db)?;
    conn.execute_batch("DROP TABLE _merge_moved;").map_err(db)?;
    super::summary::refresh(conn, load_id, None, super::summary::INCREMENTAL_LIMIT).map_err(db)?;
    Ok(MergeOutcome {
        load_id,
        at: at.to_string(),
        from: from.to_string(),
        into: into.to_string(),
        survivor,
        links_moved: moved as u64,
    })
}

/// Every cycle among redirects, each once (its ids from the smallest).
pub fn cycles(map: &HashMap<String, String>) -> Vec<Vec<String>> {
    let mut found: HashSet<Vec<String>> = HashSet::new();
    for start in map.keys() {
        if let Err(mut cycle) = survivor(map, start) {
            let min = cycle
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.cmp(b.1))
                .map_or(0, |(i, _)| i);
            cycle.rotate_left(min);
            found.insert(cycle);
        }
    }
    let mut out: Vec<_> = found.into_iter().collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn chains_end_at_the_survivor() {
        let m = map(&[("a", "b"), ("b", "c")]);
        assert_eq!(survivor(&m, "a"), Ok("c"));
        assert_eq!(survivor(&m, "c"), Ok("c"));
        assert!(cycles(&m).is_empty());
    }

    #[test]
    fn cycles_are_found_once() {
        let m = map(&[("a", "b"), ("b", "c"), ("c", "b"), ("x", "x")]);
        assert_eq!(survivor(&m, "a"), Err(vec!["b".to_string(), "c".to_string()]));
        assert_eq!(
            cycles(&m),
            vec![vec!["b".to_string(), "c".to_string()], vec!["x".to_string()]]
        );
    }
}
