"""Each alert rule fires on a planted case and stays quiet otherwise."""

import json

import pandas as pd
import pytest

from analytics.alerts import (
    AlertInputs,
    AlertThresholds,
    errors_per_hour,
    evaluate_alert_rules,
)

THRESHOLDS = AlertThresholds(ctr_drop_pct=30.0, ctr_min_impressions=100, errors_per_hour=10)


def _ctr_days(latest_clicks_b, *, latest_impressions=1_000, days=8):
    """A at a steady 10 % CTR; B at 10 % for days-1 days, then `latest_clicks_b` on the last day."""
    dates = pd.date_range("2024-03-01", periods=days, freq="D")
    rows = [{"date": d, "variant": "A", "impressions": 1_000, "clicks": 100} for d in dates]
    rows += [{"date": d, "variant": "B", "impressions": 1_000, "clicks": 100} for d in dates[:-1]]
    rows.append({"date": dates[-1], "variant": "B", "impressions": latest_impressions,
                 "clicks": latest_clicks_b})
    return pd.DataFrame(rows)


def _rules(ctr_daily=None, errors_hourly=None, drift=None, retrain_runs=None):
    inputs = AlertInputs(ctr_daily=ctr_daily, errors_hourly=errors_hourly, drift=drift,
                         retrain_runs=retrain_runs)
    return evaluate_alert_rules(inputs, THRESHOLDS)


def test_ctr_drop_fires_for_the_dropping_variant_only():
    (alert,) = _rules(ctr_daily=_ctr_days(latest_clicks_b=50))
    assert (alert.rule, alert.subject, alert.severity) == ("ctr_drop", "B", "warning")
    assert alert.value == pytest.approx(50.0)  # 5 % against a trailing 10 %
    assert alert.threshold == 30.0
    assert alert.params["trailing_ctr"] == pytest.approx(0.10)
    assert alert.params["date"] == "2024-03-08"


def test_ctr_drop_quiet_for_small_drop_or_too_few_impressions():
    assert _rules(ctr_daily=_ctr_days(latest_clicks_b=80)) == []  # 20 % drop
    assert _rules(ctr_daily=_ctr_days(latest_clicks_b=2, latest_impressions=50)) == []


def test_ctr_drop_trailing_window_is_seven_calendar_days_weighted_by_impressions():
    days = _ctr_days(latest_clicks_b=60, days=9)
    # day 1 is outside the 7-day window; make it huge so it would mask the drop if counted
    days.loc[(days["variant"] == "B") & (days["date"] == "2024-03-01"), ["impressions", "clicks"]] = [
        100_000, 1_000,
    ]
    days.loc[(days["variant"] == "B") & (days["date"] == "2024-03-02"), ["impressions", "clicks"]] = [
        3_000, 600,
    ]
    (alert,) = _rules(ctr_daily=days)
    trailing = (600 + 6 * 100) / (3_000 + 6 * 1_000)
    assert alert.params["trailing_ctr"] == pytest.approx(trailing)
    assert alert.value == pytest.approx((1 - 0.06 / trailing) * 100)


def test_error_rate_fires_on_a_spike_and_not_at_the_threshold():
    hours = pd.date_range("2024-03-08 00:00", periods=6, freq="h")
    spiky = pd.DataFrame({"hour": hours, "errors": [1, 3, 25, 12, 0, 2]})
    (alert,) = _rules(errors_hourly=spiky)
    assert (alert.rule, alert.severity, alert.value) == ("error_rate", "critical", 25.0)
    assert alert.params["hours_over"] == 2
    assert alert.params["hour"] == hours[2].isoformat()
    calm = spiky.assign(errors=[1, 3, 10, 10, 0, 2])
    assert _rules(errors_hourly=calm) == []


def test_errors_per_hour_counts_events_per_clock_hour():
    counts = errors_per_hour(pd.Series(
        ["2024-03-08T10:00:00Z", "2024-03-08T10:59:59Z", "2024-03-08T12:30:00Z"]
    ))
    assert counts["errors"].tolist() == [2, 1]
    assert counts["hour"].dt.hour.tolist() == [10, 12]


def test_feature_drift_fires_per_feature_above_major_psi():
    drift = pd.DataFrame({"feature": ["math_score", "lunch", "gender"], "psi": [0.31, 0.25, 0.02]})
    alerts = _rules(drift=drift)
    assert [(a.rule, a.subject) for a in alerts] == [("feature_drift", "math_score")]
    assert alerts[0].value == pytest.approx(0.31)
    assert _rules(drift=drift.assign(psi=[0.2, 0.25, 0.02])) == []


def test_retrain_failed_fires_only_when_latest_run_failed():
    runs = pd.DataFrame({
        "run_id": ["r1", "r2"],
        "status": ["success", "failed"],
        "finished_at": pd.to_datetime(["2024-03-07 02:00", "2024-03-08 02:00"]),
        "reason": [None, "validation rmse above limit"],
    })
    (alert,) = _rules(retrain_runs=runs)
    assert (alert.rule, alert.subject, alert.severity) == ("retrain_failed", "r2", "critical")
    assert alert.params["reason"] == "validation rmse above limit"
    recovered = runs.assign(status=["failed", "success"])
    assert _rules(retrain_runs=recovered) == []


def test_all_rules_together_give_translatable_json_alerts():
    alerts = _rules(
        ctr_daily=_ctr_days(latest_clicks_b=40),
        errors_hourly=pd.DataFrame({"hour": pd.to_datetime(["2024-03-08 10:00"]), "errors": [40]}),
        drift=pd.DataFrame({"feature": ["lunch"], "psi": [0.5]}),
        retrain_runs=pd.DataFrame({"run_id": ["r9"], "status": ["error"],
                                   "finished_at": ["2024-03-08T02:00:00Z"]}),
    )
    assert sorted(a.rule for a in alerts) == ["ctr_drop", "error_rate", "feature_drift", "retrain_failed"]
    for alert in alerts:
        assert alert.message_key == f"alerts.{alert.rule}"
        json.dumps(alert.to_dict(), allow_nan=False)
    assert evaluate_alert_rules(AlertInputs()) == []
