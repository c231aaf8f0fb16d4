-- The raw-SQL side of one load in ci/bench-crosswalk.sh: what `mapcheck crosswalk load` does, as
-- SQL: stage the file, one row per source id (duplicates with different targets found), the
-- difference with the active links, close changed links, open new ones, record the load.
-- Staging is in temporary tables, as mapcheck does.
SET preserve_insertion_order = false;
BEGIN TRANSACTION;
CREATE TEMP TABLE _staged AS
  SELECT row_number() OVER () AS row_no, source_id, canonical_id
  FROM read_csv('@FILE@', header = true, columns = {'source_id': 'VARCHAR', 'canonical_id': 'VARCHAR'});
SELECT count(*) FROM _staged WHERE source_id IS NULL OR canonical_id IS NULL;
CREATE TEMP TABLE _incoming AS
  SELECT source_id, min(canonical_id) AS lowest, max(canonical_id) AS canonical_id, count(*) AS n
  FROM _staged GROUP BY source_id;
SELECT count(*) FROM _incoming WHERE lowest <> canonical_id;
CREATE TEMP TABLE _delta AS
  SELECT i.source_id, i.canonical_id, a.canonical_id AS previous
  FROM _incoming i LEFT JOIN (SELECT source_id, canonical_id FROM links
                              WHERE system = '@SYSTEM@' AND entity = 'customer' AND feed = 'default' AND valid_to IS NULL) a
       ON a.source_id = i.source_id
  WHERE a.canonical_id IS DISTINCT FROM i.canonical_id;
UPDATE links SET valid_to = now()::TIMESTAMP, closed_by = 0
  WHERE system = '@SYSTEM@' AND entity = 'customer' AND feed = 'default' AND valid_to IS NULL
    AND source_id IN (SELECT source_id FROM _delta WHERE previous IS NOT NULL);
INSERT INTO links SELECT '@SYSTEM@', 'customer', 'default', source_id, canonical_id, now()::TIMESTAMP, NULL, 0, NULL, '@FILE@'
  FROM _delta;
INSERT INTO loads (load_id, kind, system, entity, feed, source_file, loaded_at)
  SELECT coalesce(max(load_id), 0) + 1, 'load', '@SYSTEM@', 'customer', 'default', '@FILE@', now()::TIMESTAMP FROM loads;
DROP TABLE _staged; DROP TABLE _incoming; DROP TABLE _delta;
COMMIT;
