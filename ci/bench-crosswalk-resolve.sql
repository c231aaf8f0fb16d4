-- The raw-SQL side of `mapcheck crosswalk resolve --file` in ci/bench-crosswalk.sh.
COPY (
  SELECT i.id, l.canonical_id
  FROM (SELECT row_number() OVER () AS pos, column0 AS id
        FROM read_csv('@FILE@', header = false, columns = {'column0': 'VARCHAR'})) i
  LEFT JOIN links l ON l.source_id = i.id AND l.system = 'crm' AND l.valid_to IS NULL
  ORDER BY i.pos
) TO '/dev/stdout' (HEADER false, DELIMITER '\t');
