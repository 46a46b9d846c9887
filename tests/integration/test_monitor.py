"""`monitor` flags the demo's planted drift (and not a normal build), writes alerts once, honours acks."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from analytics.alerts import AlertThresholds
from pipelines.ingest_events import ingest_events
from pipelines.monitor import monitor
from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.ops import build_data_only
from warehouse.events import EventWriter
from warehouse.publish import write_transaction

AS_OF = date(2026, 11, 1)


def rows(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def built(folder, *, drift: bool):
    return build_data_only(folder, scale=1000, seed=5, as_of=AS_OF, drift=drift)


@pytest.fixture(scope="module")
def drifted_template(tmp_path_factory):
    return built(tmp_path_factory.mktemp("drifted"), drift=True)


@pytest.fixture
def drifted(drifted_template, tmp_path):
    """A private copy of the drifted warehouse (tests may run in any order or worker) and a fresh event
    folder: every demo event is already ingested, so only events a test writes are pending."""
    db, _ = drifted_template
    shutil.copy(db, tmp_path / db.name)
    (tmp_path / "events").mkdir()
    return tmp_path / db.name, tmp_path / "events"


def test_normal_build_is_not_flagged(tmp_path):
    db, events = built(tmp_path, drift=False)
    summary = monitor(db, events)
    assert summary.current_rows > 300 and summary.reference_rows == 1000
    assert summary.drifted_features == [] and summary.max_psi < 0.1
    assert summary.alerts_raised == []
    assert rows(db, "SELECT count(*) FROM ml.alerts") == [(0,)]
    assert rows(db, "SELECT count(*), count(DISTINCT run_id) FROM ml.drift_reports") == [(7, 1)]   # all seven inputs


def test_planted_drift_is_flagged_and_alerted_once(drifted):
    db, events = drifted
    first = monitor(db, events)
    assert "reading_score" in first.drifted_features
    assert {"gender", "test_prep", "writing_score"}.isdisjoint(first.drifted_features)   # untouched features
    drift = dict(rows(db, "SELECT feature, psi FROM mart.latest_drift"))
    assert drift["reading_score"] > 0.25 and drift["writing_score"] < 0.1
    assert [(a["rule"], a["subject"]) for a in first.alerts_raised] == [("feature_drift", "reading_score")]
    second = monitor(db, events)                      # same finding: no second alert while open
    assert second.alerts_fired == 1 and second.alerts_raised == []
    assert rows(db, "SELECT count(*) FROM ml.alerts") == [(1,)]
    assert rows(db, "SELECT count(DISTINCT run_id) FROM ml.drift_reports") == [(2,)]
    # performance over time: the demo's predictions are within ±3 points of the truth
    (rmse,), = rows(db, "SELECT max(rmse) FROM ml.performance_by_period WHERE run_id = ?", [second.run_id])
    assert 0.5 < rmse < 3.0


def test_acknowledged_alert_is_copied_and_not_raised_again_for_the_same_incident(drifted):
    db, events = drifted
    monitor(db, events)
    (alert_id,), = rows(db, "SELECT alert_id FROM ml.alerts WHERE rule = 'feature_drift'")
    EventWriter(events).write({"event": "admin_action", "page": "operations",
                               "payload": {"action": "ack_alert", "alert_id": alert_id}})
    summary = monitor(db, events)                    # reads the not-yet-ingested ack
    assert summary.acks_applied == 1 and summary.alerts_raised == []
    assert rows(db, "SELECT acknowledged_at IS NOT NULL FROM ml.alerts WHERE alert_id = ?", [alert_id]) == [(True,)]
    ingest_events(db, events)                        # ingest copies acks too (idempotently)
    assert rows(db, "SELECT count(*) FROM ml.alerts WHERE acknowledged_at IS NULL") == [(0,)]


def test_error_burst_and_failed_retraining_raise_critical_alerts(drifted):
    db, events = drifted
    now = datetime.now(timezone.utc).replace(minute=5, second=0, microsecond=0)
    EventWriter(events).write_many([{"event": "error", "page": "predict",
                                     "ts": (now + timedelta(seconds=i)).isoformat(),
                                     "payload": {"message": "planted"}} for i in range(12)])
    with write_transaction(db) as con:
        con.execute("INSERT INTO ml.retrain_runs VALUES ('train-1', ?, ?, 'failed', 'validation: target variance 0')",
                    [now.replace(tzinfo=None), now.replace(tzinfo=None)])
    summary = monitor(db, events, AlertThresholds(errors_per_hour=10))
    raised = {(a["rule"], a["severity"]) for a in summary.alerts_raised if a["rule"] != "feature_drift"}
    assert raised == {("error_rate", "critical"), ("retrain_failed", "critical")}
    (params,), = rows(db, "SELECT params FROM ml.alerts WHERE rule = 'error_rate'")
    assert json.loads(params)["errors"] == 12
    assert monitor(db, events, AlertThresholds(errors_per_hour=10)).alerts_raised == []


@pytest.mark.slow
def test_cli_monitor_json_and_thresholds(drifted):
    db, _ = drifted
    env = run_env(db.parent)
    out = subprocess.run([PYTHON, "-m", "pipelines", "monitor", "--json", "--psi", "0.2"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert "reading_score" in summary["drifted_features"]
    # the lower PSI limit applies: every feature above it has a drift alert, no other does
    over = {f for f, psi in rows(db, "SELECT feature, psi FROM mart.latest_drift") if psi > 0.2}
    alerted = {s for (s,) in rows(db, "SELECT DISTINCT subject FROM ml.alerts WHERE rule = 'feature_drift'")}
    assert "reading_score" in over and alerted == over
    bad = subprocess.run([PYTHON, "-m", "pipelines", "monitor", "--psi", "0"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
