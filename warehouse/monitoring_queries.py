"""Read queries of model and service monitoring: the /predict request log (latency, status)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd

from warehouse.connection import read_sql
from warehouse.experiments import EVENT_SOURCES

PREDICT_PATH = "/api/v1/predict"


def get_request_log_df(con, *, start: datetime, end: datetime, path: str = PREDICT_PATH,
                       source: str = "live_events") -> pd.DataFrame:
    """Logged requests to one API path: [ts, duration_ms, status] (see dashboard/api/request_log.py)."""
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown event source {source!r}; expected one of {EVENT_SOURCES}")
    sql = read_sql("queries/request_log.sql").replace("__EVENTS__", source)   # name from the allowlist
    return con.execute(sql, {"path": path, "start": start, "end": end}).df()
