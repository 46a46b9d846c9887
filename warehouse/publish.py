"""The single-writer protocol: copy the published file, change the copy, publish it atomically.

DuckDB lets one process write a file only while nobody else has it open (even read-only), and an
analyst's session may stay open for hours. So pipelines never write the published file in place:
they take an exclusive pipeline lock, copy the file next to it, write the copy, checkpoint, and
`os.replace` it over the published name. Readers that are already connected keep the old inode;
new connections see the new data. A crash leaves only an orphan temp file, never a half-written
warehouse.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb

from warehouse.lake import (
    REPLACED,
    clean_staging,
    fresh_events,
    fsync_path,
    lake_for,
    new_run_id,
    recorded_lake,
    recover_replaced,
)
from warehouse.schema import apply_schema
from warehouse.settings import get_settings

STORAGE_COMPATIBILITY = "v1.5.0"


def published_version(db_path: str | Path) -> tuple[int, int, int]:
    """The published warehouse's identity (inode, mtime, size): every publish is a new file, so a new key.

    The one "has the warehouse changed?" key of every cache of warehouse reads. FileNotFoundError if absent.
    """
    stat = os.stat(db_path)
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def pipeline_lock(db_path: Path) -> Iterator[None]:
    """Serialize writers of one warehouse across processes (blocking flock)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(db_path), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_orphans(db_path: Path) -> int:
    """Remove temp files left by crashed writers (call with the pipeline lock held)."""
    removed = 0
    for orphan in db_path.parent.glob(db_path.name + ".next-*"):
        orphan.unlink(missing_ok=True)
        removed += 1
    return removed


def _published_lake_generation(db_path: Path) -> str | None:
    """core.build_info.lake_generation of the published warehouse (None if there is none)."""
    if not db_path.exists():
        return None
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        row = con.execute("SELECT value FROM core.build_info WHERE key = 'lake_generation'").fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return row[0] if row else None


def _recover_lake(db_path: Path, lake_dir: Path) -> None:
    """Undo what a killed writer left in the lake: its staging files, events a killed rebuild set aside."""
    clean_staging(lake_dir)
    if (lake_dir / REPLACED).is_dir():
        recover_replaced(lake_dir, _published_lake_generation(db_path))


@contextlib.contextmanager
def write_transaction(db_path: str | Path, *, fresh: bool = False,
                      lake_dir: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a private copy; publish it atomically on success.

    With `fresh=True` the copy starts empty (a full rebuild) and so does its event lake's events folder
    (set aside, restored if the rebuild fails); otherwise it starts from the published file. On any
    exception the copy is discarded and the published file is untouched. core.events reads the lake
    `lake_dir` (default: warehouse.lake.lake_for).
    """
    db_path = Path(db_path)
    with pipeline_lock(db_path):
        clean_orphans(db_path)
        run = new_run_id()
        tmp = db_path.with_name(f"{db_path.name}.next-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        con = None
        lake = Path(lake_dir) if lake_dir is not None else None
        if fresh:
            lake = lake or lake_for(db_path)
            _recover_lake(db_path, lake)
        with fresh_events(lake, run) if fresh else contextlib.nullcontext():
            try:
                # Inside the try: a copy that fails half way (a full disk) must not leave an orphan.
                if db_path.exists() and not fresh:
                    shutil.copyfile(db_path, tmp)
                # Files stay readable by the DuckDB 1.5 CLI (`duckdb -readonly`) and older drivers (DBeaver).
                con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_COMPATIBILITY,
                                                       # A bounded buffer pool: big builds spill instead of swelling.
                                                       "memory_limit": get_settings().writer_memory_limit})
                if not fresh:
                    lake = lake or lake_for(db_path, recorded_lake(con))
                    _recover_lake(db_path, lake)
                apply_schema(con, lake)
                if fresh:   # names the events folder this rebuild owns (see _recover_lake)
                    con.execute("INSERT OR REPLACE INTO core.build_info (key, value) VALUES ('lake_generation', ?)",
                                [run])
                yield con
                con.execute(
                    "INSERT OR REPLACE INTO core.build_info VALUES ('refreshed_at', ?)",
                    [datetime.now(timezone.utc).isoformat(timespec="seconds")],
                )
                con.execute("CHECKPOINT")
                con.close()
                os.replace(tmp, db_path)
                fsync_path(db_path.parent)
            except BaseException:
                if con is not None:
                    with contextlib.suppress(Exception):
                        con.close()
                tmp.unlink(missing_ok=True)
                Path(str(tmp) + ".wal").unlink(missing_ok=True)
                raise
