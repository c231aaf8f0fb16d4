-- The raw-SQL side of `mapcheck crosswalk check` in ci/bench-crosswalk.sh (no samples configured).
WITH active AS (SELECT system, entity, source_id, canonical_id FROM links WHERE valid_to IS NULL),
     per AS (SELECT system, entity, count(*) AS links, count(DISTINCT canonical_id) AS covered FROM active GROUP BY ALL),
     ent AS (SELECT entity, count(DISTINCT canonical_id) AS canonical FROM active GROUP BY ALL)
SELECT p.system, p.entity, p.links, p.covered, e.canonical FROM per p JOIN ent e USING (entity) ORDER BY 2, 1;
SELECT count(*) FROM (SELECT system, entity, source_id FROM links WHERE valid_to IS NULL
                      GROUP BY system, entity, source_id HAVING count(DISTINCT canonical_id) > 1);
SELECT system, entity, source_id, list(feed || '=' || canonical_id) FROM links WHERE valid_to IS NULL
  GROUP BY system, entity, source_id HAVING count(DISTINCT canonical_id) > 1 ORDER BY 1, 2, 3 LIMIT 100;
SELECT from_id, into_id FROM redirects WHERE valid_to IS NULL;
