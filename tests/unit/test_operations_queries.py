"""Operations queries on a real small DuckDB: ingested aggregates + pending events give the right counts."""
from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from pipelines.ingest_events import ingest_events_into
from warehouse import ops_queries as q
from warehouse.events import EventWriter, pending_event_files, select_events_sql
from warehouse.lake import append_events, create_events_view, lake_dir_of
from warehouse.ops_marts import (
    apply_alert_acks,
    event_aggregates_current,
    refresh_event_aggregates,
    sync_event_aggregates,
)
from warehouse.schema import apply_schema

DAY1, DAY2 = "2026-10-01T09:00:00Z", "2026-10-02T10:30:00Z"


def advice(event, variant, session, ts=DAY1, page="predict"):
    return {"event": event, "variant": variant, "session_id": session, "ts": ts, "page": page}


INGESTED = [
    advice("impression", "A", "s1"), advice("impression", "A", "s2"), advice("impression", "A", "s2", DAY2),
    advice("click", "A", "s2", DAY2), advice("impression", "B", "s3"), advice("impression", "B", "s4", DAY2),
    advice("impression", "B", "s5", page="recommend"),            # not the advice experiment
    {"event": "impression", "session_id": "s6", "ts": DAY1, "page": "predict"},   # no variant
    {"event": "page_view", "page": "predict", "session_id": "s1", "ts": DAY1},
    {"event": "page_view", "page": "ebpm", "session_id": "s1", "ts": DAY2},
    {"event": "page_view", "page": "predict", "session_id": "s2", "ts": DAY2},
    {"event": "prediction", "page": "predict", "session_id": "s1", "ts": DAY1, "student_id": "S0000001",
     "predicted": 60.0, "model_version": "v1", "payload": {"inputs": {"gender": "female", "reading_score": 70}}},
    {"event": "recommendation", "page": "recommend", "session_id": "s1", "ts": DAY1},
    {"event": "recommendation", "page": "recommend", "session_id": "s2", "ts": DAY2},
    {"event": "click", "page": "recommend", "session_id": "s2", "ts": DAY2},
    {"event": "error", "page": "predict", "session_id": "s1", "ts": DAY1, "payload": {"message": "boom"}},
    {"event": "error", "page": "ebpm", "session_id": "s2", "ts": DAY2, "payload": {"message": "boom"}},
    {"event": "error", "page": "ebpm", "session_id": "s2", "ts": DAY2, "payload": {"message": "slow"}},
]
PENDING = [
    advice("impression", "B", "s9", DAY2), advice("click", "B", "s9", DAY2),
    advice("impression", "A", "s1", DAY2),                         # known session of A: users unchanged
    {"event": "page_view", "page": "operations", "session_id": "s1", "ts": DAY2},  # known session
    {"event": "page_view", "page": "operations", "session_id": "s7", "ts": DAY2},  # new session
    {"event": "error", "page": "operations", "session_id": "s7", "ts": DAY2, "payload": {"message": "late"}},
]


@pytest.fixture
def live(tmp_path):
    """A warehouse with INGESTED loaded and PENDING only in the event files; live views created."""
    events = tmp_path / "events"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    EventWriter(events).write_many(INGESTED)
    ingest_events_into(con, events)
    EventWriter(events).write_many(PENDING)   # a second writer = a second file, not ingested
    assert q.open_live_events(con, events) == 1
    yield con
    con.close()


def test_ab_counts_add_pending_events_and_count_sessions_once(live):
    counts = q.get_ab_counts_df(live).set_index("variant")
    assert counts.loc["A"].to_dict() == {"users": 2, "impressions": 4, "clicks": 1}
    assert counts.loc["B"].to_dict() == {"users": 3, "impressions": 3, "clicks": 1}


def test_ab_daily_counts_per_day_and_range(live):
    daily = q.get_ab_daily_df(live)
    got = {(str(r.date)[:10], r.variant): (r.impressions, r.clicks) for r in daily.itertuples()}
    assert got == {("2026-10-01", "A"): (2, 0), ("2026-10-01", "B"): (1, 0),
                   ("2026-10-02", "A"): (2, 1), ("2026-10-02", "B"): (2, 1)}
    assert set(q.get_ab_daily_df(live, start=date(2026, 10, 2))["variant"]) == {"A", "B"}
    assert len(q.get_ab_daily_df(live, end=date(2026, 10, 1))) == 2


def test_usage_totals_views_and_distinct_sessions(live):
    both = q.get_usage_totals(live, date(2026, 10, 1), date(2026, 10, 2))
    assert both == {"page_views": 5, "sessions": 3, "predictions": 1}   # s1, s2, s7
    assert q.get_usage_totals(live, date(2026, 10, 2), date(2026, 10, 2))["sessions"] == 3
    assert q.get_usage_totals(live, date(2026, 10, 1), date(2026, 10, 1))["sessions"] == 1
    views = q.get_page_views_df(live, date(2026, 10, 1), date(2026, 10, 2))
    assert {(str(r.date)[:10], r.page): r.views for r in views.itertuples()} == {
        ("2026-10-01", "predict"): 1, ("2026-10-02", "ebpm"): 1, ("2026-10-02", "predict"): 1,
        ("2026-10-02", "operations"): 2}
    assert q.get_data_days(live) == (date(2026, 10, 1), date(2026, 10, 2))


def test_predictions_and_recommendation_click_through(live):
    preds = q.get_daily_events_df(live, "prediction", date(2026, 10, 1), date(2026, 10, 31))
    assert preds["events"].tolist() == [1]
    recs = q.get_recommendation_daily_df(live, date(2026, 10, 1), date(2026, 10, 2))
    assert recs[["shown", "clicks"]].values.tolist() == [[1, 0], [1, 1]]


def test_errors_since_a_time_include_pending(live):
    since = datetime(2026, 10, 2)
    messages = q.get_error_messages_df(live, since).set_index("message")
    assert messages["errors"].to_dict() == {"boom": 1, "slow": 1, "late": 1}
    assert q.get_errors_hourly_df(live, since)["errors"].tolist() == [3]
    assert q.get_errors_hourly_df(live, datetime(2026, 9, 1))["errors"].sum() == 4
    assert q.get_latest_errors_df(live, 2)["message"].tolist()[0] in {"slow", "late", "boom"}
    assert len(q.get_latest_errors_df(live, 2)) == 2


def test_aggregates_track_core_events(live):
    assert event_aggregates_current(live)
    live.execute("DELETE FROM mart.event_counts_daily")
    assert not event_aggregates_current(live)
    refresh_event_aggregates(live)
    assert event_aggregates_current(live)
    # the materialised counts equal the analysts' view over core.events
    view = live.execute("SELECT variant, sum(impressions), sum(clicks) FROM mart.ctr_by_variant_day "
                        "GROUP BY 1 ORDER BY 1").fetchall()
    mart = live.execute("SELECT variant, sum(events) FILTER (event = 'impression'), "
                        "coalesce(sum(events) FILTER (event = 'click'), 0) FROM mart.event_counts_daily "
                        "WHERE page = 'predict' AND variant IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    assert view == mart


def _insert_alert(con, alert_id, rule="feature_drift", subject="reading_score", incident="2026-10-02"):
    con.execute("INSERT INTO ml.alerts (alert_id, raised_at, rule, severity, subject, value, threshold, message_key, "
                "params, incident) VALUES (?, TIMESTAMP '2026-10-02 12:00', ?, 'warning', ?, 0.4, 0.25, ?, ?, ?)",
                [alert_id, rule, subject, f"alerts.{rule}", json.dumps({"feature": subject, "psi": 0.4}), incident])


def test_pending_ack_closes_an_alert_and_ingest_copies_it(live, tmp_path):
    _insert_alert(live, "a1")
    _insert_alert(live, "a2", subject="lunch")
    assert q.get_alert_state(live, "a1") == "open" and q.get_alert_state(live, "nope") is None
    EventWriter(tmp_path / "events").write({"event": "admin_action", "page": "operations",
                                            "payload": {"action": "ack_alert", "alert_id": "a1"}})
    q.open_live_events(live, tmp_path / "events")
    assert q.get_alerts_df(live)["alert_id"].tolist() == ["a2"]
    assert q.get_alert_state(live, "a1") == "acknowledged"
    ingest_events_into(live, tmp_path / "events")
    assert apply_alert_acks(live) == 0          # ingest already copied it
    acked = live.execute("SELECT acknowledged_at FROM ml.alerts WHERE alert_id = 'a1'").fetchone()[0]
    assert acked is not None


def test_filter_new_alerts_dedupes_open_and_same_incident(live):
    _insert_alert(live, "open1", subject="reading_score", incident="2026-10-02")
    _insert_alert(live, "acked1", subject="lunch", incident="2026-10-02")
    live.execute("UPDATE ml.alerts SET acknowledged_at = TIMESTAMP '2026-10-02 13:00' WHERE alert_id = 'acked1'")
    candidates = pd.DataFrame({"rule": ["feature_drift"] * 4,
                               "subject": ["reading_score", "lunch", "lunch", "gender"],
                               "incident": ["2026-10-09", "2026-10-02", "2026-10-09", "2026-10-09"]})
    fresh = q.filter_new_alerts(live, candidates)
    # open alert blocks any incident; an acknowledged one only blocks its own incident
    assert sorted(zip(fresh["subject"], fresh["incident"])) == [("gender", "2026-10-09"), ("lunch", "2026-10-09")]


def test_resolved_alert_is_not_open(live):
    _insert_alert(live, "resolved1", subject="math_score", incident="2026-10-02")
    _insert_alert(live, "open2", subject="gender", incident="2026-10-02")
    live.execute("UPDATE ml.alerts SET resolved_at = TIMESTAMP '2026-10-03 08:00' WHERE alert_id = 'resolved1'")
    candidates = pd.DataFrame({"rule": ["feature_drift"] * 3, "subject": ["math_score", "math_score", "gender"],
                               "incident": ["2026-10-09", "2026-10-02", "2026-10-09"]})
    fresh = q.filter_new_alerts(live, candidates)
    # the resolved alert no longer blocks a new incident of its rule and subject (only its own incident)
    assert sorted(zip(fresh["subject"], fresh["incident"])) == [("math_score", "2026-10-09")]
    assert live.execute("SELECT alert_id FROM mart.open_alerts").fetchall() == [("open2",)]
    assert q.get_alerts_df(live)["alert_id"].tolist() == ["open2"]
    assert set(q.get_alerts_df(live, include_acknowledged=True)["alert_id"]) == {"resolved1", "open2"}


def test_alert_incident_keys():
    assert q.alert_incident("ctr_drop", "B", {"date": "2026-10-02"}) == "2026-10-02"
    assert q.alert_incident("feature_drift", "lunch", {}, datetime(2026, 10, 9, 18, 0)) == "2026-10-09"
    assert q.alert_incident("retrain_failed", "run-7", {}) == "run-7"


def test_model_metrics_long_reads_registry_json():
    versions = pd.DataFrame({
        "version": ["v2", "v1", "v3"], "created_at": pd.to_datetime(["2026-10-02", "2026-10-01", "2026-10-03"]),
        "test_metrics": [json.dumps({"test_rmse": 5.1, "test_r2": 0.87, "n": 200}), json.dumps({"rmse": 5.5}),
                         None]})
    long = q.model_metrics_long(versions)
    assert long.values.tolist() == [["v1", "rmse", 5.5], ["v2", "rmse", 5.1], ["v2", "r2", 0.87]]


def test_recent_prediction_inputs_and_outcomes(live):
    live.execute("INSERT INTO core.students (student_id, gender, race_ethnicity, parental_education, lunch, "
                 "test_prep, math_score, reading_score, writing_score, source, load_id) VALUES "
                 "('S0000001', 'female', 'group A', 'high school', 'standard', 'none', 64, 70, 71, 'demo', 'demo')")
    inputs, start, end = q.get_recent_prediction_inputs_df(live, days=7)
    assert len(inputs) == 1 and inputs.loc[0, "reading_score"] == 70 and inputs.loc[0, "gender"] == "female"
    assert end == datetime(2026, 10, 1, 9, 0) and (end - start).days == 7
    outcomes = q.get_prediction_outcomes_df(live)
    assert outcomes[["model_version", "y_true", "y_pred"]].values.tolist() == [["v1", 64, 60.0]]


def _aggregates(con) -> dict:
    tables = ("mart.event_counts_daily", "mart.session_days", "mart.session_day_counts", "mart.variant_sessions",
              "mart.variant_users", "mart.error_events")
    return {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


def test_a_first_ingest_builds_the_aggregates_from_its_batch_exactly_like_a_rebuild_from_the_lake(tmp_path):
    events = tmp_path / "events"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    con.execute("INSERT INTO mart.event_counts_daily VALUES (DATE '2020-01-01', 'click', 'predict', 'A', 5)")
    EventWriter(events).write_many(INGESTED + PENDING)
    ingest_events_into(con, events)   # the lake held nothing before: aggregates come from the batch in memory
    from_batch = _aggregates(con)
    assert event_aggregates_current(con) and "2020-01-01" not in str(from_batch["mart.event_counts_daily"])
    refresh_event_aggregates(con)     # the same definitions over the Parquet files in the lake
    assert _aggregates(con) == from_batch and from_batch["mart.session_days"]
    con.close()


def test_ingest_adds_new_rows_to_the_aggregates_exactly_like_a_rebuild(tmp_path):
    events = tmp_path / "events"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    EventWriter(events).write_many(INGESTED)
    ingest_events_into(con, events)
    # Later: late events for an earlier day (s2 on 2026-09-30 changes s2's previous days), new sessions.
    EventWriter(events).write_many(PENDING + [
        {"event": "page_view", "page": "predict", "session_id": "s2", "ts": "2026-09-30T08:00:00Z"},
        advice("impression", "A", "s8", "2026-09-30T08:00:00Z")])
    assert sync_event_aggregates(con) == "current"
    stamp = datetime(2030, 1, 1)   # load them as ingest does, then sync as ingest does
    con.execute(f"CREATE TEMP TABLE batch AS SELECT *, $at AS ingested_at FROM ({select_events_sql('$files')})",
                {"files": [f.path for f in pending_event_files(con, events)], "at": stamp})
    assert append_events(con, "batch", lake_dir_of(con)) == len(PENDING) + 2
    create_events_view(con, lake_dir_of(con), stamp)
    assert sync_event_aggregates(con, "batch") == "added"
    incremental = _aggregates(con)
    refresh_event_aggregates(con)
    assert _aggregates(con) == incremental
    q.open_live_events(con, events)
    assert q.get_usage_totals(con, date(2026, 9, 30), date(2026, 10, 2))["sessions"] == 3
    con.execute("DELETE FROM mart.variant_users")           # drifted out of step: the next sync rebuilds
    con.execute("UPDATE mart.event_counts_daily SET events = events + 1 WHERE event = 'click'")
    assert sync_event_aggregates(con) == "rebuilt" and _aggregates(con) == incremental
    con.close()
