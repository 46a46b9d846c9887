"""ADWIN/DDM (river) over prediction-error streams; hourly latency percentiles and error rates."""

import numpy as np
import pandas as pd
import pytest

from analytics.online_drift import adwin_changes, ddm_changes, error_stream_changes, requests_by_hour

CHANGE_AT = 2000


@pytest.mark.parametrize("seed", range(5))
def test_adwin_flags_a_planted_error_shift_soon_and_is_quiet_when_stationary(seed):
    rng = np.random.default_rng(seed)
    stationary = np.abs(rng.normal(0, 5, 6000))
    assert adwin_changes(stationary) == []
    shifted = np.concatenate([np.abs(rng.normal(0, 5, CHANGE_AT)), np.abs(rng.normal(0, 10, 2000))])
    found = adwin_changes(shifted)
    assert found and CHANGE_AT <= found[0] <= CHANGE_AT + 300


@pytest.mark.parametrize("seed", range(5))
def test_ddm_flags_a_rise_in_the_error_rate_soon_and_is_quiet_when_stationary(seed):
    rng = np.random.default_rng(100 + seed)
    assert ddm_changes(rng.random(6000) < 0.1) == []
    stream = np.concatenate([rng.random(CHANGE_AT) < 0.1, rng.random(2000) < 0.3])
    found = ddm_changes(stream)
    assert found and CHANGE_AT <= found[0] <= CHANGE_AT + 600


def test_error_stream_changes_returns_time_ordered_rows_for_the_chart():
    rng = np.random.default_rng(7)
    n = 4000
    ts = pd.date_range("2026-10-01", periods=n, freq="5min")
    y_true = rng.integers(20, 100, n).astype(float)
    noise = np.where(np.arange(n) < CHANGE_AT, rng.normal(0, 4, n), rng.normal(8, 10, n))
    shuffled = rng.permutation(n)  # input order is irrelevant: the stream is replayed in time order
    changes = error_stream_changes(
        pd.DataFrame({"ts": ts[shuffled], "y_true": y_true[shuffled], "y_pred": (y_true + noise)[shuffled]})
    )
    assert set(changes["detector"]) == {"adwin", "ddm"}
    first = changes.groupby("detector")["index"].min()
    assert ((first >= CHANGE_AT) & (first <= CHANGE_AT + 600)).all()
    assert changes["ts"].is_monotonic_increasing
    assert (changes["ts"] == ts[changes["index"]]).all()
    row = changes.iloc[0]
    assert row["window_mean"] > 5  # the error level after the change, for the chart label


def test_requests_by_hour_matches_numpy_percentiles():
    rng = np.random.default_rng(3)
    ts = pd.Timestamp("2026-11-01 10:00") + pd.to_timedelta(rng.integers(0, 7200, 1000), unit="s")
    durations = rng.lognormal(1.5, 0.5, 1000)
    status = np.where(rng.random(1000) < 0.05, 500, np.where(rng.random(1000) < 0.1, 422, 200))
    out = requests_by_hour(pd.DataFrame({"ts": ts, "duration_ms": durations, "status": status}))
    assert out["requests"].sum() == 1000 and len(out) == 2
    first = ts < pd.Timestamp("2026-11-01 11:00")
    assert out.loc[0, "p50_ms"] == pytest.approx(np.percentile(durations[first], 50))
    assert out.loc[0, "p95_ms"] == pytest.approx(np.percentile(durations[first], 95))
    assert out.loc[0, "error_rate"] == pytest.approx(np.mean(status[first] == 500))
    assert out.loc[1, "client_error_rate"] == pytest.approx(np.mean(status[~first] == 422))


def test_change_points_are_stored_per_monitor_run_and_the_latest_run_is_read():
    from datetime import datetime

    import duckdb

    from analytics.online_drift import error_stream_changes
    from warehouse.monitoring_queries import get_error_change_points_df, insert_change_points
    from warehouse.schema import apply_schema

    rng = np.random.default_rng(2)
    n = 4000
    y = rng.integers(20, 100, n).astype(float)
    outcomes = pd.DataFrame(
        {
            "ts": pd.date_range("2026-10-01", periods=n, freq="min"),
            "y_true": y,
            "y_pred": y + np.where(np.arange(n) < CHANGE_AT, rng.normal(0, 4, n), rng.normal(9, 9, n)),
        }
    )
    changes = error_stream_changes(outcomes)
    con = duckdb.connect()
    apply_schema(con)
    for run_id, at in (("old", datetime(2026, 10, 1)), ("new", datetime(2026, 10, 2))):
        con.execute("INSERT INTO ml.monitor_runs (run_id, run_at) VALUES (?, ?)", [run_id, at])
        assert insert_change_points(con, run_id, changes.head(1) if run_id == "old" else changes) > 0
    stored = get_error_change_points_df(con)
    assert len(stored) == len(changes)
    assert stored["stream_index"].tolist() == changes["index"].tolist()
    assert insert_change_points(con, "empty", changes.head(0)) == 0
