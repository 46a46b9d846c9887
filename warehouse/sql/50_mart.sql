-- mart.students_overview: one row per student with the fields officials filter on. Grain: student_id.
CREATE OR REPLACE VIEW mart.students_overview AS
SELECT student_id, gender, race_ethnicity, parental_education, lunch, test_prep,
       math_score, reading_score, writing_score, school_id, class_id, exam_date, source
FROM core.students;

-- mart.score_summary_by_group: score statistics per (dimension, level). Grain: (dimension, level).
CREATE OR REPLACE VIEW mart.score_summary_by_group AS
WITH long AS (
    SELECT 'gender' AS dimension, gender AS level, math_score, reading_score, writing_score FROM core.students
    UNION ALL SELECT 'race_ethnicity', race_ethnicity, math_score, reading_score, writing_score FROM core.students
    UNION ALL SELECT 'parental_education', parental_education, math_score, reading_score, writing_score FROM core.students
    UNION ALL SELECT 'lunch', lunch, math_score, reading_score, writing_score FROM core.students
    UNION ALL SELECT 'test_prep', test_prep, math_score, reading_score, writing_score FROM core.students
)
SELECT dimension, level, count(*) AS students,
       avg(math_score) AS math_mean, avg(reading_score) AS reading_mean, avg(writing_score) AS writing_mean,
       stddev_samp(math_score) AS math_sd
FROM long GROUP BY dimension, level;

-- mart.usage_by_page_day: page views and unique sessions per page and UTC day. Grain: (day, page).
-- Page views are the usage KPI of sql/metrics/page_views_daily.sql (also read by the Operations tab and API).
CREATE OR REPLACE VIEW mart.usage_by_page_day AS
WITH sessions AS (
    SELECT CAST(ts AS DATE) AS day, page, count(DISTINCT session_id) AS sessions
    FROM core.events WHERE event = 'page_view' GROUP BY ALL)
SELECT views.day, views.page, views.page_views, sessions.sessions
FROM ({metric:page_views_daily}) AS views
JOIN sessions ON sessions.day = views.day AND sessions.page IS NOT DISTINCT FROM views.page;

-- mart.ctr_by_variant_day: advice impressions, clicks and CTR per variant and day. Grain: (day, variant).
-- The KPI is defined once in sql/metrics/advice_ctr_daily.sql (also read by the Operations tab and API).
CREATE OR REPLACE VIEW mart.ctr_by_variant_day AS
SELECT day, variant, impressions, clicks, clicks / nullif(impressions, 0) AS ctr
FROM ({metric:advice_ctr_daily}) AS advice;

-- mart.ab_summary: advice impressions, clicks and CTR per variant over all time. Grain: variant.
CREATE OR REPLACE VIEW mart.ab_summary AS
SELECT variant, CAST(sum(impressions) AS BIGINT) AS impressions, CAST(sum(clicks) AS BIGINT) AS clicks,
       sum(clicks) / nullif(sum(impressions), 0) AS ctr
FROM mart.ctr_by_variant_day GROUP BY variant;

-- mart.recommendation_ctr_by_day: recommendation lists shown, clicks on them and click-through per UTC
-- day on the Recommend tab. Grain: day. Defined once in sql/metrics/recommendation_ctr_daily.sql.
CREATE OR REPLACE VIEW mart.recommendation_ctr_by_day AS
SELECT day, shown, clicks, clicks / nullif(shown, 0) AS ctr
FROM ({metric:recommendation_ctr_daily}) AS recommendations;

-- mart.errors: error events, newest first. Grain: event_id.
CREATE OR REPLACE VIEW mart.errors AS
SELECT CAST(event_id AS VARCHAR) AS event_id, ts, page, session_id, json_extract_string(payload, '$.message') AS message, payload
FROM core.events WHERE event = 'error';

-- mart.errors_by_hour: error events per clock hour (UTC), the error-rate KPI of
-- sql/metrics/errors_hourly.sql (also read by the Operations tab, the API and the monitor). Grain: hour.
CREATE OR REPLACE VIEW mart.errors_by_hour AS
SELECT hour, errors FROM ({metric:errors_hourly:mart.errors}) AS hourly;

-- mart.predictions_by_day: predictions made in the app per day and model version. Grain: (day, model_version).
CREATE OR REPLACE VIEW mart.predictions_by_day AS
SELECT CAST(ts AS DATE) AS day, model_version, count(*) AS predictions, avg(predicted) AS mean_predicted
FROM core.events WHERE event = 'prediction'
GROUP BY ALL;

-- Operations aggregates: TABLES kept in step with core.events by every ingest (warehouse/ops_marts.py:
-- new rows are added; everything is rebuilt when out of step or AGGREGATES_VERSION changes) and
-- reloaded from the event lake by `python -m pipelines marts` (DuckDB or Spark), so the Operations tab
-- reads a few thousand rows instead of scanning millions of events. Each is defined once, as the SELECT
-- in warehouse/sql/marts/<table>.sql.
-- mart.event_counts_daily: events per UTC day, type, page and variant. Grain: (day, event, page, variant).
CREATE TABLE IF NOT EXISTS mart.event_counts_daily (
    day      DATE NOT NULL,
    event    VARCHAR NOT NULL,
    page     VARCHAR,
    variant  VARCHAR,
    events   BIGINT NOT NULL
);
-- mart.session_days: sessions that viewed a page, per UTC day (session_key = the session id), with
-- the session's previous active day. Grain: (day, session_key).
CREATE TABLE IF NOT EXISTS mart.session_days (
    day          DATE NOT NULL,
    session_key  VARCHAR NOT NULL,
    prev_day     DATE
);
-- mart.session_day_counts: sessions per (day, previous active day); the distinct sessions of a period
-- [s, e] = sum(sessions) WHERE day BETWEEN s AND e AND (prev_day IS NULL OR prev_day < s). Grain: (day, prev_day).
CREATE TABLE IF NOT EXISTS mart.session_day_counts (
    day       DATE NOT NULL,
    prev_day  DATE,
    sessions  BIGINT NOT NULL
);
-- mart.variant_sessions: sessions shown advice of each variant (the A/B units). Grain: (variant, session_key).
CREATE TABLE IF NOT EXISTS mart.variant_sessions (
    variant      VARCHAR NOT NULL,
    session_key  VARCHAR NOT NULL
);
-- mart.variant_users: sessions shown advice per variant. Grain: variant.
CREATE TABLE IF NOT EXISTS mart.variant_users (
    variant  VARCHAR NOT NULL,
    users    BIGINT NOT NULL
);
-- mart.error_events: error events with their message (rare, so small). Grain: event_id.
CREATE TABLE IF NOT EXISTS mart.error_events (
    event_id    VARCHAR NOT NULL,
    ts          TIMESTAMP NOT NULL,
    page        VARCHAR,
    session_id  VARCHAR,
    message     VARCHAR
);
