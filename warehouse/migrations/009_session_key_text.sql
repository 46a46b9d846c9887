-- 007: mart.session_days and mart.variant_sessions key sessions by their id text, the same on DuckDB and
-- Spark (DuckDB's hash() has no Spark twin). The hashed rows are dropped: AGGREGATES_VERSION 3 makes the
-- next ingest, monitor or `marts` run refill them.
DELETE FROM mart.session_days;
ALTER TABLE mart.session_days ALTER COLUMN session_key TYPE VARCHAR;
DELETE FROM mart.variant_sessions;
ALTER TABLE mart.variant_sessions ALTER COLUMN session_key TYPE VARCHAR;
