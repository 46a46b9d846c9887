"""A demo event lake for the marts tests and bench, exported from a built warehouse's core.events.

The lake's layout and columns are the `lake` branch's contract (<lake>/events/date=YYYY-MM-DD/part-*.parquet,
zstd); this one export stands in for the real ingest until that lands, and is the only place to swap.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

# core.events as lake rows: UUID and JSON as text, the partition column last.
LAKE_ROWS_SQL = """
    SELECT CAST(event_id AS VARCHAR) AS event_id, event, ts, session_id, page, student_id, variant, model_version,
           predicted, CAST(payload AS VARCHAR) AS payload, file_id, ingested_at, source, CAST(ts AS DATE) AS date
    FROM {events}"""


def write_lake_events(con: duckdb.DuckDBPyConnection, lake: Path, events: str = "core.events") -> Path:
    """COPY the rows of `events` (a relation shaped like core.events) into the lake, partitioned by UTC day."""
    out = Path(lake) / "events"
    out.mkdir(parents=True, exist_ok=True)
    # APPEND with a unique file name per run: a second export adds files beside the first (new parts).
    con.execute(f"COPY ({LAKE_ROWS_SQL.format(events=events)}) TO '{out}' "
                "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date), APPEND, FILENAME_PATTERN 'part-{uuid}')")
    return out


def make_demo_lake(db_path: Path, lake: Path) -> Path:
    """Export a built warehouse's core.events as the event lake; return <lake>/events."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return write_lake_events(con, lake)
    finally:
        con.close()
