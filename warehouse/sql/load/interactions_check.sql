-- Checks of one interactions file (ingest-interactions), built for tens of millions of rows:
-- one pass reads, types and flags every row (text kept only for bad rows), details only for bad rows.
-- The SOURCE marker below is the file's rows as text (student_id, material_id, ts, rating, duration_s, score,
-- src_line, raw_line): read_csv(...) of a CSV, or the parsed xAPI statements.
-- ingest_typed: typed values and whether the row has any problem. Grain: one row of the file, in file order.
CREATE OR REPLACE TEMP TABLE ingest_typed AS
WITH src AS (
    SELECT * FROM /*SOURCE*/
), clean AS (
    SELECT *,
           -- A missing value is blank or an NA spelling; only a short text starting like one can be one,
           -- so the pattern runs on few values (cheap at 10 M rows).
           CASE WHEN student_id <> '' AND (length(student_id) > 9 OR NOT contains($na_first, left(student_id, 1))) THEN trim(student_id)
                WHEN NOT regexp_full_match(student_id, $na) THEN trim(student_id) END AS sid,
           CASE WHEN material_id <> '' AND (length(material_id) > 9 OR NOT contains($na_first, left(material_id, 1))) THEN trim(material_id)
                WHEN NOT regexp_full_match(material_id, $na) THEN trim(material_id) END AS mid,
           CASE WHEN ts <> '' AND (length(ts) > 9 OR NOT contains($na_first, left(ts, 1))) THEN trim(ts)
                WHEN NOT regexp_full_match(ts, $na) THEN trim(ts) END AS ts_clean,
           CASE WHEN rating <> '' AND (length(rating) > 9 OR NOT contains($na_first, left(rating, 1))) THEN trim(rating)
                WHEN NOT regexp_full_match(rating, $na) THEN trim(rating) END AS rating_clean,
           CASE WHEN duration_s <> '' AND (length(duration_s) > 9 OR NOT contains($na_first, left(duration_s, 1))) THEN trim(duration_s)
                WHEN NOT regexp_full_match(duration_s, $na) THEN trim(duration_s) END AS duration_clean,
           CASE WHEN score <> '' AND (length(score) > 9 OR NOT contains($na_first, left(score, 1))) THEN trim(score)
                WHEN NOT regexp_full_match(score, $na) THEN trim(score) END AS score_clean
    FROM src
), typed AS (
    SELECT *,
           CAST(coalesce(TRY_CAST(ts_clean AS TIMESTAMPTZ),
                         CASE WHEN abs(TRY_CAST(ts_clean AS DOUBLE)) < 1e11
                              THEN to_timestamp(TRY_CAST(ts_clean AS DOUBLE)) END) AT TIME ZONE 'UTC' AS TIMESTAMP) AS ts_value,
           TRY_CAST(rating_clean AS DOUBLE) AS rating_value,
           TRY_CAST(duration_clean AS DOUBLE) AS duration_value,
           TRY_CAST(score_clean AS DOUBLE) AS score_value
    FROM clean
), flagged AS (
    -- No join here: the table's row order must stay the file's order (line numbers come from it).
    SELECT *,
           (sid IS NULL OR mid IS NULL OR ts_value IS NULL
            OR (rating_clean IS NOT NULL AND (rating_value IS NULL OR NOT isfinite(rating_value) OR rating_value < 0))
            OR (duration_clean IS NOT NULL AND (duration_value IS NULL OR NOT isfinite(duration_value)
                                                OR duration_value < 0))
            OR (score_clean IS NOT NULL AND (score_value IS NULL OR NOT isfinite(score_value)))) AS bad
    FROM typed
)
SELECT sid AS student_id, mid AS material_id, ts_value AS ts, rating_value AS rating, duration_value AS duration_s,
       score_value AS score, src_line, bad,
       CASE WHEN bad THEN raw_line END AS raw_line, CASE WHEN bad THEN student_id END AS student_id_text,
       CASE WHEN bad THEN ts END AS ts_text, CASE WHEN bad THEN rating END AS rating_text,
       CASE WHEN bad THEN duration_s END AS duration_text, CASE WHEN bad THEN score END AS score_text
FROM flagged;
-- ingest_unknown: rows naming a student (or, with --strict, a material) the warehouse does not have. Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_unknown AS
SELECT t.rowid AS rid FROM ingest_typed t ANTI JOIN core.students s ON s.student_id = t.student_id
WHERE t.student_id IS NOT NULL
UNION
SELECT t.rowid FROM ingest_typed t ANTI JOIN core.materials m ON m.material_id = t.material_id
WHERE $strict AND t.material_id IS NOT NULL;
-- Flag them in place (few rows change; a join on every read of 10 M rows would cost more).
UPDATE ingest_typed SET bad = true WHERE rowid IN (SELECT rid FROM ingest_unknown);
-- ingest_lines: each row with its file line. Grain: rid (ingest_typed.rowid).
CREATE OR REPLACE TEMP VIEW ingest_lines AS
SELECT t.rowid AS rid, /*LINE*/ AS line_no, t.* FROM /*LINES_FROM*/;
-- ingest_bad: the bad rows (usually few). Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_bad AS SELECT * FROM ingest_lines WHERE bad;
-- ingest_problems: every rejected cell. Grain: (rid, column_name).
CREATE OR REPLACE TEMP TABLE ingest_problems AS
SELECT rid, line_no, 'student_id' AS column_name, coalesce(student_id_text, '') AS value,
       'missing_value' AS reason, raw_line FROM ingest_bad WHERE student_id IS NULL
UNION ALL
SELECT rid, line_no, 'material_id', '', 'missing_value', raw_line FROM ingest_bad WHERE material_id IS NULL
UNION ALL
SELECT rid, line_no, 'ts', coalesce(ts_text, ''),
       CASE WHEN regexp_full_match(coalesce(ts_text, ''), $na) THEN 'missing_value' ELSE 'not_a_timestamp' END, raw_line
FROM ingest_bad WHERE ts IS NULL
UNION ALL
SELECT rid, line_no, 'rating', rating_text,
       CASE WHEN rating IS NULL OR NOT isfinite(rating) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END, raw_line
FROM ingest_bad WHERE NOT regexp_full_match(rating_text, $na) AND (rating IS NULL OR NOT isfinite(rating) OR rating < 0)
UNION ALL
SELECT rid, line_no, 'duration_s', duration_text,
       CASE WHEN duration_s IS NULL OR NOT isfinite(duration_s) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END,
       raw_line
FROM ingest_bad WHERE NOT regexp_full_match(duration_text, $na)
                  AND (duration_s IS NULL OR NOT isfinite(duration_s) OR duration_s < 0)
UNION ALL
SELECT rid, line_no, 'score', score_text, 'not_a_number', raw_line
FROM ingest_bad WHERE NOT regexp_full_match(score_text, $na) AND (score IS NULL OR NOT isfinite(score))
UNION ALL
SELECT b.rid, b.line_no, 'student_id', b.student_id, 'unknown_student_id', b.raw_line
FROM ingest_bad b ANTI JOIN core.students s USING (student_id) WHERE b.student_id IS NOT NULL
UNION ALL
SELECT b.rid, b.line_no, 'material_id', b.material_id, 'unknown_material_id', b.raw_line
FROM ingest_bad b ANTI JOIN core.materials m USING (material_id) WHERE $strict AND b.material_id IS NOT NULL;
-- ingest_repeats: a repeat of (student, material, ts) within the file (the first line loads, later
-- ones are quarantined). Candidates by one 64-bit hash, confirmed on the values. Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_repeats AS
WITH candidates AS (
    SELECT h FROM (SELECT hash(student_id, material_id, ts) AS h FROM ingest_typed WHERE NOT bad)
    GROUP BY h HAVING count(*) > 1
), rows AS (
    SELECT l.rid, l.line_no, l.student_id, l.material_id, l.ts FROM ingest_lines l
    SEMI JOIN candidates c ON hash(l.student_id, l.material_id, l.ts) = c.h WHERE NOT l.bad
)
SELECT r.rid, r.line_no, r.student_id, r.material_id, r.ts, f.first_line
FROM rows r
JOIN (SELECT student_id, material_id, ts, min(rid) AS first_rid, arg_min(line_no, rid) AS first_line
      FROM rows GROUP BY ALL HAVING count(*) > 1) f USING (student_id, material_id, ts)
WHERE r.rid <> f.first_rid;
INSERT INTO ingest_problems
SELECT rid, line_no, '*', student_id || ' ' || material_id || ' ' || CAST(ts AS VARCHAR),
       'duplicate_row (same as line ' || coalesce(CAST(first_line AS VARCHAR), '?') || ')', NULL
FROM ingest_repeats;
UPDATE ingest_typed SET bad = true WHERE rowid IN (SELECT rid FROM ingest_repeats);
-- ingest_good: rows without a problem, in file order.
CREATE OR REPLACE TEMP VIEW ingest_good AS SELECT * FROM ingest_lines WHERE NOT bad;
