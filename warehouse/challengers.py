"""Champion / challenger: the registered challenger run and the real outcomes of both models' predictions."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from warehouse import model_queries as mq
from warehouse.experiments import EVENT_SOURCES, get_experiment

MODES = ("shadow", "canary")


def start_challenger(con, run_id: str, mode: str, experiment_key: str | None = None) -> None:
    """Make a run the one active challenger (ending any other)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    end_challengers(con)
    con.execute("INSERT OR REPLACE INTO ml.challengers VALUES (?, ?, ?, 'active', ?, NULL)",
                [run_id, mode, experiment_key, _now()])


def end_challengers(con) -> list[str]:
    """End every active challenger; return their run ids."""
    return [r for (r,) in con.execute("UPDATE ml.challengers SET status = 'ended', ended_at = ? "
                                      "WHERE status = 'active' RETURNING run_id", [_now()]).fetchall()]


def get_active_challenger(con) -> dict | None:
    """The active challenger: {run_id, mode, experiment (canary), rows: {task: registry row}}, or None."""
    found = con.execute("SELECT run_id, mode, experiment_key FROM ml.challengers WHERE status = 'active' "
                        "ORDER BY created_at DESC LIMIT 1").fetchone()
    if found is None:
        return None
    run_id, mode, key = found
    rows = {row["task"]: row for row in mq.get_run_rows(con, run_id)}
    return {"run_id": run_id, "mode": mode, "rows": rows,
            "experiment": get_experiment(con, key) if key else None}


def get_model_outcomes_df(con, versions: list[str], *, source: str = "core.events") -> pd.DataFrame:
    """Served and shadow predictions of the given model versions joined to the students' true math scores:
    [ts, model_version, event, student_id, y_true, y_pred]."""
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown event source {source!r}; expected one of {EVENT_SOURCES}")
    return con.execute(f"""
        SELECT e.ts, e.model_version, e.event, e.student_id, CAST(s.math_score AS DOUBLE) AS y_true,
               e.predicted AS y_pred
        FROM {source} e JOIN core.students s USING (student_id)
        WHERE e.event IN ('prediction', 'shadow_prediction') AND e.predicted IS NOT NULL
          AND list_contains($versions, e.model_version)
        ORDER BY e.ts""", {"versions": list(versions)}).df()


def _now() -> datetime:
    """Naive UTC now."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
