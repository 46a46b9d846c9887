"""Alert rules over monitoring inputs; alerts carry a message key and params, never display text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

FAILED_STATUSES = frozenset({"failed", "error"})
SEVERITY = {
    "ctr_drop": "warning",
    "error_rate": "critical",
    "feature_drift": "warning",
    "retrain_failed": "critical",
}


@dataclass(frozen=True)
class AlertThresholds:
    """Tunable limits of the alert rules."""

    ctr_drop_pct: float = 30.0  # latest-day CTR this many % below the trailing mean fires
    ctr_trailing_days: int = 7
    ctr_min_impressions: int = 100  # fewer impressions on the latest day is too noisy to judge
    errors_per_hour: int = 10
    psi_major: float = 0.25


@dataclass(frozen=True)
class AlertInputs:
    """Monitoring data the rules read; a rule whose input is None is skipped.

    ctr_daily: [date, variant, impressions, clicks]; errors_hourly: [hour, errors];
    drift: [feature, psi]; retrain_runs: [run_id, status, finished_at] (+ optional reason).
    """

    ctr_daily: pd.DataFrame | None = None
    errors_hourly: pd.DataFrame | None = None
    drift: pd.DataFrame | None = None
    retrain_runs: pd.DataFrame | None = None


@dataclass(frozen=True)
class Alert:
    """One fired rule; the dashboard renders `message_key` with `params` in the user's language."""

    rule: str
    severity: str
    subject: str
    value: float | None
    threshold: float | None
    message_key: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the alert as a plain dict."""
        return asdict(self)


def evaluate_alert_rules(
    inputs: AlertInputs, thresholds: AlertThresholds = AlertThresholds()
) -> list[Alert]:
    """Run every rule whose input is present and return the alerts that fire."""
    alerts: list[Alert] = []
    if inputs.ctr_daily is not None:
        alerts += ctr_drop_alerts(inputs.ctr_daily, thresholds)
    if inputs.errors_hourly is not None:
        alerts += error_rate_alerts(inputs.errors_hourly, thresholds)
    if inputs.drift is not None:
        alerts += feature_drift_alerts(inputs.drift, thresholds)
    if inputs.retrain_runs is not None:
        alerts += retrain_failed_alerts(inputs.retrain_runs)
    return alerts


def ctr_drop_alerts(ctr_daily: pd.DataFrame, thresholds: AlertThresholds) -> list[Alert]:
    """Variants whose CTR on the latest day is more than X % below their trailing-window CTR.

    The trailing CTR pools clicks and impressions of the `ctr_trailing_days` calendar days
    before the latest day (an impression-weighted mean of the daily CTRs).
    """
    if ctr_daily.empty:
        return []
    daily = ctr_daily.assign(date=pd.to_datetime(ctr_daily["date"]).dt.normalize())
    latest = daily["date"].max()
    window_start = latest - pd.Timedelta(days=thresholds.ctr_trailing_days)
    alerts = []
    for variant, rows in daily.groupby("variant", sort=True):
        today = rows[rows["date"] == latest]
        trailing = rows[(rows["date"] >= window_start) & (rows["date"] < latest)]
        today_n, trailing_n = today["impressions"].sum(), trailing["impressions"].sum()
        if today_n < thresholds.ctr_min_impressions or trailing_n == 0:
            continue
        trailing_ctr = trailing["clicks"].sum() / trailing_n
        if trailing_ctr == 0:
            continue
        latest_ctr = today["clicks"].sum() / today_n
        drop_pct = (1 - latest_ctr / trailing_ctr) * 100
        if drop_pct > thresholds.ctr_drop_pct:
            alerts.append(_alert(
                "ctr_drop", str(variant), drop_pct, thresholds.ctr_drop_pct,
                variant=str(variant), date=latest.date().isoformat(), latest_ctr=float(latest_ctr),
                trailing_ctr=float(trailing_ctr), drop_pct=float(drop_pct), impressions=int(today_n),
                trailing_days=thresholds.ctr_trailing_days,
            ))
    return alerts


def error_rate_alerts(errors_hourly: pd.DataFrame, thresholds: AlertThresholds) -> list[Alert]:
    """One alert when any hour has more than Y errors; it reports the peak hour."""
    if errors_hourly.empty:
        return []
    per_hour = errors_hourly.groupby(pd.to_datetime(errors_hourly["hour"]))["errors"].sum()
    over = per_hour[per_hour > thresholds.errors_per_hour]
    if over.empty:
        return []
    peak_hour = over.idxmax()
    return [_alert(
        "error_rate", peak_hour.isoformat(), over.max(), thresholds.errors_per_hour,
        hour=peak_hour.isoformat(), errors=int(over.max()), hours_over=len(over),
        first_hour=over.index.min().isoformat(), last_hour=over.index.max().isoformat(),
    )]


def feature_drift_alerts(drift: pd.DataFrame, thresholds: AlertThresholds) -> list[Alert]:
    """One alert per feature whose PSI exceeds the major-drift threshold."""
    major = drift[drift["psi"] > thresholds.psi_major]
    return [
        _alert("feature_drift", str(row.feature), row.psi, thresholds.psi_major,
               feature=str(row.feature), psi=float(row.psi))
        for row in major.itertuples(index=False)
    ]


def retrain_failed_alerts(retrain_runs: pd.DataFrame) -> list[Alert]:
    """An alert when the most recent retraining run failed (a later success clears it)."""
    if retrain_runs.empty:
        return []
    latest = retrain_runs.sort_values("finished_at").iloc[-1]
    if str(latest["status"]).lower() not in FAILED_STATUSES:
        return []
    params = {"run_id": str(latest["run_id"]), "finished_at": str(latest["finished_at"])}
    if "reason" in retrain_runs.columns and pd.notna(latest["reason"]):
        params["reason"] = str(latest["reason"])
    return [_alert("retrain_failed", params["run_id"], None, None, **params)]


def errors_per_hour(timestamps: pd.Series) -> pd.DataFrame:
    """Count error events per clock hour: DataFrame[hour, errors] for the error-rate rule."""
    ts = pd.to_datetime(pd.Series(timestamps), format="ISO8601").dropna()
    counts = ts.dt.floor("h").value_counts().sort_index()
    return pd.DataFrame({"hour": counts.index, "errors": counts.to_numpy(dtype="int64")})


def _alert(rule: str, subject: str, value, threshold, **params: Any) -> Alert:
    """Build an Alert whose key and severity follow the rule name (params must be JSON-able)."""
    return Alert(
        rule=rule,
        severity=SEVERITY[rule],
        subject=subject,
        value=None if value is None else float(value),
        threshold=None if threshold is None else float(threshold),
        message_key=f"alerts.{rule}",
        params=params,
    )
