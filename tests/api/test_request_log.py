"""/predict requests are logged (status, duration) and summarised per hour (p50/p95, error rate)."""
import os
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from analytics.online_drift import requests_by_hour
from tests.helpers import SAMPLE_STUDENT as STUDENT
from warehouse.events import create_live_events_view
from warehouse.monitoring_queries import get_request_log_df


def test_predict_requests_are_logged_and_summarised_per_hour(client):
    start = datetime.utcnow() - timedelta(minutes=1)
    client.set_cookie("eduloop_sid", "request-log-test")   # other tests' requests fall in the same window
    statuses = [client.post("/api/v1/predict", json=STUDENT).status_code for _ in range(5)]
    statuses.append(client.post("/api/v1/predict", json={**STUDENT, "gender": "x"}).status_code)
    assert statuses == [200] * 5 + [422]
    con = duckdb.connect(os.environ["EDULOOP_DB"], read_only=True)
    try:
        create_live_events_view(con, Path(os.environ["EDULOOP_EVENTS_DIR"]))
        log = get_request_log_df(con, start=start, end=datetime.utcnow() + timedelta(minutes=1))
        log = log[log["session_id"] == "request-log-test"]
    finally:
        con.close()
    assert sorted(log["status"].tolist()) == sorted(statuses)
    assert (log["duration_ms"] > 0).all()
    hourly = requests_by_hour(log)
    assert hourly["requests"].sum() == 6
    assert hourly["client_error_rate"].max() > 0 and hourly["error_rate"].max() == 0
    with pytest.raises(ValueError, match="unknown event source"):
        get_request_log_df(con, start=start, end=start, source="core.events; DROP TABLE x")
