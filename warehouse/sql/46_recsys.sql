-- Recommendations (issue 5): the offline evaluation of every recommender, written by
-- `python -m pipelines recsys` (and the build) next to its ml.model_registry row (task 'recsys').

-- ml.recsys_eval: metrics@K of each method for one recsys model version (temporal split: each
-- student's latest 20 % of interactions held out). The rows with k = 10 are the evaluation table;
-- all k together draw the metric-vs-K chart. Grain: (version, method, k).
CREATE TABLE IF NOT EXISTS ml.recsys_eval (
    version     VARCHAR NOT NULL,            -- ml.model_registry.version (task 'recsys')
    method      VARCHAR NOT NULL,            -- popularity | user_knn | item_knn | content | hybrid
    k           INTEGER NOT NULL,            -- list length the metrics are computed at
    precision   DOUBLE,
    recall      DOUBLE,
    ndcg        DOUBLE,
    map         DOUBLE,
    hit_rate    DOUBLE,
    coverage    DOUBLE,                      -- share of the catalogue recommended to anyone
    n_users     INTEGER,                     -- evaluated students (with a held-out interaction)
    created_at  TIMESTAMP NOT NULL
);
