-- Checks of one staged interactions file (ingest-interactions). Input: TEMP VIEW stg_view
-- (rid, line_no, raw_line, student_id, material_id, ts, rating, duration_s, score as text).
-- ingest_typed: the staged values typed. Grain: rid (one staged row).
CREATE OR REPLACE TEMP TABLE ingest_typed AS
SELECT rid, line_no, raw_line, student_id AS student_id_text, ts AS ts_text, rating AS rating_text,
       duration_s AS duration_text, score AS score_text,
       CASE WHEN NOT list_contains($na, lower(trim(student_id))) THEN trim(student_id) END AS student_id,
       CASE WHEN NOT list_contains($na, lower(trim(material_id))) THEN trim(material_id) END AS material_id,
       CASE WHEN NOT list_contains($na, lower(trim(ts))) THEN trim(ts) END AS ts_clean,
       CASE WHEN NOT list_contains($na, lower(trim(rating))) THEN trim(rating) END AS rating_clean,
       CASE WHEN NOT list_contains($na, lower(trim(duration_s))) THEN trim(duration_s) END AS duration_clean,
       CASE WHEN NOT list_contains($na, lower(trim(score))) THEN trim(score) END AS score_clean,
       CAST(coalesce(TRY_CAST(trim(ts) AS TIMESTAMPTZ),
                     CASE WHEN abs(TRY_CAST(trim(ts) AS DOUBLE)) < 1e11
                          THEN to_timestamp(TRY_CAST(trim(ts) AS DOUBLE)) END) AT TIME ZONE 'UTC' AS TIMESTAMP) AS ts,
       TRY_CAST(trim(rating) AS DOUBLE) AS rating,
       TRY_CAST(trim(duration_s) AS DOUBLE) AS duration_s,
       TRY_CAST(trim(score) AS DOUBLE) AS score
FROM stg_view;
-- ingest_problems: every rejected cell. Grain: (rid, column_name).
CREATE OR REPLACE TEMP TABLE ingest_problems AS
SELECT rid, line_no, 'student_id' AS column_name, coalesce(student_id_text, '') AS value,
       'missing_value' AS reason, raw_line FROM ingest_typed WHERE student_id IS NULL
UNION ALL
SELECT rid, line_no, 'material_id', '', 'missing_value', raw_line FROM ingest_typed WHERE material_id IS NULL
UNION ALL
SELECT rid, line_no, 'ts', coalesce(ts_text, ''),
       CASE WHEN ts_clean IS NULL THEN 'missing_value' ELSE 'not_a_timestamp' END, raw_line
FROM ingest_typed WHERE ts IS NULL
UNION ALL
SELECT rid, line_no, 'rating', rating_text,
       CASE WHEN rating IS NULL OR NOT isfinite(rating) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END, raw_line
FROM ingest_typed WHERE rating_clean IS NOT NULL AND (rating IS NULL OR NOT isfinite(rating) OR rating < 0)
UNION ALL
SELECT rid, line_no, 'duration_s', duration_text,
       CASE WHEN duration_s IS NULL OR NOT isfinite(duration_s) THEN 'not_a_number' ELSE 'out_of_range (below 0)' END,
       raw_line
FROM ingest_typed WHERE duration_clean IS NOT NULL AND (duration_s IS NULL OR NOT isfinite(duration_s) OR duration_s < 0)
UNION ALL
SELECT rid, line_no, 'score', score_text, 'not_a_number', raw_line
FROM ingest_typed WHERE score_clean IS NOT NULL AND (score IS NULL OR NOT isfinite(score))
UNION ALL
SELECT t.rid, t.line_no, 'student_id', t.student_id, 'unknown_student_id', t.raw_line
FROM ingest_typed t ANTI JOIN core.students s USING (student_id) WHERE t.student_id IS NOT NULL
UNION ALL
SELECT t.rid, t.line_no, 'material_id', t.material_id, 'unknown_material_id', t.raw_line
FROM ingest_typed t ANTI JOIN core.materials m USING (material_id) WHERE $strict AND t.material_id IS NOT NULL;
-- ingest_good: rows without a problem (a view: no second copy of a large file).
CREATE OR REPLACE TEMP VIEW ingest_good AS
SELECT t.* FROM ingest_typed t ANTI JOIN ingest_problems p USING (rid);
-- A repeat of (student, material, ts) within the file: the first line loads, later ones are quarantined.
INSERT INTO ingest_problems
SELECT g.rid, g.line_no, '*', g.student_id || ' ' || g.material_id || ' ' || g.ts_text,
       'duplicate_row (same as line ' || coalesce(CAST(d.first_line AS VARCHAR), '?') || ')', g.raw_line
FROM ingest_good g
JOIN (SELECT student_id, material_id, ts, min(rid) AS first_rid, arg_min(line_no, rid) AS first_line
      FROM ingest_good GROUP BY ALL HAVING count(*) > 1) d USING (student_id, material_id, ts)
WHERE g.rid <> d.first_rid;
