"""The event lake: immutable, Hive-partitioned Parquet files that core.events reads through a view.

Layout (under `get_settings().lake_dir`, EDULOOP_LAKE):

    events/date=YYYY-MM-DD/part-<run>-<n>.parquet   zstd; partition = UTC date of ts
    _staging/<run>/date=.../part-<run>-<n>.parquet   a writer's files before they are moved in
    _replaced/<run>/                                 the events a fresh build set aside (restored if it fails)

Files hold only types Spark reads as they are (event_id and payload as text); the view casts them back
to the warehouse's types (UUID, JSON). A writer never rewrites a file: it stages new rows, then moves
each file into its partition with `os.replace`, so a reader sees whole files only and a killed writer
leaves at most a stale staging folder (removed by the next writer) or files whose events the next run's
anti-join skips. The anti-join reads only the partitions a batch touches, never the whole lake.
"""
from __future__ import annotations

import contextlib
import os
import queue
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import duckdb

from warehouse.settings import get_settings

# Columns of the Parquet files (portable types) and of the core.events view (the warehouse's types).
LAKE_COLUMNS = {
    "event_id": "VARCHAR", "event": "VARCHAR", "ts": "TIMESTAMP", "session_id": "VARCHAR", "page": "VARCHAR",
    "student_id": "VARCHAR", "variant": "VARCHAR", "model_version": "VARCHAR", "predicted": "DOUBLE",
    "payload": "VARCHAR", "file_id": "INTEGER", "ingested_at": "TIMESTAMP", "source": "VARCHAR",
}
VIEW_TYPES = {**LAKE_COLUMNS, "event_id": "UUID", "payload": "JSON"}
EVENTS = "events"
STAGING = "_staging"
REPLACED = "_replaced"
PARTITION = "date"
# zstd at level 1, Parquet 2 pages (delta encodings) and dictionaries only for columns with few values:
# ~25 % less CPU than level 1 with Parquet 1 pages, 10 % fewer bytes. The unique event ids are two thirds of
# a file and gain nothing from a dictionary: building one and falling back cost more than the rest.
PARQUET_OPTIONS = ("FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARQUET_VERSION V2, "
                   "DICTIONARY_SIZE_LIMIT 1000, STRING_DICTIONARY_PAGE_SIZE_LIMIT 4096")


def lake_for(db_path: str | Path | None, recorded: Path | None = None) -> Path | None:
    """The event lake of a warehouse file. EDULOOP_LAKE when set; else the lake the warehouse records
    (`recorded`: a copied warehouse keeps reading its events); else $EDULOOP_DATA_DIR/lake for the configured
    warehouse (EDULOOP_DB) and `<name>.lake/` beside any other file, so that a build of another warehouse
    (a test, `--db /tmp/x.duckdb`) never adds to, or resets, the configured warehouse's events."""
    settings = get_settings()
    if settings.lake_dir != settings.data_dir / "lake":   # EDULOOP_LAKE set: the operator's choice
        return settings.lake_dir
    if recorded is not None and (recorded.exists() or db_path is None):   # a moved data folder: the default
        return recorded
    if db_path is None:   # a warehouse in memory has no lake of its own
        return None
    path = Path(db_path)
    if path.resolve() == settings.db_path.resolve():
        return settings.lake_dir
    return path.with_name(f"{path.stem}.lake")


def recorded_lake(con) -> Path | None:
    """The lake a warehouse recorded in core.build_info (None for a new or a pre-lake warehouse)."""
    try:
        row = con.execute("SELECT value FROM core.build_info WHERE key = 'lake_dir'").fetchone()
    except duckdb.CatalogException:
        return None
    return Path(row[0]) if row else None


def connection_lake(con) -> Path | None:
    """The lake of the warehouse file a connection has open (None in memory: pass a lake explicitly)."""
    recorded = recorded_lake(con)
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    return lake_for(None if path in (None, "", ":memory:") else path, recorded)


def events_root(lake_dir: str | Path) -> Path:
    """The folder holding the date partitions."""
    return Path(lake_dir) / EVENTS


def events_glob(lake_dir: str | Path) -> str:
    """The glob every event file matches (staging folders do not)."""
    return str(events_root(lake_dir).resolve() / "*" / "*.parquet")


def partition_dir(lake_dir: str | Path, day: date) -> Path:
    """The Hive folder of one UTC day."""
    return events_root(lake_dir) / f"{PARTITION}={day:%Y-%m-%d}"


def partition_files(lake_dir: str | Path, days: Iterable[date]) -> list[str]:
    """Every event file of the given days (only those folders are listed)."""
    files = []
    for day in sorted(set(days)):
        folder = partition_dir(lake_dir, day)
        if folder.is_dir():
            files.extend(str(p.resolve()) for p in sorted(folder.glob("*.parquet")))
    return files


def lake_has_files(lake_dir: str | Path) -> bool:
    """True when at least one event file exists (read_parquet fails on a glob that matches nothing)."""
    root = events_root(lake_dir)
    if not root.is_dir():
        return False
    return any(True for folder in root.iterdir() if folder.is_dir() for _ in folder.glob("*.parquet"))


def _casts(types: dict[str, str]) -> str:
    """A select list casting every lake column to the given types."""
    return ", ".join(f"CAST({name} AS {types[name]}) AS {name}" for name in LAKE_COLUMNS)


# An empty relation of the lake's columns (read_parquet needs at least one file).
_NO_ROWS = "(SELECT " + ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in LAKE_COLUMNS.items()) \
    + ") WHERE false"


def _literal(text: str) -> str:
    """A SQL string literal of one of our own paths (CREATE VIEW takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def events_view_sql(lake_dir: str | Path | None, visible_until: datetime | None) -> str:
    """CREATE VIEW core.events over the lake's files written up to `visible_until` (an ingested_at), or over
    an empty typed relation while there is nothing to read."""
    columns = _casts(VIEW_TYPES)
    if lake_dir is not None and visible_until is not None and lake_has_files(lake_dir):
        source = (f"read_parquet({_literal(events_glob(lake_dir))}, hive_partitioning = true) "
                  f"WHERE ingested_at IS NULL OR ingested_at <= TIMESTAMP {_literal(visible_until.isoformat())}")
    else:
        source = _NO_ROWS
    return f"CREATE OR REPLACE VIEW core.events AS SELECT {columns} FROM {source}"


def create_events_view(con, lake_dir: str | Path | None, visible_until: datetime | None = None) -> None:
    """(Re)create core.events over the lake, recording the lake's folder and how far the view reads.

    The view shows the rows of ingests this warehouse published (ingested_at <= `visible_until`, kept in
    core.build_info when not given): a session held open keeps its snapshot while the next ingest moves
    files in, and files of a killed ingest stay hidden until the run that takes them over publishes.
    """
    if visible_until is None:
        visible_until = lake_state(con)[1]
    con.execute(events_view_sql(lake_dir, visible_until))
    if lake_dir is None:   # a warehouse in memory without a lake: an empty core.events
        return
    con.executemany("INSERT OR REPLACE INTO core.build_info (key, value) VALUES (?, ?)",
                    [["lake_dir", str(Path(lake_dir).resolve())]]
                    + ([["lake_visible_until", visible_until.isoformat()]] if visible_until else []))


def lake_state(con) -> tuple[Path | None, datetime | None]:
    """(the lake core.events reads, the last ingested_at it shows); lake None while events are in a table."""
    facts = dict(con.execute("SELECT key, value FROM core.build_info "
                             "WHERE key IN ('lake_dir', 'lake_visible_until')").fetchall())
    is_view = con.execute("SELECT count(*) FROM duckdb_views() "
                          "WHERE schema_name = 'core' AND view_name = 'events'").fetchone()[0]
    until = facts.get("lake_visible_until")
    return (Path(facts["lake_dir"]) if is_view and "lake_dir" in facts else None,
            datetime.fromisoformat(until) if until else None)


def lake_dir_of(con) -> Path | None:
    """The lake a warehouse's core.events reads (None for a warehouse that still holds events in a table)."""
    return lake_state(con)[0]


def _repeated_id_hashes(con, source: str, params: dict | None = None) -> int:
    """How many rows of relation `source` (our SQL) repeat the 64-bit hash of an earlier row's event_id (0: every
    id differs). Sorting 10 M hashes and comparing neighbours takes half the time of grouping them."""
    return con.execute(f"""SELECT count(*) FROM (SELECT h = lag(h) OVER (ORDER BY h) AS same
                                                 FROM (SELECT hash(event_id) AS h FROM {source})) WHERE same""",
                       params or {}).fetchone()[0]


def drop_repeated_ids(con, table: str) -> int:
    """Keep one row per event_id in TEMP TABLE `table` (a name from our code); return rows dropped.

    A client may re-send an event (same id) within one batch. Checking a 64-bit hash of the id is far
    cheaper than de-duplicating while parsing JSON; the exact clean-up only runs when a hash repeats.
    """
    if not _repeated_id_hashes(con, table):
        return 0
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con.execute(f"DELETE FROM {table} WHERE rowid NOT IN (SELECT min(rowid) FROM {table} GROUP BY event_id)")
    return before - con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def batch_days(con, table: str) -> list[date]:
    """The UTC days the rows of `table` fall on (its partitions)."""
    return [d for (d,) in con.execute(f"SELECT DISTINCT CAST(ts AS DATE) FROM {table} ORDER BY 1").fetchall()]


def drop_events_in_lake(con, table: str, lake_dir: str | Path, visible_until: datetime | None = None) -> int:
    """Delete from `table` the events already in the lake, reading only the partitions it touches.

    A writer passes no `visible_until` (every file counts, a killed run's too); a reader passes the
    warehouse's, so it drops only what its core.events shows.
    """
    files = partition_files(lake_dir, batch_days(con, table))
    if not files:
        return 0
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    # Compared as text: the lake holds canonical UUID text, and printing a UUID is ~10x cheaper than parsing one.
    con.execute(f"""DELETE FROM {table} WHERE CAST(event_id AS VARCHAR) IN (
                        SELECT event_id FROM read_parquet($files)
                        WHERE $until IS NULL OR ingested_at IS NULL OR ingested_at <= $until)""",
                {"files": files, "until": visible_until})
    return before - con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def clean_staging(lake_dir: str | Path) -> int:
    """Remove staging folders of writers that died (call with the pipeline lock held)."""
    root = Path(lake_dir) / STAGING
    removed = 0
    if root.is_dir():
        for stale in root.iterdir():
            shutil.rmtree(stale, ignore_errors=True)
            removed += 1
    return removed


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_run_id() -> str:
    """A unique, sortable name for one writer run (file names and staging folders)."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's entry to disk (a rename is durable once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_day(con, source: str, day: date, file: Path, params: dict | None = None) -> None:
    """COPY the rows of one UTC day of relation `source` (our SQL) into one Parquet file."""
    con.execute(f"""COPY (SELECT {_casts(LAKE_COLUMNS)} FROM {source}
                          WHERE ts >= $day::TIMESTAMP AND ts < $day::TIMESTAMP + INTERVAL 1 DAY)
                    TO $file ({PARQUET_OPTIONS})""", {**(params or {}), "day": day, "file": str(file)})


def _staged_file(staging: Path, day: date, run: str, n: int) -> Path:
    """Where a staged file of one day waits to be moved into its partition."""
    folder = staging / f"{PARTITION}={day:%Y-%m-%d}"
    folder.mkdir(exist_ok=True)
    return folder / f"part-{run}-{n}.parquet"


def _move_staged(staging: Path, lake_dir: str | Path) -> list[str]:
    """Move every staged day file into its partition (durably); return the files' new paths."""
    moved = []
    for folder in sorted(p for p in staging.iterdir() if p.is_dir() and p.name.startswith(f"{PARTITION}=")):
        target = events_root(lake_dir) / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for part in sorted(folder.glob("*.parquet")):
            fsync_path(part)
            os.replace(part, target / part.name)
            moved.append(str((target / part.name).resolve()))
        fsync_path(target)
    return moved


@contextlib.contextmanager
def staging_folder(lake_dir: str | Path) -> Iterator[tuple[Path, str]]:
    """A new writer's staging folder and run id; removed afterwards, so a failed write (a full disk) frees
    its space at once. Files already moved into partitions stay: the next run's anti-join skips them."""
    run = new_run_id()
    staging = Path(lake_dir) / STAGING / run
    staging.mkdir(parents=True)
    try:
        yield staging, run
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def append_events(con, table: str, lake_dir: str | Path) -> int:
    """Write the rows of TEMP TABLE `table` (core.events columns) that the lake lacks; return rows written.

    Repeats within the batch and events already in the lake are dropped first, so afterwards `table` holds
    exactly the rows written (what the aggregates add). Files are staged, then moved into their partitions.
    """
    drop_repeated_ids(con, table)
    drop_events_in_lake(con, table, lake_dir)
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if not rows:
        return 0
    with staging_folder(lake_dir) as (staging, run):
        # One COPY per day rather than PARTITION_BY: 1.75x faster at 10 M events (the batch's row groups carry
        # ts min/max, so each day's scan skips most of the others). Unsorted: sorting doubled the time.
        for day in batch_days(con, table):
            _write_day(con, table, day, _staged_file(staging, day, run, 0))
        _move_staged(staging, lake_dir)
    return rows


def stage_rows(con, select_sql: str, param_sets: list[dict], staging: Path) -> list[Path]:
    """COPY the rows of a SELECT of core.events columns (our SQL), once per parameter set, straight into
    staged Parquet files (`staging`/_rows/); return the files that have rows.

    Reading and writing in one pass costs about two thirds of the CPU of loading a table and writing it
    out day by day. One COPY of a day's logs keeps ~1.6 of 2 cores busy, so one runs per core at a time.
    """
    folder = staging / "_rows"
    folder.mkdir(exist_ok=True)
    files = [folder / f"rows-{n}.parquet" for n in range(len(param_sets))]
    sql = f"COPY (SELECT {_casts(LAKE_COLUMNS)} FROM ({select_sql})) TO $file ({PARQUET_OPTIONS})"
    workers = max(1, min(len(param_sets), os.cpu_count() or 1))
    idle: queue.SimpleQueue = queue.SimpleQueue()   # a cursor runs one statement at a time
    cursors = [con.cursor() for _ in range(workers)]
    for cursor in cursors:
        idle.put(cursor)

    def copy(params: dict, file: Path) -> int:
        cursor = idle.get()
        try:
            return cursor.execute(sql, {**params, "file": str(file)}).fetchone()[0]
        finally:
            idle.put(cursor)

    try:
        with ThreadPoolExecutor(workers) as pool:
            counts = list(pool.map(copy, param_sets, files))   # re-raises a failed write (a full disk)
    finally:
        for cursor in cursors:
            cursor.close()
    kept = []
    for file, rows in zip(files, counts):
        if rows:
            kept.append(file)
        else:
            file.unlink()
    return kept


def staged_days(con, files: list[Path]) -> dict[Path, list[date]]:
    """The UTC days the rows of each staged file fall on (one scan of their ts columns)."""
    days: dict[Path, list[date]] = {file: [] for file in files}
    by_name = {str(file): file for file in files}
    for name, day in con.execute("""SELECT DISTINCT filename, CAST(ts AS DATE)
                                    FROM read_parquet($files, filename = true) ORDER BY 1, 2""",
                                 {"files": list(by_name)}).fetchall():
        days[by_name[name]].append(day)
    return days


def staged_rows_are_new(con, days: dict[Path, list[date]], lake_dir: str | Path) -> bool:
    """True when the staged files (with their `staged_days`) repeat no event_id, among themselves or with the
    lake's files of their days."""
    params = {"files": [str(f) for f in days]}
    if _repeated_id_hashes(con, "read_parquet($files)", params):
        return False
    existing = partition_files(lake_dir, {day for file_days in days.values() for day in file_days})
    if not existing:
        return True
    return not con.execute("""SELECT count(*) FROM read_parquet($files)
                              WHERE event_id IN (SELECT event_id FROM read_parquet($existing))""",
                           {**params, "existing": existing}).fetchone()[0]


def move_staged_rows(con, days: dict[Path, list[date]], staging: Path, run: str, lake_dir: str | Path) -> list[str]:
    """Move staged files (with their `staged_days`, checked by `staged_rows_are_new`) into their day partitions;
    return the new paths.

    A file whose rows fall on one UTC day (an event log holds one day of one process) is moved as it is;
    any other is split into one file per day first.
    """
    for n, (file, file_days) in enumerate(days.items()):
        if len(file_days) == 1:
            os.replace(file, _staged_file(staging, file_days[0], run, n))
            continue
        for day in file_days:
            _write_day(con, "read_parquet($source)", day, _staged_file(staging, day, run, n), {"source": str(file)})
        file.unlink()
    return _move_staged(staging, lake_dir)


def lake_files_relation(files: list[str]) -> str:
    """A SELECT of core.events columns (the warehouse's types) over the given lake files (our paths)."""
    if not files:
        return f"SELECT {_casts(VIEW_TYPES)} FROM {_NO_ROWS}"
    return f"SELECT {_casts(VIEW_TYPES)} FROM read_parquet([{', '.join(_literal(f) for f in files)}])"


# ---- a fresh build starts from an empty lake --------------------------------------------------------
def set_aside_events(lake_dir: str | Path, run: str) -> Path | None:
    """Move the events folder to _replaced/<run> (a full rebuild re-ingests every log); None if empty."""
    root = events_root(lake_dir)
    if not root.exists():
        return None
    aside = Path(lake_dir) / REPLACED / run
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.replace(root, aside)
    return aside


def restore_events(lake_dir: str | Path, aside: Path) -> None:
    """Put set-aside events back (the rebuild that replaced them did not publish)."""
    shutil.rmtree(events_root(lake_dir), ignore_errors=True)
    os.replace(aside, events_root(lake_dir))


def recover_replaced(lake_dir: str | Path, published_run: str | None) -> None:
    """After a killed rebuild: restore events it set aside unless its warehouse was published.

    `published_run` is core.build_info.lake_generation of the published warehouse.
    """
    root = Path(lake_dir) / REPLACED
    if not root.is_dir():
        return
    for aside in sorted(root.iterdir()):
        if aside.name == published_run:
            shutil.rmtree(aside, ignore_errors=True)
        else:
            restore_events(lake_dir, aside)


@contextlib.contextmanager
def fresh_events(lake_dir: str | Path, run: str) -> Iterator[None]:
    """Empty the events folder for a rebuild; restore it if the rebuild fails, drop it once it published."""
    aside = set_aside_events(lake_dir, run)
    try:
        yield
    except BaseException:
        if aside is not None:
            restore_events(lake_dir, aside)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def load_events(con, select_sql: str, params=None, lake_dir: str | Path | None = None) -> int:
    """Write the rows of a SELECT of core.events columns (missing ones NULL) into the lake and show them in
    core.events; return rows written. `select_sql` is our own SQL (a migration, tests, benches)."""
    lake_dir = lake_dir if lake_dir is not None else lake_dir_of(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE loaded_events AS {select_sql}", params or {})
    given = {name for (name,) in con.execute("SELECT column_name FROM (DESCRIBE loaded_events)").fetchall()}
    columns = ", ".join(f"CAST({name if name in given else 'NULL'} AS {VIEW_TYPES[name]}) AS {name}"
                        for name in LAKE_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE loaded_events AS SELECT {columns} FROM loaded_events")
    written = append_events(con, "loaded_events", lake_dir)
    con.execute("DROP TABLE loaded_events")
    create_events_view(con, lake_dir, _now())
    return written


def move_table_to_lake(con, lake_dir: str | Path | None) -> int:
    """Migration 007's file step: write core.events_before_lake into the lake and drop it; return rows written."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'core' "
                       "AND table_name = 'events_before_lake'").fetchone()[0]:
        return 0
    if lake_dir is None:
        raise ValueError("a warehouse in memory has no event lake for its events: pass lake_dir")
    written = load_events(con, "SELECT * FROM core.events_before_lake", lake_dir=lake_dir)
    con.execute("DROP TABLE core.events_before_lake")
    return written
