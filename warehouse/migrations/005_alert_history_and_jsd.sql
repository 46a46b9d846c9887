-- 005: alert history (who acknowledged an alert, when its rule stopped firing) and the Jensen-Shannon
-- distance beside PSI in drift reports. Idempotent.
ALTER TABLE ml.alerts ADD COLUMN IF NOT EXISTS acknowledged_by VARCHAR;
ALTER TABLE ml.alerts ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMP;
ALTER TABLE ml.drift_reports ADD COLUMN IF NOT EXISTS jsd DOUBLE;
