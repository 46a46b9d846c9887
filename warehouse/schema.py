"""The warehouse schema: packaged DDL and views (warehouse/sql/), KPI definitions (sql/metrics/) and
numbered migrations (warehouse/migrations/NNN_name.sql) recorded in core.schema_version.

`apply_schema` creates what is missing (CREATE ... IF NOT EXISTS: a new warehouse gets the current
layout at once, and every migration is recorded as applied), then runs the migrations an existing
warehouse has not had, in order, then (re)creates the views, which may read migrated columns.
A warehouse written before core.schema_version existed has no record, so migrations 001-004 are
idempotent; later ones run exactly once.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.lake import connection_lake, create_events_view, move_table_to_lake

SQL_FILES = ("00_schemas.sql", "10_raw.sql", "20_core.sql", "30_quarantine.sql", "40_ml.sql", "45_ops.sql",
             "46_recsys.sql", "47_experiments.sql", "50_mart.sql")
# The per-event form of core.events that KPI definitions read in the analysts' views.
EVENT_COUNTS = "(SELECT CAST(ts AS DATE) AS day, event, page, variant, 1 AS events FROM core.events)"
_METRIC_REF = re.compile(r"\{metric:(\w+)(?::([a-z_]+\.[a-z_]+))?\}")
_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")
# Migrations with a file step after their SQL (version -> function(con, lake_dir)).
_MIGRATION_FILE_STEPS = {7: move_table_to_lake}


def read_sql(name: str) -> str:
    """Return the text of a packaged .sql file, each `{metric:NAME}` replaced by that KPI over core.events
    (`{metric:NAME:schema.relation}`: over that relation)."""
    text = resources.files("warehouse").joinpath("sql", name).read_text(encoding="utf-8")
    return _METRIC_REF.sub(lambda m: metric_sql(m.group(1), m.group(2) or EVENT_COUNTS), text)


def sql_code(text: str) -> str:
    """SQL text without its whole-line `--` comments."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def metric_sql(name: str, source: str) -> str:
    """The one SELECT of KPI `name` (warehouse/sql/metrics/NAME.sql) over a source relation (fixed SQL only)."""
    text = resources.files("warehouse").joinpath("sql", "metrics", f"{name}.sql").read_text(encoding="utf-8")
    return sql_code(text).replace("{source}", source)


def migrations() -> list[tuple[int, str, str]]:
    """Every packaged migration as (version, name, sql), in version order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
        elif entry.name.endswith(".sql"):
            raise ValueError(f"warehouse/migrations/{entry.name}: name must be NNN_words.sql")
    versions = [version for version, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("warehouse/migrations: two migrations share a number")
    return sorted(found)


def table_columns(con, schema: str, table: str) -> set[str]:
    """Column names of one table (empty when it does not exist)."""
    return {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [schema, table]).fetchall()}


def _is_view(statement: str) -> bool:
    return sql_code(statement).lstrip().upper().startswith("CREATE OR REPLACE VIEW")


def schema_version(con) -> int:
    """The highest migration recorded in core.schema_version (0 when none is)."""
    if not table_columns(con, "core", "schema_version"):
        return 0
    return int(con.execute("SELECT coalesce(max(version), 0) FROM core.schema_version").fetchone()[0])


def apply_schema(con: duckdb.DuckDBPyConnection, lake_dir: str | Path | None = None) -> list[int]:
    """Create what is missing, run pending migrations, (re)create the views; return the versions run.

    core.events is a view over the event lake `lake_dir` (default: the lake of the connection's file,
    warehouse.lake.connection_lake; none in memory, where core.events stays empty until one is given).
    """
    if lake_dir is None:
        lake_dir = connection_lake(con)
    fresh = not table_columns(con, "core", "events") and not table_columns(con, "core", "schema_version")
    statements = [s.query for name in SQL_FILES for s in duckdb.extract_statements(read_sql(name))]
    for statement in statements:
        if not _is_view(statement):
            con.execute(statement)
    done = {v for (v,) in con.execute("SELECT version FROM core.schema_version").fetchall()}
    ran = []
    for version, name, sql in migrations():
        if version in done:
            continue
        if not fresh:   # a new warehouse already has the current layout
            con.execute(sql)
            if version in _MIGRATION_FILE_STEPS:
                _MIGRATION_FILE_STEPS[version](con, lake_dir)
            ran.append(version)
        con.execute("INSERT INTO core.schema_version VALUES (?, ?, now()::TIMESTAMP)", [version, name])
    # Imported here: interaction_store builds on this module. Its view is made from the catalog, not a file.
    from warehouse.interaction_store import refresh_interactions_view

    refresh_interactions_view(con)
    create_events_view(con, lake_dir)   # before the views that read it
    for statement in statements:
        if _is_view(statement):
            con.execute(statement)
    return ran
