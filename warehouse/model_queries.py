"""Named queries of the model loop: registry, tuning trials, retraining runs, risk scores, model inputs.

Bound parameters only; the few identifiers that vary come from fixed tuples in this module.
Write helpers are called by pipelines on a write_transaction connection; the app only reads.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

import numpy as np
import pandas as pd

STUDENT_FEATURES = ("gender", "race_ethnicity", "parental_education", "lunch", "test_prep",
                    "reading_score", "writing_score")
REGISTRY_JSON = ("params", "cv_metrics", "test_metrics", "feature_schema")
REGISTRY_COLUMNS = ("version", "task", "algorithm", "params", "cv_metrics", "test_metrics", "data_rows",
                    "data_hash", "feature_schema", "artifact_path", "artifact_sha256", "created_at", "status",
                    "status_reason", "run_id", "promoted_at")
TASKS = ("regression", "risk")
INTERVENTION_COLUMNS = ("student_id", "line_no", "school_id", "class_id", "risk_level", "risk_probability",
                        "predicted_math", "reading_score", "writing_score", "model_version")


def _row_dict(df: pd.DataFrame, i: int = 0) -> dict[str, Any]:
    row = df.iloc[i].to_dict()
    for name in REGISTRY_JSON:
        value = row.get(name)
        row[name] = json.loads(value) if isinstance(value, str) else value
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}


_SELECT_REGISTRY = ("SELECT version, task, algorithm, CAST(params AS VARCHAR) AS params, "
                    "CAST(cv_metrics AS VARCHAR) AS cv_metrics, CAST(test_metrics AS VARCHAR) AS test_metrics, "
                    "data_rows, data_hash, CAST(feature_schema AS VARCHAR) AS feature_schema, artifact_path, "
                    "artifact_sha256, created_at, status, status_reason, run_id, promoted_at FROM ml.model_registry")


# ---- registry reads ---------------------------------------------------------------------------
def get_registry_df(con) -> pd.DataFrame:
    """Every registry row, newest first (JSON columns as text)."""
    return con.execute(_SELECT_REGISTRY + " ORDER BY created_at DESC, version DESC").df()


def get_registry_row(con, version: str) -> dict[str, Any] | None:
    """One registry row with parsed JSON, or None."""
    df = con.execute(_SELECT_REGISTRY + " WHERE version = ?", [version]).df()
    return None if df.empty else _row_dict(df)


def get_run_rows(con, run_id: str) -> list[dict[str, Any]]:
    """The registry rows (one per task) made by one training run."""
    df = con.execute(_SELECT_REGISTRY + " WHERE run_id = ? ORDER BY task", [run_id]).df()
    return [_row_dict(df, i) for i in range(len(df))]


def get_production_rows(con) -> dict[str, dict[str, Any]]:
    """{task: registry row} of the production models (latest promotion wins if several)."""
    df = con.execute(_SELECT_REGISTRY + " WHERE status = 'production' "
                     "ORDER BY task, promoted_at DESC NULLS LAST, created_at DESC").df()
    rows: dict[str, dict[str, Any]] = {}
    for i in range(len(df)):
        rows.setdefault(df.iloc[i]["task"], _row_dict(df, i))
    return rows


def get_previous_production_run(con, current_promoted_at: datetime | None) -> str | None:
    """The run promoted most recently before the current one and not rolled back since."""
    row = con.execute("""
        SELECT run_id FROM ml.model_registry
        WHERE task = 'regression' AND status = 'archived' AND promoted_at IS NOT NULL
          AND coalesce(status_reason, '') NOT LIKE 'rolled_back%'
          AND ($current IS NULL OR promoted_at < $current) AND run_id IS NOT NULL
        ORDER BY promoted_at DESC LIMIT 1""", {"current": current_promoted_at}).fetchone()
    return None if row is None else row[0]


def get_tuning_trials_df(con, version: str) -> pd.DataFrame:
    """Tuning trials of one model version: algorithm, fold (NULL = final search), trial, value, params."""
    return con.execute("""
        SELECT algorithm, fold, trial, round(value, 4) AS value, CAST(params AS VARCHAR) AS params
        FROM ml.tuning_trials WHERE version = ? ORDER BY algorithm, fold NULLS LAST, trial""", [version]).df()


# ---- model inputs -----------------------------------------------------------------------------
def get_student_record(con, student_id: str) -> dict[str, Any] | None:
    """The seven model inputs, true math score and source (file, CSV line) of one student, or None."""
    df = con.execute(f"SELECT student_id, {', '.join(STUDENT_FEATURES)}, math_score, source, line_no "
                     "FROM core.students "
                     "WHERE student_id = ?", [student_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def get_training_frame(con, *, max_rows: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Model inputs and math_score of every student, or a seeded sample of max_rows (by student_id)."""
    columns = ", ".join((*STUDENT_FEATURES, "math_score"))
    if max_rows is None:
        return con.execute(f"SELECT {columns} FROM core.students ORDER BY student_id").df()
    # hash(student_id, seed) is a stable pseudo-random order: the same seed draws the same sample.
    return con.execute(f"""
        SELECT {columns} FROM (SELECT * FROM core.students ORDER BY hash(student_id, $seed), student_id
                               LIMIT $n) ORDER BY student_id""", {"seed": int(seed), "n": int(max_rows)}).df()


def count_students(con) -> int:
    """Rows in core.students."""
    return con.execute("SELECT count(*) FROM core.students").fetchone()[0]


def get_scoring_frame(con, categories: dict[str, Iterable[str]]) -> tuple[np.ndarray, pd.DataFrame]:
    """(row ids, model inputs) of every student; categorical columns arrive as pandas Categoricals.

    DuckDB turns each category into its position in `categories` (NULL if unknown), and rows are
    identified by core.students' rowid, so a million rows never become millions of Python strings;
    the models see the same values either way. Use the row ids on the same connection (writer).
    """
    params = {name: list(values) for name, values in categories.items()}
    codes = ", ".join(f"CAST(coalesce(list_position(${name}, {name}), 0) - 1 AS TINYINT) AS {name}"
                      for name in params)   # names from the fixed schema, values bound
    arrays = con.execute(f"SELECT rowid AS row_id, {codes}, CAST(reading_score AS DOUBLE) AS reading_score, "
                         "CAST(writing_score AS DOUBLE) AS writing_score FROM core.students", params).fetchnumpy()
    frame = pd.DataFrame({name: pd.Categorical.from_codes(np.asarray(arrays[name]), categories=values)
                          for name, values in params.items()})
    frame["reading_score"] = np.asarray(arrays["reading_score"])
    frame["writing_score"] = np.asarray(arrays["writing_score"])
    return np.asarray(arrays["row_id"]), frame


# ---- risk scores ------------------------------------------------------------------------------
def get_intervention_df(con, *, risk_levels: tuple[str, ...] = ("high",), school_id: str | None = None,
                        limit: int = 5000) -> pd.DataFrame:
    """Scored students at the given risk levels (highest probability first), optionally one school."""
    return con.execute("""
        SELECT r.student_id, s.line_no, s.school_id, s.class_id, r.risk_level,
               round(r.risk_probability, 3) AS risk_probability, round(r.predicted_math, 1) AS predicted_math,
               s.reading_score, s.writing_score, r.model_version
        FROM ml.risk_scores r JOIN core.students s USING (student_id)
        WHERE list_contains($levels, r.risk_level) AND ($school IS NULL OR s.school_id = $school)
        ORDER BY r.risk_probability DESC, r.student_id LIMIT $limit""",
                       {"levels": list(risk_levels), "school": school_id, "limit": int(limit)}).df()


def get_scored_outcomes(con) -> tuple[np.ndarray, np.ndarray]:
    """(risk probability, true math score) of every batch-scored student (for the cutoff explorer)."""
    arrays = con.execute("SELECT r.risk_probability, s.math_score FROM ml.risk_scores r "
                         "JOIN core.students s USING (student_id)").fetchnumpy()
    return (np.asarray(arrays["risk_probability"], dtype=float), np.asarray(arrays["math_score"], dtype=float))


def get_school_ids(con) -> list[str]:
    """Distinct school ids of scored students."""
    return [r[0] for r in con.execute("SELECT DISTINCT school_id FROM core.students WHERE school_id IS NOT NULL "
                                      "ORDER BY 1").fetchall()]


# ---- writes (pipelines only) -------------------------------------------------------------------
def insert_registry_row(con, row: dict[str, Any]) -> None:
    """Add one registry row (dict keyed by REGISTRY_COLUMNS; JSON columns as Python objects)."""
    values = [json.dumps(row.get(c), default=str) if c in REGISTRY_JSON else row.get(c) for c in REGISTRY_COLUMNS]
    con.execute(f"INSERT INTO ml.model_registry ({', '.join(REGISTRY_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(REGISTRY_COLUMNS))})", values)


def set_run_status(con, run_id: str, status: str, reason: str | None, *, promoted_at: datetime | None = None) -> None:
    """Set the status (and reason; promoted_at when promoting) of every row of one run."""
    con.execute("UPDATE ml.model_registry SET status = ?, status_reason = ?, promoted_at = coalesce(?, promoted_at) "
                "WHERE run_id = ?", [status, reason, promoted_at, run_id])


def archive_production(con, reason: str) -> list[str]:
    """Archive the production rows of the score and risk tasks; return their versions."""
    rows = con.execute("UPDATE ml.model_registry SET status = 'archived', status_reason = ? "
                       "WHERE status = 'production' AND list_contains(?, task) RETURNING version",
                       [reason, list(TASKS)]).fetchall()
    return [r[0] for r in rows]


def insert_trials(con, version: str, trials: pd.DataFrame) -> int:
    """Store tuning trials (model, outer_fold, number, value, params) under a version; return rows."""
    if trials.empty:
        return 0
    frame = pd.DataFrame({"version": version, "algorithm": trials["model"].astype(str),
                          "fold": trials["outer_fold"].astype("Int64"), "trial": trials["number"].astype("int64"),
                          "params": trials["params"].astype(str), "value": trials["value"].astype(float)})
    con.register("trial_rows", frame)
    try:
        con.execute("INSERT INTO ml.tuning_trials SELECT version, algorithm, fold, trial, CAST(params AS JSON), value "
                    "FROM trial_rows")
    finally:
        con.unregister("trial_rows")
    return len(frame)


def insert_retrain_run(con, run_id: str, started_at: datetime, finished_at: datetime, status: str,
                       reason: str | None) -> None:
    """Record one training run (status 'ok' or 'failed')."""
    con.execute("INSERT INTO ml.retrain_runs (run_id, started_at, finished_at, status, reason) VALUES (?, ?, ?, ?, ?)",
                [run_id, started_at, finished_at, status, reason])


def replace_risk_scores(con, scores: pd.DataFrame) -> int:
    """Replace ml.risk_scores with a new batch keyed by core.students rowid (see get_scoring_frame)."""
    con.register("score_rows", scores)
    try:
        con.execute("DELETE FROM ml.risk_scores")
        con.execute("""INSERT INTO ml.risk_scores (student_id, predicted_math, risk_probability, risk_level,
                                                   model_version, scored_at, risk_model_version)
                       SELECT s.student_id, r.predicted_math, r.risk_probability, CAST(r.risk_level AS VARCHAR),
                              r.model_version, r.scored_at, r.risk_model_version
                       FROM score_rows r JOIN core.students s ON s.rowid = r.row_id""")
    finally:
        con.unregister("score_rows")
    return con.execute("SELECT count(*) FROM ml.risk_scores").fetchone()[0]
