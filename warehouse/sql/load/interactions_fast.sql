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
-- Roster ids that are not plain (rare): the semi-join below would match them untrimmed, so any sends the file
-- to the exact path.
SELECT count(*) FROM core.students WHERE NOT ingest_plain_id(student_id, $na, $na_first);
-- The rows: a known student, a finite ts the reader typed as TIMESTAMPTZ (the checks' first try), numbers in
-- range and (ANTI marker) a (student, material, ts) not loaded before. Material ids are checked once each below.
INSERT INTO core.interactions BY NAME
SELECT t.student_id, t.material_id, t.rating, TRUE AS completed, make_timestamp(epoch_us(t.ts)) AS ts, t.score,
       t.duration_s, $source AS source, $load AS load_id, CAST(NULL AS INTEGER) AS line_no
FROM /*SOURCE*/ t
SEMI JOIN core.students s ON s.student_id = t.student_id
/*ANTI*/
WHERE t.material_id IS NOT NULL AND isfinite(t.ts)
  AND (t.rating IS NULL OR t.rating >= 0 AND isfinite(t.rating))
  AND (t.duration_s IS NULL OR t.duration_s >= 0 AND isfinite(t.duration_s))
  AND (t.score IS NULL OR isfinite(t.score));
-- ingest_fast_materials: the load's material ids, each once, with whether it is plain. Grain: material_id.
CREATE OR REPLACE TEMP TABLE ingest_fast_materials AS
SELECT material_id, ingest_plain_id(material_id, $na, $na_first) AS plain
FROM (SELECT DISTINCT material_id FROM core.interactions WHERE load_id = $load);
