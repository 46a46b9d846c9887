-- Checks of one staged interactions file (ingest-interactions). Input: TEMP VIEW stg_view
-- (rid, line_no, raw_line, student_id, material_id, ts, rating, duration_s, score as text).
-- Built for tens of millions of rows: one typing pass with a `bad` flag, details only for bad rows.
-- ingest_typed: typed values and whether the row has any problem. Grain: rid (one staged row).
CREATE OR REPLACE TEMP TABLE ingest_typed AS
WITH clean AS (
    SELECT rid, line_no,
           CASE WHEN length(student_id) > 7 OR NOT list_contains($na, lower(trim(student_id))) THEN trim(student_id) END AS student_id,
           CASE WHEN length(material_id) > 7 OR NOT list_contains($na, lower(trim(material_id))) THEN trim(material_id) END AS material_id,
           CASE WHEN length(ts) > 7 OR NOT list_contains($na, lower(trim(ts))) THEN trim(ts) END AS ts_clean,
           CASE WHEN NOT list_contains($na, lower(trim(rating))) THEN trim(rating) END AS rating_clean,
           CASE WHEN NOT list_contains($na, lower(trim(duration_s))) THEN trim(duration_s) END AS duration_clean,
           CASE WHEN NOT list_contains($na, lower(trim(score))) THEN trim(score) END AS score_clean
    FROM stg_view
), typed AS (
    SELECT rid, line_no, student_id, material_id,
           CAST(coalesce(TRY_CAST(ts_clean AS TIMESTAMPTZ),
                         CASE WHEN abs(TRY_CAST(ts_clean AS DOUBLE)) < 1e11
                              THEN to_timestamp(TRY_CAST(ts_clean AS DOUBLE)) END) AT TIME ZONE 'UTC' AS TIMESTAMP) AS ts,
           TRY_CAST(rating_clean AS DOUBLE) AS rating, rating_clean IS NOT NULL AS has_rating,
           TRY_CAST(duration_clean AS DOUBLE) AS duration_s, duration_clean IS NOT NULL AS has_duration,
           TRY_CAST(score_clean AS DOUBLE) AS score, score_clean IS NOT NULL AS has_score
    FROM clean
)
SELECT t.rid, t.line_no, t.student_id, t.material_id, t.ts, t.rating, t.duration_s, t.score,
       (t.student_id IS NULL OR t.material_id IS NULL OR t.ts IS NULL
        OR (t.has_rating AND (t.rating IS NULL OR NOT isfinite(t.rating) OR t.rating < 0))
        OR (t.has_duration AND (t.duration_s IS NULL OR NOT isfinite(t.duration_s) OR t.duration_s < 0))
        OR (t.has_score AND (t.score IS NULL OR NOT isfinite(t.score)))
        OR s.student_id IS NULL
        OR ($strict AND m.material_id IS NULL)) AS bad
FROM typed t
LEFT JOIN (SELECT DISTINCT student_id FROM core.students) s ON s.student_id = t.student_id
LEFT JOIN (SELECT DISTINCT material_id FROM core.materials WHERE $strict) m ON m.material_id = t.material_id;
-- ingest_bad: the bad rows with their text (usually few). Grain: rid.
CREATE OR REPLACE TEMP TABLE ingest_bad AS
SELECT t.rid, t.line_no, t.student_id, t.material_id, t.ts, t.rating, t.duration_s, t.score, v.raw_line,
       v.student_id AS student_id_text, v.ts AS ts_text, v.rating AS rating_text, v.duration_s AS duration_text,
       v.score AS score_text
FROM ingest_typed t JOIN stg_view v USING (rid) WHERE t.bad;
-- ingest_problems: every rejected cell. Grain: (rid, column_name).
CREATE OR REPLACE TEMP TABLE ingest_problems AS
SELECT rid, line_no, 'student_id' AS column_name, coalesce(student_id_text, '') AS value,
       'missing_value' AS reason, raw_line FROM ingest_bad WHERE student_id IS NULL
UNION ALL
SELECT rid, line_no, 'material_id', '', 'missing_value', raw_line FROM ingest_bad WHERE material_id IS NULL
UNION ALL
SELECT rid, line_no, 'ts', coalesce(ts_text, ''),
       CASE WHEN list_contains($na, lower(trim(coalesce(ts_text, '')))) THEN 'missing_value' ELSE 'not_a_timestamp' END,
       raw_line
FROM ingest_bad WHERE ts IS NULL
UNION ALL
SELECT rid, line_no, 'rating', rating_text,
       CASE WHEN rating IS NULL OR NOT isfinite(rating) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END, raw_line
FROM ingest_bad WHERE NOT list_contains($na, lower(trim(rating_text)))
                  AND (rating IS NULL OR NOT isfinite(rating) OR rating < 0)
UNION ALL
SELECT rid, line_no, 'duration_s', duration_text,
       CASE WHEN duration_s IS NULL OR NOT isfinite(duration_s) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END,
       raw_line
FROM ingest_bad WHERE NOT list_contains($na, lower(trim(duration_text)))
                  AND (duration_s IS NULL OR NOT isfinite(duration_s) OR duration_s < 0)
UNION ALL
SELECT rid, line_no, 'score', score_text, 'not_a_number', raw_line
FROM ingest_bad WHERE NOT list_contains($na, lower(trim(score_text))) AND (score IS NULL OR NOT isfinite(score))
UNION ALL
SELECT b.rid, b.line_no, 'student_id', b.student_id, 'unknown_student_id', b.raw_line
FROM ingest_bad b ANTI JOIN core.students s USING (student_id) WHERE b.student_id IS NOT NULL
UNION ALL
SELECT b.rid, b.line_no, 'material_id', b.material_id, 'unknown_material_id', b.raw_line
FROM ingest_bad b ANTI JOIN core.materials m USING (material_id) WHERE $strict AND b.material_id IS NOT NULL;
-- A repeat of (student, material, ts) within the file: the first line loads, later ones are quarantined.
-- Candidates by one 64-bit hash (cheap at tens of millions of rows), confirmed on the values.
CREATE OR REPLACE TEMP TABLE ingest_repeats AS
WITH candidates AS (
    SELECT h FROM (SELECT hash(student_id, material_id, ts) AS h FROM ingest_typed WHERE NOT bad)
    GROUP BY h HAVING count(*) > 1
), rows AS (
    SELECT t.* FROM ingest_typed t SEMI JOIN candidates c ON hash(t.student_id, t.material_id, t.ts) = c.h
    WHERE NOT t.bad
)
SELECT r.rid, r.line_no, r.student_id, r.material_id, r.ts, f.first_line
FROM rows r
JOIN (SELECT student_id, material_id, ts, min(rid) AS first_rid, arg_min(line_no, rid) AS first_line
      FROM rows GROUP BY ALL HAVING count(*) > 1) f USING (student_id, material_id, ts)
WHERE r.rid <> f.first_rid;
INSERT INTO ingest_problems
SELECT r.rid, r.line_no, '*', r.student_id || ' ' || r.material_id || ' ' || CAST(r.ts AS VARCHAR),
       'duplicate_row (same as line ' || coalesce(CAST(r.first_line AS VARCHAR), '?') || ')', v.raw_line
FROM ingest_repeats r JOIN stg_view v USING (rid);
-- ingest_good: rows without a problem (a view: no second copy of a large file).
CREATE OR REPLACE TEMP VIEW ingest_good AS
SELECT t.* FROM ingest_typed t ANTI JOIN ingest_repeats r USING (rid) WHERE NOT t.bad;
