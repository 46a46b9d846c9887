-- core.students: one row per student (cleaned). Grain: student_id (enforced by the unique index below).
CREATE TABLE IF NOT EXISTS core.students (
    student_id         VARCHAR NOT NULL,
    gender             VARCHAR NOT NULL,
    race_ethnicity     VARCHAR NOT NULL,
    parental_education VARCHAR NOT NULL,
    lunch              VARCHAR NOT NULL,
    test_prep          VARCHAR NOT NULL,
    math_score         INTEGER NOT NULL,
    reading_score      INTEGER NOT NULL,
    writing_score      INTEGER NOT NULL,
    school_id          VARCHAR,
    class_id           VARCHAR,
    exam_date          DATE,
    source             VARCHAR NOT NULL,     -- 'demo' or the source file name
    load_id            VARCHAR NOT NULL,
    line_no            INTEGER
);
-- The key of core.students (ingest already rejects duplicate ids). IF NOT EXISTS: it also keys older warehouses.
CREATE UNIQUE INDEX IF NOT EXISTS students_key ON core.students (student_id);
-- core.materials: learning materials. Grain: material_id.
CREATE TABLE IF NOT EXISTS core.materials (
    material_id  VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    subject      VARCHAR,                    -- math | reading | writing (demo); free text from a file
    difficulty   INTEGER,                    -- 1 (easy) .. 5 (hard); a file's `level` column
    format       VARCHAR,                    -- video | exercise | article | quiz (demo); free text from a file
    created_at   TIMESTAMP,
    duration_s   DOUBLE,                     -- typical time on the material, seconds (files only)
    source       VARCHAR NOT NULL DEFAULT 'demo',  -- 'demo', a materials file name, or 'auto:<file>' (minimal row)
    load_id      VARCHAR,
    line_no      INTEGER
);
-- core.interactions is a view (warehouse.interaction_store): core.interaction_rows UNION ALL the tables of
-- the loads the fast path wrote (core.interactions_NNNNNN, one per load, listed in core.interaction_loads).
-- core.interaction_rows: every other interaction (demo, the exact path, tests). Grain: (student_id, material_id, ts).
CREATE TABLE IF NOT EXISTS core.interaction_rows (
    student_id   VARCHAR NOT NULL,
    material_id  VARCHAR NOT NULL,
    rating       DOUBLE,                     -- 0..5, NULL when not rated
    completed    BOOLEAN NOT NULL,           -- demo: rating >= 3; a loaded record counts as completed
    ts           TIMESTAMP NOT NULL,         -- UTC
    score        DOUBLE,                     -- from the file (xAPI: result.score.scaled), NULL when absent
    duration_s   DOUBLE,
    source       VARCHAR NOT NULL DEFAULT 'demo',  -- 'demo' or the interactions file name
    load_id      VARCHAR,
    line_no      INTEGER                     -- line of the file (xAPI: of the JSON line)
);
-- core.interaction_loads: one row per load stored as a table of its own by the fast path of ingest-interactions,
-- with what is the same for each of its rows (stored once here, not per row: writing constant columns row by row
-- was a third of the load's time). That table holds only the file's columns (student_code, material_id, ts and
-- those of rating, duration_s, score the file has; loads before student codes have student_id instead), and
-- core.interactions_NNNNNN_students maps its codes to student ids (grain: code). The view adds completed = TRUE
-- and line_no NULL.
-- Grain: load_no.
CREATE TABLE IF NOT EXISTS core.interaction_loads (
    load_no      INTEGER NOT NULL,           -- the table core.interactions_<load_no, 6 digits>
    load_id      VARCHAR NOT NULL,           -- raw.loads.load_id
    source       VARCHAR NOT NULL,           -- the interactions file name
    loaded_at    TIMESTAMP NOT NULL
);
-- core.events: app events (page views, predictions, impressions, clicks, errors). Unique key: event_id
-- (checked with the other grains by tests/integration/test_grains.py, which lists the relations made in Python).
-- A VIEW over the Parquet event lake (warehouse/lake.py), created by warehouse/schema.py after the
-- migrations: event_id UUID, event, ts TIMESTAMP (UTC), session_id, page, student_id, variant,
-- model_version, predicted DOUBLE, payload JSON, file_id (raw.event_files), ingested_at, source ('demo'|'app').
-- core.schools: one row per school with the programmes given to the whole school. Grain: school_id.
CREATE TABLE IF NOT EXISTS core.schools (
    school_id    VARCHAR PRIMARY KEY,
    n_students   INTEGER NOT NULL,
    tutoring     BOOLEAN,                    -- the school runs the tutoring programme (assigned by school)
    source       VARCHAR NOT NULL            -- 'demo' or the source file name
);
-- core.demo_truth: effects planted by the demo generator, to check estimators. Grain: (treatment, outcome).
CREATE TABLE IF NOT EXISTS core.demo_truth (
    treatment    VARCHAR NOT NULL,
    outcome      VARCHAR NOT NULL,
    true_effect  DOUBLE NOT NULL,
    description  VARCHAR
);
-- core.schema_version: the numbered migrations (warehouse/migrations/NNN_name.sql) this warehouse has had.
-- Grain: version.
CREATE TABLE IF NOT EXISTS core.schema_version (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);
-- core.build_info: key/value facts about the warehouse (refreshed_at, seed, scale, ...). Grain: key.
CREATE TABLE IF NOT EXISTS core.build_info (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR
);
