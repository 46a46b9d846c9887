-- 002: ml.alerts.incident: what one occurrence of a rule is about (a day, an hour, a run), so an
-- acknowledged alert is not raised again for the same occurrence. Idempotent.
ALTER TABLE ml.alerts ADD COLUMN IF NOT EXISTS incident VARCHAR;
