-- ml.model_registry: every trained model. Grain: version.
CREATE TABLE IF NOT EXISTS ml.model_registry (
    version        VARCHAR PRIMARY KEY,
    task           VARCHAR NOT NULL,         -- regression | risk | recsys
    algorithm      VARCHAR NOT NULL,
    params         JSON,
    cv_metrics     JSON,
    test_metrics   JSON,
    data_rows      BIGINT,
    data_hash      VARCHAR,
    feature_schema JSON,
    artifact_path  VARCHAR,
    artifact_sha256 VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,         -- candidate | production | archived | rejected
    status_reason  VARCHAR,
    -- the training run that made the row (both rows of a run, 'regression' and 'risk', share it and are
    -- promoted, archived and rolled back together) and when it last became production (migration 001)
    run_id         VARCHAR,
    promoted_at    TIMESTAMP
);
-- ml.tuning_trials: hyperparameter search trials. Grain: (version, algorithm, fold, trial).
CREATE TABLE IF NOT EXISTS ml.tuning_trials (
    version    VARCHAR NOT NULL,
    algorithm  VARCHAR NOT NULL,
    fold       INTEGER,
    trial      INTEGER NOT NULL,
    params     JSON,
    value      DOUBLE
);
-- ml.predictions: predictions made (batch or online). Grain: (model_version, student_id, predicted_at).
CREATE TABLE IF NOT EXISTS ml.predictions (
    student_id     VARCHAR,
    model_version  VARCHAR NOT NULL,
    predicted      DOUBLE NOT NULL,
    predicted_at   TIMESTAMP NOT NULL
);
-- ml.risk_scores: latest batch scoring. Grain: student_id.
CREATE TABLE IF NOT EXISTS ml.risk_scores (
    student_id      VARCHAR NOT NULL,
    predicted_math  DOUBLE NOT NULL,
    risk_probability DOUBLE NOT NULL,
    risk_level      VARCHAR NOT NULL,        -- low | medium | high
    model_version   VARCHAR NOT NULL,
    scored_at       TIMESTAMP NOT NULL,
    risk_model_version VARCHAR               -- the risk model that scored the row (migration 001)
);
-- ml.recommendations: precomputed top-N. Grain: (student_id, rank).
CREATE TABLE IF NOT EXISTS ml.recommendations (
    student_id    VARCHAR NOT NULL,
    rank          INTEGER NOT NULL,
    material_id   VARCHAR NOT NULL,
    score         DOUBLE NOT NULL,
    method        VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
-- ml.drift_reports: drift per feature per monitor run. Grain: (run_id, feature).
CREATE TABLE IF NOT EXISTS ml.drift_reports (
    run_id      VARCHAR NOT NULL,
    run_at      TIMESTAMP NOT NULL,
    model_version VARCHAR,
    feature     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    psi         DOUBLE,
    band        VARCHAR,
    test        VARCHAR,
    statistic   DOUBLE,
    p_value     DOUBLE,
    drifted     BOOLEAN,
    jsd         DOUBLE        -- Jensen-Shannon distance (base 2, 0..1) of the bins PSI uses (migration 005)
);
-- ml.alerts: alerts raised by rules. Grain: alert_id.
CREATE TABLE IF NOT EXISTS ml.alerts (
    alert_id     VARCHAR PRIMARY KEY,
    raised_at    TIMESTAMP NOT NULL,
    rule         VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,
    subject      VARCHAR,
    value        DOUBLE,
    threshold    DOUBLE,
    message_key  VARCHAR,
    params       JSON,
    acknowledged_at TIMESTAMP,
    -- what one occurrence of a rule is about (a day, an hour, a run), so an acknowledged alert is not
    -- raised again for the same occurrence (migration 002)
    incident     VARCHAR,
    acknowledged_by VARCHAR,  -- who acknowledged (migration 005)
    resolved_at  TIMESTAMP    -- when the rule stopped firing (migration 005)
);
