-- Fast path of ingest-interactions: one parallel statement reads a CSV with typed columns (SOURCE) and writes
-- straight into core.interactions. Loaded rows must be ones the checks (interactions_check.sql) would load with
-- the same values, and the loader rolls back to the exact path when a single row was left out (it counts what
-- went in against the file's lines). line_no stays NULL: line numbers are stored only by the exact path
-- (quarantined rows always get theirs).
-- ingest_plain_id: an id the checks keep as it is (not blank, not an NA spelling, not padded), so it equals
-- their trimmed id. The cheap first test spares the pattern on most ids.
CREATE OR REPLACE TEMP MACRO ingest_plain_id(x, na, na_first) AS
    CASE WHEN NOT contains(na_first, x[1]) AND x[-1] <> ' ' THEN true
         ELSE NOT regexp_full_match(x, na) AND x = trim(x) END;
-- The rows: an id in each id column, a finite ts the reader typed as TIMESTAMPTZ (the checks' first try), numbers in
-- range and (ANTI marker) a (student, material, ts) not loaded before. Ids are checked below, once per distinct id
-- (a semi-join on the roster here would probe every row).
INSERT INTO core.interactions BY NAME
SELECT t.student_id, t.material_id, t.rating, TRUE AS completed, make_timestamp(epoch_us(t.ts)) AS ts, t.score,
       t.duration_s, $source AS source, $load AS load_id, CAST(NULL AS INTEGER) AS line_no
FROM /*SOURCE*/ t
/*ANTI*/
WHERE t.student_id IS NOT NULL AND t.material_id IS NOT NULL AND isfinite(t.ts)
  AND (t.rating IS NULL OR t.rating >= 0 AND isfinite(t.rating))
  AND (t.duration_s IS NULL OR t.duration_s >= 0 AND isfinite(t.duration_s))
  AND (t.score IS NULL OR isfinite(t.score));
-- ingest_fast_ids: the load's student ids and material ids, each once (one scan). Grain: student_id or material_id.
CREATE OR REPLACE TEMP TABLE ingest_fast_ids AS
SELECT student_id, material_id FROM core.interactions WHERE load_id = $load
GROUP BY GROUPING SETS ((student_id), (material_id));
-- Ids the exact path would not load as they are (any sends the file there): an unknown student, or an id that is
-- blank, an NA spelling or padded.
SELECT count(*) FROM ingest_fast_ids i
WHERE CASE WHEN i.student_id IS NOT NULL
           THEN NOT ingest_plain_id(i.student_id, $na, $na_first)
                OR i.student_id NOT IN (SELECT student_id FROM core.students)
           ELSE NOT ingest_plain_id(i.material_id, $na, $na_first) END;
