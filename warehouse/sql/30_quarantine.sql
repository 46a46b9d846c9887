-- quarantine.rows: every rejected input row with where it came from and why. Grain: (load_id, line_no, column_name).
CREATE TABLE IF NOT EXISTS quarantine.rows (
    load_id       VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    line_no       INTEGER,
    column_name   VARCHAR,
    value         VARCHAR,
    reason        VARCHAR NOT NULL,
    raw_line      VARCHAR,
    quarantined_at TIMESTAMP NOT NULL
);
