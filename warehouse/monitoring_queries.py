"""Read queries of model and service monitoring: the /predict request log (latency, status)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from warehouse.experiments import EVENT_SOURCES
from warehouse.schema import read_sql

PREDICT_PATH = "/api/v1/predict"


def get_request_log_df(con, *, start: datetime, end: datetime, path: str = PREDICT_PATH,
                       source: str = "live_events") -> pd.DataFrame:
    """Logged requests to one API path: [ts, duration_ms, status, session_id] (dashboard/api/request_log.py)."""
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown event source {source!r}; expected one of {EVENT_SOURCES}")
    sql = read_sql("queries/request_log.sql").replace("__EVENTS__", source)   # name from the allowlist
    return con.execute(sql, {"path": path, "start": start, "end": end}).df()


def insert_change_points(con, run_id: str, changes: pd.DataFrame) -> int:
    """Store one monitor run's change points (analytics.online_drift.error_stream_changes rows)."""
    if changes.empty:
        return 0
    con.register("change_rows", changes.assign(run_id=run_id))
    con.execute("INSERT INTO ml.error_change_points BY NAME SELECT run_id, detector, \"index\" AS stream_index, "
                "ts, window_mean FROM change_rows")
    con.unregister("change_rows")
    return len(changes)


def get_error_change_points_df(con) -> pd.DataFrame:
    """Change points of the latest monitor run that stored any: [detector, stream_index, ts, window_mean]."""
    return con.execute("""
        SELECT detector, stream_index, ts, window_mean FROM ml.error_change_points
        WHERE run_id = (SELECT run_id FROM ml.monitor_runs WHERE run_id IN (SELECT run_id FROM ml.error_change_points)
                        ORDER BY run_at DESC LIMIT 1)
        ORDER BY ts, detector""").df()
