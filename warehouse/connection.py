"""DuckDB connections: short read-only readers, a sandbox for typed SQL, and the one writer."""
from __future__ import annotations

import contextlib
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb

SQL_FILES = ("00_schemas.sql", "10_raw.sql", "20_core.sql", "30_quarantine.sql", "40_ml.sql", "45_ops.sql",
             "46_recsys.sql", "50_mart.sql")


class WarehouseMissing(RuntimeError):
    """Raised when the warehouse file has not been built yet."""


def read_sql(name: str) -> str:
    """Return the text of a packaged .sql file."""
    return resources.files("warehouse").joinpath("sql", name).read_text(encoding="utf-8")


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema, table and view (idempotent), upgrading an older layout first."""
    for name in SQL_FILES:
        if name == "50_mart.sql":
            from warehouse.provenance import upgrade_provenance_columns

            upgrade_event_file_ids(con)
            upgrade_provenance_columns(con)
        con.execute(read_sql(name))


def table_columns(con, schema: str, table: str) -> set[str]:
    """Column names of one table (empty when it does not exist)."""
    return {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, table]).fetchall()}


def upgrade_event_file_ids(con) -> bool:
    """Move a warehouse written before events carried a file_id (they kept the path) to file_ids.

    Idempotent; returns True when it changed something. Writers insert BY NAME, so the column
    order an upgraded table ends up with does not matter.
    """
    if "file_id" not in table_columns(con, "raw", "event_files"):
        con.execute("ALTER TABLE raw.event_files ADD COLUMN file_id INTEGER")
        con.execute("""UPDATE raw.event_files SET file_id = r.n
                       FROM (SELECT path, CAST(row_number() OVER (ORDER BY path) AS INTEGER) AS n
                             FROM raw.event_files) r WHERE raw.event_files.path = r.path""")
    if "source_file" not in table_columns(con, "core", "events"):
        return False
    con.execute("ALTER TABLE core.events ADD COLUMN IF NOT EXISTS file_id INTEGER")
    con.execute("""UPDATE core.events SET file_id = f.file_id FROM raw.event_files f
                   WHERE core.events.source_file = f.path""")
    con.execute("ALTER TABLE core.events DROP COLUMN source_file")
    return True


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


def query_df(db_path: str | Path, sql: str, params: list | dict | None = None):
    """Run one parameterized query on a short read-only connection and return a DataFrame."""
    with read_only(db_path) as con:
        return con.execute(sql, params or []).df()
