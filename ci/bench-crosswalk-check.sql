-- The raw-SQL side of `mapcheck crosswalk check` in ci/bench-crosswalk.sh (no samples configured):
-- coverage, conflicts (counted, then the first 100 listed), redirects.
WITH active AS (SELECT system, entity, source_id, canonical_id FROM links WHERE valid_to IS NULL),
     per AS (SELECT system, entity, count(*) AS links, count(DISTINCT canonical_id) AS covered FROM active GROUP BY ALL),
     ent AS (SELECT entity, count(DISTINCT canonical_id) AS canonical FROM active GROUP BY ALL)
SELECT p.system, p.entity, p.links, p.covered, e.canonical FROM per p JOIN ent e USING (entity) ORDER BY 2, 1;
CREATE TEMP TABLE conflicts AS
  SELECT system, entity, source_id FROM links WHERE valid_to IS NULL
  GROUP BY system, entity, source_id HAVING min(canonical_id) <> max(canonical_id);
SELECT count(*) FROM conflicts;
SELECT c.system, c.entity, c.source_id, list(l.feed || '=' || l.canonical_id ORDER BY l.feed, l.canonical_id)
  FROM (SELECT * FROM conflicts ORDER BY 1, 2, 3 LIMIT 100) c
  JOIN links l ON l.system = c.system AND l.entity = c.entity AND l.source_id = c.source_id AND l.valid_to IS NULL
  GROUP BY ALL ORDER BY 1, 2, 3;
SELECT from_id, into_id FROM redirects WHERE valid_to IS NULL;
