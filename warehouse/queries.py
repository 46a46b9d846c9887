"""Named read queries for the app and API (bound parameters only; identifiers from allowlists)."""
from __future__ import annotations

import pandas as pd

FILTER_COLUMNS = ("gender", "race_ethnicity", "parental_education", "lunch", "test_prep")
SCORE_COLUMNS = ("math_score", "reading_score", "writing_score")
HEALTH_TABLES = ("core.students", "core.materials", "core.interactions", "core.events",
                 "quarantine.rows", "ml.model_registry", "ml.risk_scores", "ml.recommendations", "ml.alerts")


def _filters_sql(filters: dict[str, str | None]) -> tuple[str, dict]:
    clauses, params = [], {}
    for column in FILTER_COLUMNS:
        value = filters.get(column)
        if value:
            clauses.append(f"{column} = ${column}")   # column from the allowlist, value bound
            params[column] = value
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def get_students_df(con, filters: dict[str, str | None], columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Students matching the filters (all columns, or the allowlisted ones asked for)."""
    allowed = set(FILTER_COLUMNS) | set(SCORE_COLUMNS) | {"student_id", "school_id", "class_id", "exam_date"}
    cols = [c for c in columns if c in allowed] or ["*"]
    where, params = _filters_sql(filters)
    return con.execute(f"SELECT {', '.join(cols)} FROM mart.students_overview{where}", params).df()


def get_score_summary_df(con, filters: dict[str, str | None], group_by: str, pass_mark: float) -> pd.DataFrame:
    """Students and mean scores per level of `group_by` (an allowlisted column)."""
    if group_by not in FILTER_COLUMNS:
        raise ValueError(f"cannot group by {group_by!r}")
    where, params = _filters_sql(filters)
    params["pass_mark"] = pass_mark
    return con.execute(f"""
        SELECT {group_by} AS level, count(*) AS students,
               round(avg(math_score), 1) AS math_mean, round(avg(reading_score), 1) AS reading_mean,
               round(avg(writing_score), 1) AS writing_mean,
               round(100.0 * avg(CASE WHEN math_score < $pass_mark THEN 1 ELSE 0 END), 1) AS below_pass_pct
        FROM mart.students_overview{where} GROUP BY 1 ORDER BY 1""", params).df()


def get_score_kpis(con, filters: dict[str, str | None], pass_mark: float) -> dict:
    """Students, mean of each score (None without students) and share of math scores below the pass mark."""
    where, params = _filters_sql(filters)
    params["pass_mark"] = pass_mark
    row = con.execute(f"""
        SELECT count(*), avg(math_score), avg(reading_score), avg(writing_score),
               avg(CASE WHEN math_score < $pass_mark THEN 1.0 ELSE 0.0 END)
        FROM mart.students_overview{where}""", params).fetchone()
    return {"n": int(row[0]), "means": dict(zip(SCORE_COLUMNS, row[1:4])), "below_pass_share": row[4]}


def get_score_bins_df(con, filters: dict[str, str | None], group_by: str, subject: str,
                      bin_size: int) -> pd.DataFrame:
    """Students per level of `group_by` and `bin_size`-point bin of `subject` (bin = its lower edge)."""
    if group_by not in FILTER_COLUMNS or subject not in SCORE_COLUMNS:
        raise ValueError(f"cannot bin {subject!r} by {group_by!r}")
    where, params = _filters_sql(filters)
    params["size"] = int(bin_size)
    return con.execute(f"""
        SELECT {group_by} AS level, CAST(floor({subject} / $size) * $size AS INTEGER) AS bin, count(*) AS students
        FROM mart.students_overview{where} GROUP BY 1, 2 ORDER BY 1, 2""", params).df()


def get_build_info(con) -> dict[str, str]:
    """Key/value facts about the published warehouse."""
    return dict(con.execute("SELECT key, value FROM core.build_info").fetchall())


def get_table_counts(con) -> dict[str, int]:
    """Row counts of the main tables (names from a fixed list)."""
    return {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in HEALTH_TABLES}


HEADER_BYTES = 3 * 4096   # DuckDB's file header and two database headers


def check_tables_read(con, db_path=None) -> None:
    """Check the file holds every block in use and a row of every main table reads; else WarehouseUnreadable."""
    import os

    import duckdb

    from warehouse.connection import WarehouseUnreadable

    if db_path is not None:
        # Each used block has its own place in the file, so a shorter file has lost some (truncated).
        block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size() LIMIT 1").fetchone()
        if os.stat(db_path).st_size < HEADER_BYTES + block_size * used:
            raise WarehouseUnreadable("the file is shorter than its data: truncated")
    for name in HEALTH_TABLES:
        try:
            con.execute(f"SELECT * FROM {name} LIMIT 1").fetchall()   # name from the fixed list
        except duckdb.Error as exc:
            raise WarehouseUnreadable(f"table {name} cannot be read") from exc


def get_production_model(con, task: str = "regression") -> dict | None:
    """The production model's registry row for a task, or None."""
    df = con.execute("SELECT * FROM ml.model_registry WHERE status = 'production' AND task = ? "
                     "ORDER BY created_at DESC LIMIT 1", [task]).df()
    return None if df.empty else df.iloc[0].to_dict()
