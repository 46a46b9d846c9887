-- 001: the model registry records the training run and the promotion time; risk scores name their risk model.
-- Idempotent (IF NOT EXISTS): it may run on a warehouse written before core.schema_version existed.
ALTER TABLE ml.model_registry ADD COLUMN IF NOT EXISTS run_id VARCHAR;
ALTER TABLE ml.model_registry ADD COLUMN IF NOT EXISTS promoted_at TIMESTAMP;
ALTER TABLE ml.risk_scores ADD COLUMN IF NOT EXISTS risk_model_version VARCHAR;
