-- 008: core.interactions becomes a view (issue 10, ingest speed): its rows move to core.interaction_rows (created
-- by 20_core.sql before the migrations run, with the same columns); apply_schema then creates the view over it.
INSERT INTO core.interaction_rows BY NAME SELECT * FROM core.interactions;
DROP TABLE core.interactions;
