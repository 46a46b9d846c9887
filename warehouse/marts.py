"""The marts the app reads, each defined once: one SQL file per mart (warehouse/sql/marts/NAME.sql).

A definition is one SELECT in a portable subset of DuckDB SQL over relations named by bare names: `events`
(the event rows: the lake, core.events, the pending or just-ingested events) or a mart computed before it.
DuckDB runs the file's text unchanged: the `marts` job over the Parquet lake, ingest's rebuild and
incremental paths and the Operations tab's live path (warehouse/ops_marts.py, bound to their sources by
`bind`). Apache Spark runs the same text transpiled by sqlglot (`spark_sql`) - a translation made at run
time from the one file, never a second copy kept by hand.

Why SQL + sqlglot and not one DataFrame definition (PySpark's API, or Ibis): the marts are plain
relational steps (group, distinct, window) that SQL states directly and analysts can read and run; the
default install stays light (sqlglot is pure Python, only the Spark path imports it, while a DataFrame
API would make Spark or a multi-backend library a dependency of every install); and DuckDB keeps running
exactly the SQL in the file. The portable subset is enforced by tests that run every mart on both
engines over one demo lake and require identical rows: no DuckDB-only function without a faithful Spark
mapping (sessions are keyed by their id text, not DuckDB's hash(); JSON is read with json_extract_string,
which sqlglot maps to get_json_object), no float sums whose value depends on summation order.
"""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from warehouse.schema import sql_code

# Every mart, in the order they are computed, with the one relation each reads: `events` or an earlier mart.
MART_INPUTS = {
    "event_counts_daily": "events",
    "session_days": "events",
    "variant_sessions": "events",
    "error_events": "events",
    "session_day_counts": "session_days",
    "variant_users": "variant_sessions",
}
EVENTS = "events"


def mart_table(name: str) -> str:
    """The warehouse table a mart is loaded into."""
    return f"mart.{name}"


def definitions(folder: str | Path | None = None) -> dict[str, str]:
    """Every mart's SELECT (comments dropped), in computation order; from `folder` instead of the package's."""
    if folder is None:
        return dict(_packaged_definitions())
    return {name: sql_code((Path(folder) / f"{name}.sql").read_text(encoding="utf-8")) for name in MART_INPUTS}


@functools.cache
def _packaged_definitions() -> tuple[tuple[str, str], ...]:
    root = resources.files("warehouse").joinpath("sql", "marts")
    return tuple((name, sql_code(root.joinpath(f"{name}.sql").read_text(encoding="utf-8"))) for name in MART_INPUTS)


def bind(sql: str, relations: dict[str, str]) -> str:
    """A definition with its bare input names bound to other relations (DuckDB; fixed names, never user input).

    Bound as CTEs, which DuckDB inlines (a relation read once is not materialised), so filters and column
    pruning still reach the source; wrapped so the result may stand anywhere a SELECT may (after UNION ALL).
    """
    ctes = ", ".join(f"{name} AS (SELECT * FROM {source})" for name, source in relations.items())
    return f"SELECT * FROM (WITH {ctes} SELECT * FROM (\n{sql}\n) AS mart) AS bound"


def spark_sql(sql: str) -> str:
    """A definition (DuckDB dialect) transpiled to Spark SQL by sqlglot."""
    import sqlglot

    statements = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    if len(statements) != 1:
        raise ValueError(f"a mart definition is one SELECT, got {len(statements)} statements")
    return statements[0]
