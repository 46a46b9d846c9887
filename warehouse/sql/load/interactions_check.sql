-- Checks of one interactions file (ingest-interactions), built for tens of millions of rows:
-- one pass reads, types and flags every row (text kept only for bad rows), details only for bad rows.
-- The SOURCE marker below is the file's rows as text (student_id, material_id, ts, rating, duration_s, score,
-- src_line, raw_line): read_csv(...) of a CSV, or the parsed xAPI statements.
-- ingest_typed: typed values and whether the row has any problem. Grain: one row of the file, in file order.
CREATE OR REPLACE TEMP TABLE ingest_typed AS
WITH src AS (
    SELECT * FROM /*SOURCE*/
), typed AS (
    SELECT *,
           -- A missing value is blank or an NA spelling, and ids are trimmed. Most ids are neither: a cheap test
           -- (first character cannot start an NA spelling or padding, no trailing space) keeps the pattern and
           -- trim off them, so the checks cost little at 10 M rows.
           CASE WHEN student_id <> '' AND NOT contains($na_first, student_id[1]) AND student_id[-1] <> ' '
                THEN student_id WHEN NOT regexp_full_match(student_id, $na) THEN trim(student_id) END AS sid,
           CASE WHEN material_id <> '' AND NOT contains($na_first, material_id[1]) AND material_id[-1] <> ' '
                THEN material_id WHEN NOT regexp_full_match(material_id, $na) THEN trim(material_id) END AS mid,
           -- Typed values straight from the text (casts accept padding); trim and Unix seconds only where that fails.
           coalesce(TRY_CAST(ts AS TIMESTAMPTZ), TRY_CAST(trim(ts) AS TIMESTAMPTZ),
                    CASE WHEN abs(TRY_CAST(trim(ts) AS DOUBLE)) < 1e11
                         THEN to_timestamp(TRY_CAST(trim(ts) AS DOUBLE)) END) AS ts_tz,
           TRY_CAST(rating AS DOUBLE) AS rating_num,
           TRY_CAST(duration_s AS DOUBLE) AS duration_num,
           TRY_CAST(score AS DOUBLE) AS score_num
    FROM src
), utc AS (
    -- UTC wall time by arithmetic on the instant (a time-zone conversion per row costs ~1 s at 10 M rows).
    SELECT *, CASE WHEN isfinite(ts_tz) THEN make_timestamp(epoch_us(ts_tz))
                   ELSE CAST(ts_tz AT TIME ZONE 'UTC' AS TIMESTAMP) END AS ts_value
    FROM typed
), flagged AS (
    -- No join here: the table's row order must stay the file's order (line numbers come from it).
    -- A number is bad when it is not finite (or below 0) and its text is not blank/NA (nan is an NA spelling).
    SELECT *,
           (sid IS NULL OR mid IS NULL OR ts_value IS NULL
            OR CASE WHEN rating_num >= 0 AND isfinite(rating_num) OR rating IS NULL THEN false
                    ELSE NOT regexp_full_match(rating, $na) END
            OR CASE WHEN duration_num >= 0 AND isfinite(duration_num) OR duration_s IS NULL THEN false
                    ELSE NOT regexp_full_match(duration_s, $na) END
            OR CASE WHEN isfinite(score_num) OR score IS NULL THEN false
                    ELSE NOT regexp_full_match(score, $na) END) AS bad
    FROM utc
)
-- The texts of a bad row travel as one list (one NULL per good row, not six columns of them).
SELECT sid AS student_id, mid AS material_id, ts_value AS ts,
       CASE WHEN isfinite(rating_num) THEN rating_num END AS rating,
       CASE WHEN isfinite(duration_num) THEN duration_num END AS duration_s,
       CASE WHEN isfinite(score_num) THEN score_num END AS score, src_line, bad,
       CASE WHEN bad THEN [student_id, ts, rating, duration_s, score, raw_line] END AS texts
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
-- ingest_bad: the bad rows (usually few) with their texts. Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_bad AS
SELECT *, texts[1] AS student_id_text, texts[2] AS ts_text, texts[3] AS rating_text, texts[4] AS duration_text,
       texts[5] AS score_text, texts[6] AS raw_line
FROM ingest_lines WHERE bad;
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
-- ones are quarantined). Candidates are the 64-bit hashes seen twice (ingest_repeat_hashes, found by the
-- loader with one sort), confirmed on the values. Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_repeats AS
WITH rows AS (
    SELECT l.rid, l.line_no, l.student_id, l.material_id, l.ts FROM ingest_lines l
    SEMI JOIN ingest_repeat_hashes c ON hash(l.student_id, l.material_id, l.ts) = c.h WHERE NOT l.bad
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
