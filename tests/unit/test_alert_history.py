"""Alert history on a real in-memory warehouse: who acknowledged, when the condition cleared, the state."""

from datetime import datetime

import duckdb
import pytest

from tests.helpers import write_lake_events
from warehouse.alert_history import apply_ack_authors, get_alert_history_df, resolve_cleared_alerts
from warehouse.ops_marts import apply_alert_acks
from warehouse.schema import apply_schema


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect()
    apply_schema(con, tmp_path / "lake")   # in memory: its events go to this lake
    for alert_id, rule, subject in (
        ("a1", "error_rate", "h10"),
        ("a2", "feature_drift", "lunch"),
        ("a3", "retrain_failed", "run-1"),
    ):
        con.execute(
            "INSERT INTO ml.alerts (alert_id, raised_at, rule, severity, subject) VALUES (?, ?, ?, 'warning', ?)",
            [alert_id, datetime(2026, 11, 1, 9), rule, subject],
        )
    write_lake_events(con, """SELECT uuid() AS event_id, event, ts, payload FROM (VALUES
        ('admin_action', TIMESTAMP '2026-11-01 10:00', '{"action": "ack_alert", "alert_id": "a1", "by": "sato"}'),
        ('admin_action', TIMESTAMP '2026-11-01 11:00', '{"action": "ack_alert", "alert_id": "a1", "by": "late"}'),
        ('admin_action', TIMESTAMP '2026-11-01 10:30', '{"action": "ack_alert", "alert_id": "a2"}'))
        AS t(event, ts, payload)""")
    yield con
    con.close()


def test_history_records_who_acknowledged_and_what_resolved(con):
    apply_alert_acks(con)
    assert apply_ack_authors(con) == 2
    assert resolve_cleared_alerts(con, [("feature_drift", "lunch")], datetime(2026, 11, 2)) == 2
    history = get_alert_history_df(con).set_index("alert_id")
    assert history.loc["a1", "acknowledged_by"] == "sato"  # the first ack wins
    assert history.loc["a2", "acknowledged_by"] == "unknown"  # an ack from an older client
    assert history["state"].to_dict() == {"a1": "resolved", "a2": "acknowledged", "a3": "resolved"}
    assert history.loc["a3", "resolved_at"] == datetime(2026, 11, 2)
    # resolving again changes nothing; a still-firing alert stays unresolved
    assert resolve_cleared_alerts(con, [("feature_drift", "lunch")], datetime(2026, 11, 3)) == 0
