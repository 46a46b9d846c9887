-- raw.loads: one row per load run. Grain: load_id.
CREATE TABLE IF NOT EXISTS raw.loads (
    load_id      VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL,          -- students | events | demo
    source_file  VARCHAR,
    sha256       VARCHAR,
    started_at   TIMESTAMP NOT NULL,
    rows_read    BIGINT,
    rows_loaded  BIGINT,
    rows_quarantined BIGINT
);
-- raw.students: every data row of a student file exactly as received. Grain: (load_id, line_no).
CREATE TABLE IF NOT EXISTS raw.students (
    load_id      VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    line_no      INTEGER NOT NULL,
    raw_line     VARCHAR NOT NULL
);
-- raw.event_files: how far each event log file has been ingested. Grain: path.
-- file_id is what core.events.file_id refers to (a 4-byte key instead of the path on every event).
CREATE TABLE IF NOT EXISTS raw.event_files (
    path         VARCHAR PRIMARY KEY,
    file_id      INTEGER NOT NULL UNIQUE,
    size_bytes   BIGINT NOT NULL,
    rows_loaded  BIGINT NOT NULL,
    ingested_at  TIMESTAMP NOT NULL
);
