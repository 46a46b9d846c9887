"""Job: load new lines of the event log files into the event lake (core.events), idempotently.

Safe to re-run and safe to kill (-9): under the pipeline lock, new rows are de-duplicated by event_id
within the batch and against the lake partitions the batch touches, staged as Parquet and moved into
their partitions (warehouse/lake.py); then the per-file sizes in raw.event_files and the Operations
aggregates advance in a private copy of the small warehouse file, published atomically. A run killed
anywhere re-reads from the last published sizes, and the anti-join skips what already reached the lake.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warehouse.connection import read_only
from warehouse.events import event_file_ids, pending_event_files, select_events_sql
from warehouse.lake import (
    append_events,
    create_events_view,
    lake_dir_of,
    lake_files_relation,
    move_staged_rows,
    stage_rows,
    staged_days,
    staged_rows_are_new,
    staging_folder,
)
from warehouse.ops_marts import apply_alert_acks, sync_event_aggregates
from warehouse.publish import write_transaction

# The rows one run adds (a view over its new lake files, or a TEMP TABLE): added to the aggregates after.
BATCH = "ingest_batch"


@dataclass
class EventLoadSummary:
    """What one ingest run loaded."""

    files: int
    loaded: int
    total: int

    def as_json(self) -> dict:
        """JSON summary for the CLI."""
        return {"files": self.files, "loaded": self.loaded, "total_events": self.total}


def ingest_events_into(con, events_dir: str | Path, lake_dir: str | Path | None = None) -> EventLoadSummary:
    """Load every grown or new event file into the lake, then bring an open writer connection in step.

    `lake_dir` defaults to the lake the connection's core.events reads.
    """
    lake_dir = lake_dir if lake_dir is not None else lake_dir_of(con)
    pending = pending_event_files(con, events_dir)
    loaded = 0
    if pending:
        paths = [f.path for f in pending]
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        ids = event_file_ids(con, paths)
        # Row order carries no meaning (readers sort by ts): a parallel, unordered read is ~25 % faster.
        con.execute("SET preserve_insertion_order = false")
        try:
            loaded = _load_batch(con, paths, ids, now, lake_dir)
        finally:
            con.execute("RESET preserve_insertion_order")
        create_events_view(con, lake_dir, now)   # this copy shows the batch (and a killed run's files it took over)
        con.execute(
            f"""INSERT INTO raw.event_files BY NAME
               SELECT f.path, f.file_id, f.size_bytes, coalesce(old.rows_loaded, 0) + coalesce(c.n, 0) AS rows_loaded,
                      $now AS ingested_at
               FROM (SELECT unnest($paths) AS path, unnest($ids) AS file_id, unnest($sizes) AS size_bytes) f
               LEFT JOIN raw.event_files old ON old.path = f.path
               LEFT JOIN (SELECT file_id, count(*) AS n FROM {BATCH} GROUP BY 1) c ON c.file_id = f.file_id
               ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes,
                   rows_loaded = excluded.rows_loaded, ingested_at = excluded.ingested_at""",
            {"paths": paths, "ids": ids, "sizes": [f.size_bytes for f in pending], "now": now},
        )
    # The Operations tab reads daily aggregates, not millions of events: add this batch to them (no lake scan).
    sync_event_aggregates(con, BATCH if pending else None)
    if pending:
        apply_alert_acks(con, BATCH)
        con.execute(f"DROP {'VIEW' if _is_view(con) else 'TABLE'} {BATCH}")
    total = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    return EventLoadSummary(len(pending), loaded, total)


def _is_view(con) -> bool:
    """True when BATCH is a view (the direct path) rather than a table (the exact path)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = $name AND temporary",
                            {"name": BATCH}).fetchone()[0])


def _load_batch(con, paths: list[str], ids: list[int], now: datetime, lake_dir: str | Path) -> int:
    """Write the files' new events into the lake and leave them in BATCH (a view or a TEMP TABLE); return rows.

    Files are re-read whole: lines appended while this runs are loaded now, and lines loaded by an earlier
    (or killed) run are dropped by the lake's anti-join over the days they fall on. Direct path: each day
    folder's logs are copied straight into one staged Parquet file; when no event_id repeats (within the
    batch or in the lake's files of its days) the files move into their partitions as they are. Otherwise
    (a re-sent event, a run after a killed one) the exact path de-duplicates a table and writes it out.
    """
    select = f"SELECT n.*, $now AS ingested_at FROM ({select_events_sql('$files', '$ids', distinct=False)}) n"
    by_day: dict[str, list[int]] = {}
    for i, path in enumerate(paths):   # an event log holds one UTC day of one process: <day>/<file>
        by_day.setdefault(Path(path).parent.name, []).append(i)
    with staging_folder(lake_dir) as (staging, run):
        staged = stage_rows(con, select, [{"files": [paths[i] for i in group], "ids": [ids[i] for i in group],
                                           "now": now} for group in by_day.values()], staging)
        if not staged:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {BATCH} AS {lake_files_relation([])}")
            return 0
        days = staged_days(con, staged)
        if staged_rows_are_new(con, days, lake_dir):
            moved = move_staged_rows(con, days, staging, run, lake_dir)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {BATCH} AS {lake_files_relation(moved)}")
            return con.execute(f"SELECT count(*) FROM {BATCH}").fetchone()[0]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {BATCH} AS {lake_files_relation([str(f) for f in staged])}")
    return append_events(con, BATCH, lake_dir)


def ingest_events(db_path: str | Path, events_dir: str | Path) -> EventLoadSummary:
    """Ingest pending event files and publish the warehouse atomically (no publish when nothing is new)."""
    if Path(db_path).exists():
        with read_only(db_path) as con:
            if "raw" in {s for (s,) in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()} \
                    and not pending_event_files(con, events_dir):
                total = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
                return EventLoadSummary(0, 0, total)
    with write_transaction(db_path) as con:
        return ingest_events_into(con, events_dir)
