"""Named queries of the recommender: model inputs, stored lists, evaluation, the Recommend tab's student search.

Bound parameters only; the few identifiers that vary (filter columns) come from fixed tuples here.
Write helpers are called by pipelines on a write_transaction connection; the app only reads.

Neighbour groups: above a few thousand students the batch job searches neighbours within seeded
random groups of students (pipelines/recsys.py). A student's group is `student_group_sql`, a pure
function of the id, the seed and the number of groups (md5 is stable across DuckDB versions), so
the pipeline and the app always agree on it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from warehouse import model_queries as mq

RECSYS_TASK = "recsys"
MATERIAL_COLUMNS = ("material_id", "title", "subject", "difficulty", "format")
EVAL_METRICS = ("precision", "recall", "ndcg", "map", "hit_rate", "coverage")
RECOMMENDATION_COLUMNS = ("student_id", "rank", "material_id", "score", "method", "model_version", "created_at")
# The student search of the Recommend tab: filter name -> SQL column (values are bound).
SEARCH_FILTERS = {"school_id": "school_id", "test_prep": "test_prep", "lunch": "lunch",
                  "weakest_subject": "weakest_subject"}
# Weakest subject as analytics.recsys.filters.weakest_subject defines it (ties -> math, reading, writing).
WEAKEST_SUBJECT_SQL = """CASE WHEN math_score <= reading_score AND math_score <= writing_score THEN 'math'
                              WHEN reading_score <= writing_score THEN 'reading' ELSE 'writing' END"""


def student_group_sql(column: str = "student_id") -> str:
    """SQL for a student's neighbour group in 0..$groups-1 (parameters $groups and $salt)."""
    # Explicit integer types: with an untyped parameter DuckDB may do the modulo in DOUBLE, which
    # drops the low bits of the hash and leaves most groups empty.
    hashed = f"md5_number_lower(CAST({column} AS VARCHAR) || CAST($salt AS VARCHAR))"
    return f"CAST({hashed} % CAST($groups AS UBIGINT) AS INTEGER)"


def _group_params(n_groups: int, seed: int) -> dict[str, Any]:
    return {"groups": int(n_groups), "salt": f"#{int(seed)}"}


# ---- pipeline inputs ------------------------------------------------------------------------------
def get_materials_df(con) -> pd.DataFrame:
    """The catalogue: material_id, title, subject, difficulty, format (by id)."""
    return con.execute(f"SELECT {', '.join(MATERIAL_COLUMNS)} FROM core.materials ORDER BY material_id").df()


def get_student_groups_df(con, n_groups: int, seed: int) -> pd.DataFrame:
    """Every student with their neighbour group: [student_id, grp], by group then id."""
    return con.execute(f"SELECT student_id, {student_group_sql()} AS grp FROM core.students ORDER BY grp, student_id",
                       _group_params(n_groups, seed)).df()


def get_group_interactions_df(con, n_groups: int, seed: int, group: int | None = None,
                              with_time: bool = False) -> pd.DataFrame:
    """Interactions with the student's group: [student_id, material_id(, rating, ts), grp], by group.

    `group` restricts to one group (the evaluation sample); `with_time` adds rating and ts.
    """
    extra = "i.rating, i.ts, " if with_time else ""
    return con.execute(f"""
        SELECT i.student_id, i.material_id, {extra}{student_group_sql('i.student_id')} AS grp
        FROM core.interactions i
        WHERE CAST($group AS INTEGER) IS NULL OR {student_group_sql('i.student_id')} = CAST($group AS INTEGER)
        ORDER BY grp""",   # the order within a group does not change the fitted matrix
                       {**_group_params(n_groups, seed), "group": group}).df()


def stage_group_interactions(con, n_groups: int, seed: int) -> None:
    """TEMP TABLE recsys_input (student_id, material_id, grp) sorted by group, so groups are read in chunks.

    Reading all interactions into pandas at once peaks at ~3 GB for 12 M rows (1 M students);
    chunks of groups keep the job's memory bounded whatever the scale.
    """
    con.execute(f"""CREATE OR REPLACE TEMP TABLE recsys_input AS
                    SELECT student_id, material_id, {student_group_sql()} AS grp FROM core.interactions ORDER BY grp""",
                _group_params(n_groups, seed))


def get_staged_interactions_df(con, first_group: int, last_group: int) -> pd.DataFrame:
    """Staged interactions of groups first..last: [student_id, material_id, grp], by group."""
    return con.execute("SELECT student_id, material_id, grp FROM recsys_input WHERE grp BETWEEN ? AND ? ORDER BY grp",
                       [int(first_group), int(last_group)]).df()


def drop_staged_interactions(con) -> None:
    """Drop the temp table of stage_group_interactions."""
    con.execute("DROP TABLE IF EXISTS recsys_input")


def count_interactions(con) -> int:
    """Rows in core.interactions."""
    return con.execute("SELECT count(*) FROM core.interactions").fetchone()[0]


# ---- pipeline writes ------------------------------------------------------------------------------
def start_recommendations(con) -> None:
    """An empty TEMP TABLE recsys_output shaped like ml.recommendations, for append_recommendations."""
    con.execute("CREATE OR REPLACE TEMP TABLE recsys_output AS SELECT * FROM ml.recommendations WHERE false")


def append_recommendations(con, rows: pd.DataFrame) -> int:
    """Append rows (columns as ml.recommendations) to recsys_output; return rows written."""
    con.register("recommendation_rows", rows)
    try:
        con.execute(f"INSERT INTO recsys_output ({', '.join(RECOMMENDATION_COLUMNS)}) "
                    f"SELECT {', '.join(RECOMMENDATION_COLUMNS)} FROM recommendation_rows")
    finally:
        con.unregister("recommendation_rows")
    return len(rows)


def publish_recommendations(con) -> int:
    """Replace ml.recommendations with recsys_output sorted by (student_id, rank); return its rows.

    Sorted rows let DuckDB's min/max zone maps skip almost every row group when one student's list
    is read (10 M rows: a scan of ~50 ms becomes ~2 ms).
    """
    con.execute("DELETE FROM ml.recommendations")
    con.execute(f"INSERT INTO ml.recommendations ({', '.join(RECOMMENDATION_COLUMNS)}) "
                f"SELECT {', '.join(RECOMMENDATION_COLUMNS)} FROM recsys_output ORDER BY student_id, rank")
    con.execute("DROP TABLE recsys_output")
    return con.execute("SELECT count(*) FROM ml.recommendations").fetchone()[0]


def insert_recsys_eval(con, version: str, table: pd.DataFrame, created_at: datetime) -> int:
    """Store metrics@k per method (metric_vs_k rows) under a model version; return rows written."""
    frame = table[["method", "k", *EVAL_METRICS, "n_users"]].assign(version=version, created_at=created_at)
    con.register("eval_rows", frame)
    try:
        con.execute(f"""INSERT INTO ml.recsys_eval (version, method, k, {', '.join(EVAL_METRICS)}, n_users, created_at)
                        SELECT version, method, k, {', '.join(EVAL_METRICS)}, n_users, created_at FROM eval_rows""")
    finally:
        con.unregister("eval_rows")
    return len(frame)


def archive_recsys_production(con, reason: str) -> list[str]:
    """Archive the current production recommender rows; return their versions."""
    rows = con.execute("UPDATE ml.model_registry SET status = 'archived', status_reason = ? "
                       "WHERE task = ? AND status = 'production' RETURNING version", [reason, RECSYS_TASK]).fetchall()
    return [r[0] for r in rows]


# ---- app reads ------------------------------------------------------------------------------------
def get_production_recsys_row(con) -> dict[str, Any] | None:
    """The production recommender's registry row (parsed JSON), or None."""
    return mq.get_production_rows(con).get(RECSYS_TASK)


def student_exists(con, student_id: str) -> bool:
    """True when core.students has this id."""
    return con.execute("SELECT count(*) FROM core.students WHERE student_id = ?", [student_id]).fetchone()[0] > 0


def get_student_group(con, student_id: str, n_groups: int, seed: int) -> int:
    """The neighbour group of one student id."""
    return con.execute(f"SELECT {student_group_sql('$sid')}",
                       {**_group_params(n_groups, seed), "sid": student_id}).fetchone()[0]


def get_student_profile(con, student_id: str) -> dict[str, Any] | None:
    """One student's scores, weakest subject, school, class and programme facts, or None."""
    df = con.execute(f"""
        SELECT student_id, math_score, reading_score, writing_score, {WEAKEST_SUBJECT_SQL} AS weakest_subject,
               school_id, class_id, test_prep, lunch, line_no,
               (SELECT count(*) FROM core.interactions i WHERE i.student_id = s.student_id) AS interactions
        FROM core.students s WHERE student_id = ?""", [student_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def get_student_history_df(con, student_id: str) -> pd.DataFrame:
    """A student's interactions with the materials' facts, newest first."""
    return con.execute(f"""
        SELECT i.ts, {', '.join('m.' + c for c in MATERIAL_COLUMNS)}, i.rating, i.completed
        FROM core.interactions i JOIN core.materials m USING (material_id)
        WHERE i.student_id = ? ORDER BY i.ts DESC, m.material_id""", [student_id]).df()


def get_stored_recommendations_df(con, student_id: str, n: int) -> pd.DataFrame:
    """A student's precomputed top-n (rank order) with the materials' facts."""
    return con.execute(f"""
        SELECT r.rank, {', '.join('m.' + c for c in MATERIAL_COLUMNS)}, r.score, r.method, r.model_version
        FROM ml.recommendations r JOIN core.materials m USING (material_id)
        WHERE r.student_id = ? ORDER BY r.rank LIMIT ?""", [student_id, int(n)]).df()


def find_student_ids(con, filters: dict[str, str | None], prefix: str = "",
                     limit: int = 200) -> tuple[list[tuple[str, int | None]], int]:
    """(the first `limit` (student id, CSV line) pairs whose id starts with `prefix` under the allowlisted
    filters, how many match); the line is None for generated students."""
    clauses, params = ["starts_with(student_id, $prefix)"], {"prefix": prefix or "", "limit": int(limit)}
    for name, column in SEARCH_FILTERS.items():
        value = filters.get(name)
        if value:
            clauses.append(f"{column} = ${name}")   # column from the allowlist, value bound
            params[name] = value
    rows = con.execute(f"""
        SELECT student_id, line_no, count(*) OVER () AS total
        FROM (SELECT student_id, line_no, school_id, test_prep, lunch, {WEAKEST_SUBJECT_SQL} AS weakest_subject
              FROM core.students)
        WHERE {' AND '.join(clauses)} ORDER BY student_id LIMIT $limit""", params).fetchall()
    return [(r[0], r[1]) for r in rows], (rows[0][2] if rows else 0)


def get_line_numbers(con, student_ids: list[str]) -> dict[str, int]:
    """{student_id: line of the student CSV} for these students (generated students have no line)."""
    return dict(con.execute("""SELECT student_id, line_no FROM core.students
                               WHERE list_contains($ids, student_id) AND line_no IS NOT NULL""",
                            {"ids": list(student_ids)}).fetchall())


def get_completions_df(con, student_ids: list[str], material_ids: list[str]) -> pd.DataFrame:
    """Whether each of these students completed each of these materials: [student_id, material_id, completed]."""
    return con.execute("""
        SELECT student_id, material_id, bool_or(completed) AS completed FROM core.interactions
        WHERE list_contains($students, student_id) AND list_contains($materials, material_id)
        GROUP BY ALL""", {"students": list(student_ids), "materials": list(material_ids)}).df()


def get_recsys_eval_df(con, version: str) -> pd.DataFrame:
    """Stored metrics@k of every method for one model version: [method, k, metrics…, n_users]."""
    return con.execute(f"""SELECT method, k, {', '.join(EVAL_METRICS)}, n_users FROM ml.recsys_eval
                           WHERE version = ? ORDER BY k, method""", [version]).df()
