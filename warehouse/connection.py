"""DuckDB connections: short read-only readers, a sandbox for typed SQL, and the one writer."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import duckdb


class WarehouseMissing(RuntimeError):
    """Raised when the warehouse file has not been built yet (the message names no server path)."""

    code = "warehouse_missing"

    def __init__(self, message: str = "the warehouse has not been built yet; run `python -m pipelines build`"):
        super().__init__(message)


class WarehouseUnreadable(WarehouseMissing):
    """Raised when the warehouse file exists but is corrupt, truncated or unreadable."""

    code = "warehouse_unreadable"

    def __init__(self, reason: str = "corrupt or truncated"):
        super().__init__(f"the warehouse file cannot be read ({reason}); rebuild it with `python -m pipelines build`")


@contextlib.contextmanager
def read_only(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only for one short unit of work, then close it.

    Closing matters: DuckDB caches an open database per process, so a long-lived reader would
    keep answering from the old file after a pipeline publishes a new one.
    """
    path = Path(db_path)
    if not path.exists():
        raise WarehouseMissing()
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:   # empty, garbage or half a file: a 503, never a traceback
        raise WarehouseUnreadable("not a readable DuckDB file") from exc
    except PermissionError as exc:
        raise WarehouseUnreadable("permission denied") from exc
    try:
        yield con
    except duckdb.IOException as exc:   # a block missing under a query (a truncated file)
        raise WarehouseUnreadable("a data block cannot be read") from exc
    finally:
        con.close()


@contextlib.contextmanager
def sandboxed(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Read-only connection for SQL typed by a person: no file system, settings locked."""
    with read_only(db_path) as con:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        yield con
