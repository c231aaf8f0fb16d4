-- The raw-SQL side of `mapcheck crosswalk report` in ci/bench-crosswalk.sh: check's queries
-- (bench-crosswalk-check.sql, run first) plus totals and recent loads.
SELECT (SELECT count(*) FROM links WHERE valid_to IS NULL), (SELECT count(*) FROM links), (SELECT count(*) FROM loads);
SELECT * FROM loads ORDER BY load_id DESC LIMIT 20;
