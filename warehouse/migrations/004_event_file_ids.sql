-- 004: events carry their log file's id (raw.event_files.file_id) instead of its path (core.events.source_file).
-- Idempotent: on a warehouse that already has file ids, source_file is added empty, matches nothing and
-- is dropped again. Writers insert BY NAME, so the column order of an upgraded table does not matter.
ALTER TABLE raw.event_files ADD COLUMN IF NOT EXISTS file_id INTEGER;
UPDATE raw.event_files SET file_id = r.n
FROM (SELECT path, CAST(row_number() OVER (ORDER BY path) AS INTEGER) AS n FROM raw.event_files) AS r
WHERE raw.event_files.path = r.path AND raw.event_files.file_id IS NULL;
ALTER TABLE core.events ADD COLUMN IF NOT EXISTS file_id INTEGER;
ALTER TABLE core.events ADD COLUMN IF NOT EXISTS source_file VARCHAR;
UPDATE core.events SET file_id = f.file_id FROM raw.event_files AS f
WHERE core.events.source_file = f.path AND core.events.file_id IS NULL;
ALTER TABLE core.events DROP COLUMN source_file;
