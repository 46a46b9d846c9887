-- ml.experiments: declared experiments (A/B tests and model canaries). Grain: experiment_key.
-- Assignment is a hash of (session, experiment key) (analytics.experiments.assign_variant), so any
-- process assigns a session the same variant without shared state.
CREATE TABLE IF NOT EXISTS ml.experiments (
    experiment_key VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL,          -- ab | canary
    variants       VARCHAR[] NOT NULL,        -- the first is the control
    allocation     DOUBLE[] NOT NULL,         -- shares, summing to 1, aligned with variants
    primary_action VARCHAR NOT NULL,          -- the click action that counts as a conversion
    start_day      DATE,
    end_day        DATE,                      -- inclusive; NULL = open-ended
    status         VARCHAR NOT NULL,          -- running | stopped
    created_at     TIMESTAMP NOT NULL,
    stopped_at     TIMESTAMP,
    description    VARCHAR
);
-- ml.challengers: a registered challenger model run, scored in shadow (every /predict, logged as
-- 'shadow_prediction' events, never shown) or as a canary (a declared experiment routes a share of
-- /predict to it). At most one is active. Grain: run_id.
CREATE TABLE IF NOT EXISTS ml.challengers (
    run_id         VARCHAR PRIMARY KEY,       -- the training run (its regression and risk rows)
    mode           VARCHAR NOT NULL,          -- shadow | canary
    experiment_key VARCHAR,                   -- canary: the ml.experiments row routing /predict
    status         VARCHAR NOT NULL,          -- active | ended
    created_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP
);
-- ml.error_change_points: where ADWIN (absolute error) and DDM (error above tolerance) flagged a change
-- in the stream of real prediction errors, per monitor run (drawn on the performance chart).
-- Grain: (run_id, detector, stream_index).
CREATE TABLE IF NOT EXISTS ml.error_change_points (
    run_id       VARCHAR NOT NULL,
    detector     VARCHAR NOT NULL,            -- adwin | ddm
    stream_index BIGINT NOT NULL,             -- position in the time-ordered error stream
    ts           TIMESTAMP NOT NULL,          -- the prediction at which the change was flagged
    window_mean  DOUBLE                       -- mean absolute error of the 50 predictions up to it
);
