"""DuckDB connections: short read-only readers, a sandbox for typed SQL, and the one writer."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import duckdb


class WarehouseMissing(RuntimeError):
    """Raised when the warehouse file has not been built yet."""


@contextlib.contextmanager
def read_only(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only for one short unit of work, then close it.

    Closing matters: DuckDB caches an open database per process, so a long-lived reader would
    keep answering from the old file after a pipeline publishes a new one.
    """
    path = Path(db_path)
    if not path.exists():
        raise WarehouseMissing(f"warehouse not found at {path}; run `python -m pipelines build`")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def sandboxed(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection for SQL typed by a person: no file system, settings locked."""
    with read_only(db_path) as con:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        yield con
