-- The checked rows of one file into core.interaction_rows (read through the view core.interactions); the ANTI marker becomes an anti-join on
-- (student_id, material_id, ts) against the rows already loaded when there are any.
INSERT INTO core.interaction_rows BY NAME
SELECT g.student_id, g.material_id, g.rating, TRUE AS completed, g.ts, g.score, g.duration_s,
       $source AS source, $load AS load_id, CAST(g.line_no AS INTEGER) AS line_no
FROM ingest_good g /*ANTI*/
