"""Job: data drift, model performance over time and alert rules; writes ml.drift_reports,
ml.performance_by_period, ml.monitor_runs and (de-duplicated) ml.alerts.

Reads the live path (ingested + not-yet-ingested events), so a drifted batch or a burst of errors
is caught without running ingest first. Alert acknowledgements logged by the app (admin_action
events) are copied into ml.alerts first, so an acknowledged alert can come back for a new incident.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from analytics.alerts import AlertInputs, AlertThresholds, evaluate_alert_rules
from analytics.drift import drift_report, rmse_by_period
from analytics.online_drift import error_stream_changes
from pipelines.notify import notify_alerts, notify_detached
from warehouse.alert_history import apply_ack_authors, resolve_cleared_alerts
from warehouse.monitoring_queries import insert_change_points
from warehouse.ops_marts import apply_alert_acks, event_aggregates_current, refresh_event_aggregates
from warehouse.ops_queries import (
    DRIFT_CATEGORICAL,
    DRIFT_FEATURES,
    alert_incident,
    filter_new_alerts,
    get_ab_daily_df,
    get_errors_hourly_df,
    get_prediction_outcomes_df,
    get_recent_prediction_inputs_df,
    get_reference_features_df,
    get_retrain_runs_df,
    open_live_events,
)
from warehouse.publish import write_transaction
from warehouse.queries import get_production_model
from warehouse.settings import Settings, get_settings

DRIFT_DAYS = 7          # recent prediction inputs compared with the training data
ERROR_WINDOW_HOURS = 24
PERFORMANCE_FREQ = "W"  # RMSE per ISO week


@dataclass
class MonitorSummary:
    """What one monitor run found and wrote."""

    run_id: str
    run_at: str
    window_start: str | None
    window_end: str | None
    reference_rows: int
    current_rows: int
    drifted_features: list[str] = field(default_factory=list)
    max_psi: float | None = None
    alerts_fired: int = 0
    alerts_raised: list[dict] = field(default_factory=list)
    acks_applied: int = 0
    performance_periods: int = 0
    # What a real warehouse lacks for a panel, instead of numbers: "prediction_inputs" (drift has
    # no recent prediction inputs), "outcomes" (no prediction of a student with a known score),
    # "reference" (no students to compare with).
    missing: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """JSON summary for the CLI and API."""
        return asdict(self)


def thresholds_from_settings(settings: Settings | None = None) -> AlertThresholds:
    """Alert thresholds from EDULOOP_ALERT_* settings."""
    return AlertThresholds(**(settings or get_settings()).alert_thresholds)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def run_monitor(con, thresholds: AlertThresholds, *, events_dir: str | Path, now: datetime | None = None,
                drift_days: int = DRIFT_DAYS) -> MonitorSummary:
    """Run drift, performance and alert rules on an open writer connection; return the summary."""
    now = now or _now()
    run_id = f"mon-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    if not event_aggregates_current(con):   # a warehouse from before the aggregates: bring them up to date
        refresh_event_aggregates(con)
    open_live_events(con, events_dir)
    acks = apply_alert_acks(con, "live_events")
    apply_ack_authors(con, "live_events")

    reference = get_reference_features_df(con)
    current, window_start, window_end = get_recent_prediction_inputs_df(con, drift_days)
    production = get_production_model(con)
    drift = pd.DataFrame()
    if len(reference) and len(current):
        drift = drift_report(reference, current, list(DRIFT_FEATURES), list(DRIFT_CATEGORICAL))
        con.register("drift_rows", drift.assign(run_id=run_id, run_at=now,
                                                model_version=production["version"] if production else None))
        con.execute("""INSERT INTO ml.drift_reports BY NAME SELECT run_id, run_at, model_version, feature, kind,
                       psi, jsd, band, test, statistic, p_value, drifted FROM drift_rows""")
        con.unregister("drift_rows")
    outcomes = get_prediction_outcomes_df(con)
    periods = _store_performance(con, run_id, outcomes)
    # ADWIN/DDM change points of the real prediction-error stream, for the performance chart
    insert_change_points(con, run_id, error_stream_changes(outcomes) if len(outcomes) else pd.DataFrame())
    missing = [name for name, lacking in (("reference", reference.empty), ("prediction_inputs", current.empty),
                                          ("outcomes", periods == 0)) if lacking]

    alerts = evaluate_alert_rules(AlertInputs(
        ctr_daily=get_ab_daily_df(con),
        errors_hourly=get_errors_hourly_df(con, now - timedelta(hours=ERROR_WINDOW_HOURS)),
        drift=None if drift.empty else drift[["feature", "psi"]].dropna(),
        retrain_runs=get_retrain_runs_df(con),
    ), thresholds)
    resolve_cleared_alerts(con, [(a.rule, a.subject) for a in alerts], now)
    raised = _record_alerts(con, alerts, now, window_end)
    con.execute("INSERT INTO ml.monitor_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, now, window_start, window_end, len(reference), len(current),
        int(drift["drifted"].sum()) if not drift.empty else 0, len(raised), json.dumps(asdict(thresholds))])
    return MonitorSummary(
        run_id=run_id, run_at=now.isoformat(),
        window_start=window_start.isoformat() if window_start else None,
        window_end=window_end.isoformat() if window_end else None,
        reference_rows=len(reference), current_rows=len(current),
        drifted_features=drift.loc[drift["drifted"], "feature"].tolist() if not drift.empty else [],
        max_psi=float(drift["psi"].max()) if not drift.empty and drift["psi"].notna().any() else None,
        alerts_fired=len(alerts), alerts_raised=raised, acks_applied=acks, performance_periods=periods,
        missing=missing)


def _store_performance(con, run_id: str, outcomes: pd.DataFrame) -> int:
    """RMSE/MAE of app predictions vs true scores per model version and week; return rows stored."""
    if outcomes.empty:
        return 0
    outcomes["model_version"] = outcomes["model_version"].fillna("")
    frames = [rmse_by_period(part, PERFORMANCE_FREQ).assign(model_version=version or None)
              for version, part in outcomes.groupby("model_version", sort=True)]
    rows = pd.concat(frames, ignore_index=True).assign(run_id=run_id)
    con.register("perf_rows", rows)
    con.execute("""INSERT INTO ml.performance_by_period
                   SELECT run_id, model_version, period_start, n, rmse, mae FROM perf_rows""")
    con.unregister("perf_rows")
    return len(rows)


def _record_alerts(con, alerts, now: datetime, drift_window_end) -> list[dict]:
    """Insert the alerts that are not duplicates of an open (or acknowledged, same-incident) one."""
    if not alerts:
        return []
    candidates = pd.DataFrame([{
        "alert_id": str(uuid.uuid4()), "raised_at": now, "rule": a.rule, "severity": a.severity,
        "subject": a.subject, "value": a.value, "threshold": a.threshold, "message_key": a.message_key,
        "params": json.dumps(a.params, default=str),
        "incident": alert_incident(a.rule, a.subject, a.params, drift_window_end),
    } for a in alerts])
    fresh = filter_new_alerts(con, candidates)
    if fresh.empty:
        return []
    con.register("fresh_alerts", fresh)
    con.execute("""INSERT INTO ml.alerts (alert_id, raised_at, rule, severity, subject, value, threshold,
                                          message_key, params, acknowledged_at, incident)
                   SELECT alert_id, raised_at, rule, severity, subject, value, threshold, message_key,
                          CAST(params AS JSON), NULL, incident FROM fresh_alerts""")
    con.unregister("fresh_alerts")
    return [{"alert_id": r.alert_id, "rule": r.rule, "subject": r.subject, "severity": r.severity}
            for r in fresh.itertuples(index=False)]


def monitor(db_path: str | Path, events_dir: str | Path, thresholds: AlertThresholds | None = None,
            *, drift_days: int = DRIFT_DAYS, detach_notifications: bool = False) -> MonitorSummary:
    """Run the monitor on the published warehouse and publish the result atomically."""
    with write_transaction(db_path) as con:
        summary = run_monitor(con, thresholds or thresholds_from_settings(), events_dir=events_dir,
                              drift_days=drift_days)
    # after the publish: people are told only about alerts that are in the warehouse
    if detach_notifications:
        notify_detached(summary.alerts_raised, get_settings())
    else:
        notify_alerts(summary.alerts_raised, get_settings())
    return summary


def post_build_step(con, opts) -> dict:
    """Build step: monitor the freshly built warehouse (a normal build raises no drift alert)."""
    summary = run_monitor(con, thresholds_from_settings(), events_dir=opts.events_dir)
    return {"drifted_features": summary.drifted_features, "alerts_raised": len(summary.alerts_raised),
            "missing": summary.missing}
