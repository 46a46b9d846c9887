-- Fast path of ingest-interactions: one parallel statement reads a CSV with typed columns (SOURCE) and writes
-- straight into the load's own table (TABLE, warehouse.interaction_store: only the file's columns; source, load_id,
-- completed and line_no are stored once, in core.interaction_loads). A row the checks (interactions_check.sql)
-- would not store as it is fails the statement instead of being left out: NOT NULL on the ids and ts, error() for
-- the rest, so the rows read are exactly the rows stored and the loader falls back to the exact path on any error.
-- ingest_plain_id: an id the checks keep as it is (not blank, not an NA spelling, not padded), so it equals
-- their trimmed id. The cheap first test spares the pattern on most ids.
CREATE OR REPLACE TEMP MACRO ingest_plain_id(x, na, na_first) AS
    CASE WHEN NOT contains(na_first, x[1]) AND x[-1] <> ' ' THEN true
         ELSE NOT regexp_full_match(x, na) AND x = trim(x) END;
-- The rows: a finite ts the reader typed as TIMESTAMPTZ (the checks' first try), numbers in range, a student of
-- the load's map (MAP: the roster's plain ids with their codes, so an unknown, blank, NA or padded student id fails
-- here) and (OLD marker) a (student, material, ts) not loaded before. OPTIONAL: the file's optional columns.
-- Material ids are checked below, once per distinct id.
INSERT INTO /*TABLE*/ BY NAME
SELECT m.code AS student_code, t.material_id, make_timestamp(epoch_us(t.ts)) AS ts /*OPTIONAL*/
FROM /*SOURCE*/ t
LEFT JOIN /*MAP*/ m ON m.student_id = t.student_id
/*OLD*/
WHERE CASE WHEN isfinite(t.ts)
                AND m.code IS NOT NULL
                AND (t.rating IS NULL OR t.rating >= 0 AND isfinite(t.rating))
                AND (t.duration_s IS NULL OR t.duration_s >= 0 AND isfinite(t.duration_s))
                AND (t.score IS NULL OR isfinite(t.score))
                /*NEW*/
           THEN true ELSE error('ingest-interactions: a row needs the exact path') END;
-- ingest_fast_ids: the load's material ids, each once.
CREATE OR REPLACE TEMP TABLE ingest_fast_ids AS SELECT DISTINCT material_id FROM /*TABLE*/;
-- Material ids the exact path would not load as they are (any sends the file there): blank, an NA spelling or padded.
SELECT count(*) FROM ingest_fast_ids WHERE NOT ingest_plain_id(material_id, $na, $na_first);
-- The load's student map starts as the roster's ids the exact path keeps as they are (a student id "NA" stays out,
-- as the exact path reads it as missing), coded by their row ids (unique, no window to number them; 0.06 s instead
-- of 0.14 s for a million students); warehouse.interaction_store keeps only the load's students.
SELECT rowid AS code, student_id FROM core.students WHERE ingest_plain_id(student_id, $na, $na_first);
