-- 006: provenance and loaded learning activity (issue 10). Before these columns only the demo generator
-- wrote materials and interactions, so their old rows are 'demo'; an old event's source follows from the
-- file it came from (the generator writes demo-*.jsonl). Idempotent.
ALTER TABLE core.materials ADD COLUMN IF NOT EXISTS duration_s DOUBLE;
ALTER TABLE core.materials ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'demo';
ALTER TABLE core.materials ALTER COLUMN source SET NOT NULL;
ALTER TABLE core.materials ADD COLUMN IF NOT EXISTS load_id VARCHAR;
ALTER TABLE core.materials ADD COLUMN IF NOT EXISTS line_no INTEGER;
ALTER TABLE core.materials ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE core.materials ALTER COLUMN difficulty DROP NOT NULL;
ALTER TABLE core.materials ALTER COLUMN format DROP NOT NULL;
ALTER TABLE core.interactions ADD COLUMN IF NOT EXISTS score DOUBLE;
ALTER TABLE core.interactions ADD COLUMN IF NOT EXISTS duration_s DOUBLE;
ALTER TABLE core.interactions ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'demo';
ALTER TABLE core.interactions ALTER COLUMN source SET NOT NULL;
ALTER TABLE core.interactions ADD COLUMN IF NOT EXISTS load_id VARCHAR;
ALTER TABLE core.interactions ADD COLUMN IF NOT EXISTS line_no INTEGER;
ALTER TABLE core.events ADD COLUMN IF NOT EXISTS source VARCHAR;
UPDATE core.events SET source = CASE WHEN regexp_matches(f.path, '[/\\]demo-[^/\\]*\.jsonl$') THEN 'demo' ELSE 'app' END
FROM raw.event_files f
WHERE core.events.source IS NULL AND core.events.file_id = f.file_id;
