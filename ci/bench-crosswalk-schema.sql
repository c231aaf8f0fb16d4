-- The raw-SQL side of ci/bench-crosswalk.sh: the same tables mapcheck's migrations create.
CREATE TABLE loads (load_id BIGINT NOT NULL, kind VARCHAR NOT NULL, system VARCHAR, entity VARCHAR, feed VARCHAR,
  source_file VARCHAR, loaded_at TIMESTAMP NOT NULL, rows_read BIGINT NOT NULL DEFAULT 0,
  links_opened BIGINT NOT NULL DEFAULT 0, links_closed BIGINT NOT NULL DEFAULT 0,
  links_unchanged BIGINT NOT NULL DEFAULT 0, rows_rejected BIGINT NOT NULL DEFAULT 0);
CREATE TABLE links (system VARCHAR NOT NULL, entity VARCHAR NOT NULL, feed VARCHAR NOT NULL, source_id VARCHAR NOT NULL,
  canonical_id VARCHAR NOT NULL, valid_from TIMESTAMP NOT NULL, valid_to TIMESTAMP, load_id BIGINT NOT NULL,
  closed_by BIGINT, source_file VARCHAR NOT NULL);
CREATE TABLE redirects (from_id VARCHAR NOT NULL, into_id VARCHAR NOT NULL, valid_from TIMESTAMP NOT NULL,
  valid_to TIMESTAMP, load_id BIGINT NOT NULL);
