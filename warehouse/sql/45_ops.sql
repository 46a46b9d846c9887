-- Operations: monitor runs, retraining outcomes, model performance over time (written by pipelines).

-- ml.retrain_runs: one row per (re)training run; the training pipeline writes it, monitor alerts on
-- a failed latest run. Grain: run_id.
CREATE TABLE IF NOT EXISTS ml.retrain_runs (
    run_id       VARCHAR PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,           -- ok | failed
    reason       VARCHAR                     -- why it failed (NULL when ok)
);
-- ml.monitor_runs: one row per `python -m pipelines monitor` run. Grain: run_id.
CREATE TABLE IF NOT EXISTS ml.monitor_runs (
    run_id            VARCHAR PRIMARY KEY,
    run_at            TIMESTAMP NOT NULL,
    window_start      TIMESTAMP,              -- recent prediction inputs compared with training data
    window_end        TIMESTAMP,
    reference_rows    BIGINT,
    current_rows      BIGINT,
    drifted_features  INTEGER,
    alerts_raised     INTEGER,
    thresholds        JSON
);
-- ml.performance_by_period: error of the app's predictions against the students' ingested true
-- math scores, per model version and ISO week, computed by each monitor run. Grain: (run_id, model_version, period_start).
CREATE TABLE IF NOT EXISTS ml.performance_by_period (
    run_id         VARCHAR NOT NULL,
    model_version  VARCHAR,
    period_start   TIMESTAMP NOT NULL,
    n              BIGINT NOT NULL,
    rmse           DOUBLE,                    -- score points
    mae            DOUBLE                     -- score points
);

-- mart.latest_drift: the per-feature drift rows of the most recent monitor run. Grain: feature.
CREATE OR REPLACE VIEW mart.latest_drift AS
SELECT * FROM ml.drift_reports
WHERE run_id = (SELECT run_id FROM ml.drift_reports ORDER BY run_at DESC, run_id DESC LIMIT 1);

-- mart.open_alerts: alerts neither acknowledged nor resolved (rule stopped firing), newest first. Grain: alert_id.
CREATE OR REPLACE VIEW mart.open_alerts AS
SELECT * FROM ml.alerts WHERE acknowledged_at IS NULL AND resolved_at IS NULL ORDER BY raised_at DESC;
