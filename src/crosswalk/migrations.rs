//! The store's schema, as an ordered list of migrations. A store records every migration applied
//! to it in `schema_version`; `mapcheck crosswalk init` applies the missing ones, each in its own
//! transaction. Never edit a released migration: add a new one.

/// One schema step.
#[derive(Debug)]
pub struct Migration {
    pub version: i32,
    pub summary: &'static str,
    pub sql: &'static str,
}

/// Every migration, oldest first. The last one's version is the schema this build writes.
pub static MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        summary: "links with history, and the loads that made them",
        sql: "
CREATE TABLE loads (
    load_id         BIGINT    NOT NULL,
    kind            VARCHAR   NOT NULL,   -- 'load' or 'merge'
    system          VARCHAR,
    entity          VARCHAR,
    feed            VARCHAR,
    source_file     VARCHAR,
    loaded_at       TIMESTAMP NOT NULL,   -- UTC
    rows_read       BIGINT    NOT NULL DEFAULT 0,
    links_opened    BIGINT    NOT NULL DEFAULT 0,
    links_closed    BIGINT    NOT NULL DEFAULT 0,
    links_unchanged BIGINT    NOT NULL DEFAULT 0,
    rows_rejected   BIGINT    NOT NULL DEFAULT 0
);
CREATE TABLE links (
    system       VARCHAR   NOT NULL,
    entity       VARCHAR   NOT NULL,
    feed         VARCHAR   NOT NULL,
    source_id    VARCHAR   NOT NULL,
    canonical_id VARCHAR   NOT NULL,
    valid_from   TIMESTAMP NOT NULL,  -- UTC, inclusive
    valid_to     TIMESTAMP,           -- UTC, exclusive; NULL while active
    load_id      BIGINT    NOT NULL,  -- the load (or merge) that opened the link
    closed_by    BIGINT,              -- the load (or merge) that closed it
    source_file  VARCHAR   NOT NULL
);
",
    },
    Migration {
        version: 2,
        summary: "merge redirects between canonical ids",
        sql: "
CREATE TABLE redirects (
    from_id    VARCHAR   NOT NULL,
    into_id    VARCHAR   NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to   TIMESTAMP,
    load_id    BIGINT    NOT NULL
);
",
    },
    Migration {
        version: 3,
        summary: "summaries for check and report, kept up to date by every load and merge",
        sql: "
CREATE TABLE summary_coverage (
    system   VARCHAR NOT NULL,
    entity   VARCHAR NOT NULL,
    links    BIGINT  NOT NULL,  -- active links
    covered  BIGINT  NOT NULL   -- distinct canonical ids among them
);
CREATE TABLE summary_entities (
    entity    VARCHAR NOT NULL,
    canonical BIGINT  NOT NULL  -- distinct canonical ids among active links of every system
);
CREATE TABLE summary_conflicts (  -- source ids with more than one active canonical id
    system    VARCHAR NOT NULL,
    entity    VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL
);
CREATE TABLE summary_shared (     -- canonical ids with more than one active source id in a system
    system       VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,
    canonical_id VARCHAR NOT NULL
);
INSERT INTO summary_coverage
  SELECT system, entity, count(*), count(DISTINCT canonical_id) FROM links WHERE valid_to IS NULL GROUP BY ALL;
INSERT INTO summary_entities
  SELECT entity, count(DISTINCT canonical_id) FROM links WHERE valid_to IS NULL GROUP BY ALL;
INSERT INTO summary_conflicts
  SELECT system, entity, source_id FROM links WHERE valid_to IS NULL
  GROUP BY ALL HAVING min(canonical_id) <> max(canonical_id);
INSERT INTO summary_shared
  SELECT system, entity, canonical_id FROM links WHERE valid_to IS NULL
  GROUP BY ALL HAVING min(source_id) <> max(source_id);
",
    },
];

/// The schema version this build creates and understands.
pub fn current() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{}", m.summary);
        }
    }
}
