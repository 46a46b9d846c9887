-- 003: mart.session_days.prev_day, the session's previous active day (exact distinct sessions of a period).
-- Idempotent. The next ingest rebuilds the aggregates (AGGREGATES_VERSION), which fills it.
ALTER TABLE mart.session_days ADD COLUMN IF NOT EXISTS prev_day DATE;
