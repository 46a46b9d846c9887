-- Fast path of ingest-interactions: one parallel statement reads a CSV with typed columns (SOURCE) and writes
-- straight into core.interactions. It keeps only rows the checks (interactions_check.sql) would load with the
-- same values: ids that are neither blank, an NA spelling nor padded (so they equal the checks' trimmed ids),
-- a finite ts the reader typed as TIMESTAMPTZ (the checks' first try), numbers in range, a known student, and
-- (ANTI marker) a (student, material, ts) not loaded before. The loader counts what went in against the file's
-- lines and rolls back to the exact path when a single row was left out. line_no stays NULL: line numbers are
-- stored only by the exact path (quarantined rows always get theirs). Grain: one row of the file.
INSERT INTO core.interactions BY NAME
SELECT t.student_id, t.material_id, t.rating, TRUE AS completed, make_timestamp(epoch_us(t.ts)) AS ts, t.score,
       t.duration_s, $source AS source, $load AS load_id, CAST(NULL AS INTEGER) AS line_no
FROM /*SOURCE*/ t
SEMI JOIN core.students s ON s.student_id = t.student_id
/*ANTI*/
WHERE CASE WHEN NOT contains($na_first, t.student_id[1]) AND t.student_id[-1] <> ' ' THEN true
           ELSE NOT regexp_full_match(t.student_id, $na) AND t.student_id = trim(t.student_id) END
  AND CASE WHEN NOT contains($na_first, t.material_id[1]) AND t.material_id[-1] <> ' ' THEN true
           ELSE NOT regexp_full_match(t.material_id, $na) AND t.material_id = trim(t.material_id) END
  AND isfinite(t.ts)
  AND (t.rating IS NULL OR t.rating >= 0 AND isfinite(t.rating))
  AND (t.duration_s IS NULL OR t.duration_s >= 0 AND isfinite(t.duration_s))
  AND (t.score IS NULL OR isfinite(t.score))
