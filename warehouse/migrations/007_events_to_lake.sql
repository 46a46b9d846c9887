-- 007: events leave the warehouse file for the Parquet event lake (issue 16), so a publish copies only
-- the small file. The table is renamed here; warehouse/schema.py then writes its rows into
-- <lake>/events/date=YYYY-MM-DD/ (warehouse/lake.py: move_table_to_lake, idempotent against the lake),
-- drops it, and core.events becomes a view over the lake.
ALTER TABLE core.events RENAME TO events_before_lake;
