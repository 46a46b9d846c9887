"""Data of each Operations section: one short read-only connection, live queries, analytics.

Shared by the Operations tab's callbacks (dashboard/operations_view.py) and the ops API, so both
show exactly the same numbers. Nothing here builds components or figures.
"""
from __future__ import annotations

import functools
import gc
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

from analytics.ab_sessions import experiment_report, replace_sessions
from analytics.abtest import ABSummary, ctr_over_time, required_sample_size, summarize_ab, wilson_interval
from analytics.alerts import AlertInputs, AlertThresholds, evaluate_alert_rules
from analytics.champion import compare_models
from analytics.online_drift import requests_by_hour
from dashboard.common.cache import by_published_version
from dashboard.common.data import current_provenance
from warehouse import experiments as xq
from warehouse import ops_queries as q
from warehouse.alert_history import get_alert_history_df
from warehouse.challengers import get_active_challenger, get_model_outcomes_df
from warehouse.connection import read_only
from warehouse.events import list_event_files
from warehouse.monitoring_queries import get_error_change_points_df, get_request_log_df
from warehouse.publish import published_version
from warehouse.queries import get_build_info, get_production_model
from warehouse.settings import Settings

ERROR_WINDOW = timedelta(hours=24)
LATENCY_WINDOW = timedelta(hours=48)
MAX_RANGE_DAYS = 366


def utc_now() -> datetime:
    """Naive UTC now (the warehouse stores naive UTC timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def data_state(cfg: Settings, *, events: bool = True) -> tuple:
    """What the Operations numbers depend on: the published warehouse file and (if `events`) each event
    log's size. Publishing replaces the file (new inode) and the app only appends to logs, so equal
    states mean equal answers (up to the clock, which time-windowed sections add to their own keys).
    """
    try:
        version = published_version(cfg.db_path)
    except FileNotFoundError:
        return ("missing",)
    files = tuple((f.path, f.size_bytes) for f in list_event_files(cfg.events_dir)) if events else ()
    return (*version, files)


def thresholds(cfg: Settings) -> AlertThresholds:
    """Alert thresholds from settings (the same defaults the monitor uses)."""
    return AlertThresholds(**cfg.alert_thresholds)


@dataclass
class ABData:
    """Counts per variant, the A/B summary (None without traffic) and CTR over time."""

    counts: pd.DataFrame
    summary: ABSummary | None
    over_time: pd.DataFrame


def load_ab(cfg: Settings, *, mde: float = 0.10, power: float = 0.8) -> ABData:
    """A/B section: CTR, tests, lift, P(best), SRM and required sample size per variant."""
    with read_only(cfg.db_path) as con:
        q.open_live_events(con, cfg.events_dir)
        counts = q.get_ab_counts_df(con)
        daily = q.get_ab_daily_df(con)
    key = tuple(counts[["variant", "users", "impressions", "clicks"]].itertuples(index=False, name=None))
    summary = _summarize(key, mde, power) if counts["impressions"].sum() > 0 else None
    over_time = ctr_over_time(daily) if not daily.empty else pd.DataFrame(
        columns=["date", "variant", "impressions", "clicks", "ctr", "cum_ctr"])
    return ABData(counts, summary, over_time)


@functools.lru_cache(maxsize=64)
def _summarize(counts: tuple[tuple[str, int, int, int], ...], mde: float, power: float) -> ABSummary:
    """summarize_ab memoized by its inputs (between two clicks every refresh reuses the result).

    statsmodels' Holm adjustment calls gc.collect(), a full collection that stops every thread of
    the app process for 80-200 ms (more under load); freezing the existing objects for the call
    limits it to the few objects summarize_ab creates. unfreeze() hands them back to normal gc.
    """
    frame = pd.DataFrame(list(counts), columns=["variant", "users", "impressions", "clicks"])
    gc.freeze()
    try:
        return summarize_ab(frame, mde=mde, power=power)
    finally:
        gc.unfreeze()


def clamp_range(start: date | None, end: date | None, last_day: date | None, days: int = 30) -> tuple[date, date]:
    """A valid [start, end] of at most MAX_RANGE_DAYS; defaults to the `days` ending at the last data day."""
    end = end or last_day or utc_now().date()
    start = start or end - timedelta(days=days - 1)
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_RANGE_DAYS - 1)), end


@dataclass
class ExperimentData:
    """The declared experiments, the one picked and its session-level report (None without sessions)."""

    experiments: pd.DataFrame
    key: str | None
    experiment: dict | None
    report: dict | None
    today: date
    provenance: dict = field(default_factory=dict)
    required_sessions: int | None = None   # per variant, for the fixed-horizon test (conversion, power 0.8)


def pick_experiment(experiments: pd.DataFrame, key: str | None) -> str | None:
    """The asked key when declared, else the advice experiment, else the newest running one, else None."""
    keys = experiments["experiment_key"].astype(str).tolist() if not experiments.empty else []
    if key in keys:
        return key
    if xq.ADVICE_EXPERIMENT in keys:
        return xq.ADVICE_EXPERIMENT
    running = experiments[experiments["status"] == "running"] if keys else experiments
    return str(running["experiment_key"].iloc[-1]) if len(running) else (keys[-1] if keys else None)


def list_experiments(cfg: Settings) -> pd.DataFrame:
    """[experiment_key, status] of every declared experiment (re-read once per published warehouse)."""
    def read() -> pd.DataFrame:
        with read_only(cfg.db_path) as con:
            return xq.get_experiments_df(con)[["experiment_key", "status"]]

    return by_published_version(cfg.db_path, ("operations-experiments",), read)


def experiment_stats(cfg: Settings, experiment: dict) -> dict[str, pd.DataFrame]:
    """{sessions, daily, actions} sums of an experiment over ingested plus not-yet-ingested events.

    The ingested part scans every event (seconds at 10 M events), so it is computed once per published warehouse;
    each refresh then only re-reads the sessions that not-yet-ingested events touch, with and without those
    events, and swaps their sums (analytics.ab_sessions.replace_sessions): a click shows at once, and a new
    event costs a query over a few sessions, not over all of them.
    """
    def published() -> dict[str, pd.DataFrame]:
        with read_only(cfg.db_path) as con:
            return xq.get_experiment_stats(con, experiment)

    total = by_published_version(cfg.db_path, ("operations-experiment-stats", experiment["experiment_key"]),
                                 published)
    with read_only(cfg.db_path) as con:
        if not q.open_live_events(con, cfg.events_dir):
            return total
        sessions = xq.get_experiment_session_ids(con, experiment)
        if not sessions:
            return total
        xq.open_session_events(con, sessions)
        old = xq.get_experiment_stats(con, experiment, source="published_session_events")
        new = xq.get_experiment_stats(con, experiment, source="live_session_events")
    return {name: replace_sessions(total[name], old[name], new[name], xq.STATS_KEYS[name]) for name in total}


def get_experiment_row(cfg: Settings, key: str) -> dict | None:
    """One declared experiment's row (re-read once per published warehouse), or None."""
    def read() -> dict | None:
        with read_only(cfg.db_path) as con:
            return xq.get_experiment(con, key)

    return by_published_version(cfg.db_path, ("operations-experiment", key), read)


def load_experiment(cfg: Settings, key: str | None, *, mde: float = 0.10) -> ExperimentData:
    """Experiment section: session-level report over ingested plus not-yet-ingested events (clicks show at once)."""
    listed = list_experiments(cfg)
    key = pick_experiment(listed, key)
    experiment = get_experiment_row(cfg, key) if key else None
    report = None
    if experiment is not None:
        frames = experiment_stats(cfg, experiment)
        stats = frames["sessions"]
        if not stats.empty and int(stats["sessions"].sum()) > 0:
            report = experiment_report(stats, variants=experiment["variants"], allocation=experiment["allocation"],
                                       daily_df=frames["daily"], actions_df=frames["actions"], mde=mde)
    required = None
    if report is not None:
        control = next(v for v in report["variants"] if v["variant"] == report["control"])
        try:
            required = required_sample_size(control["conversion"] or 0.0, mde, alpha=report["alpha"])
        except ValueError:
            required = None   # no baseline conversion yet
    return ExperimentData(listed, key, experiment, report, utc_now().date(), current_provenance(cfg.db_path),
                          required)


@dataclass
class MonitoringData:
    """/predict latency and errors per hour, champion vs challenger, alert history."""

    hourly: pd.DataFrame
    challenger: dict | None
    comparison: object | None
    history: pd.DataFrame


def load_monitoring(cfg: Settings, now: datetime | None = None) -> MonitoringData:
    """Monitoring section: request log of the last 48 h by hour, the active challenger's comparison, alert history."""
    now = (now or utc_now()).replace(second=0, microsecond=0)
    with read_only(cfg.db_path) as con:
        q.open_live_events(con, cfg.events_dir)
        hourly = requests_by_hour(get_request_log_df(con, start=now - LATENCY_WINDOW, end=now))
        challenger = get_active_challenger(con)
        comparison = None
        production = get_production_model(con)
        candidate = (challenger or {}).get("rows", {}).get("regression")
        if candidate and production:
            versions = [production["version"], candidate["version"]]
            comparison = compare_models(get_model_outcomes_df(con, versions, source="live_events"), *versions)
        history = get_alert_history_df(con, limit=100)
    return MonitoringData(hourly, None if challenger is None else {"mode": challenger["mode"],
                          "run_id": challenger["run_id"], "experiment": challenger["experiment"]},
                          comparison, history)


@dataclass
class UsageData:
    """Usage within [start, end] and the previous period of equal length."""

    start: date
    end: date
    totals: dict[str, int]
    previous: dict[str, int]
    page_views: pd.DataFrame
    predictions: pd.DataFrame
    recommendations: pd.DataFrame
    rec_totals: dict[str, float] = field(default_factory=dict)
    comparison: dict = field(default_factory=dict)   # see honest_comparison


def comparison_window(start: date, end: date, first_day: date | None, today: date) -> dict:
    """Which complete days to compare with which previous period, or why there is no comparison.

    Today is a partial day, so it is left out of both sides; the previous period of equal length must lie
    entirely on or after the first day with data (a period that data only partly covers is not compared).
    Returns {current: (start, end) | None, previous: (start, end) | None, days, partial_today, reason}.
    """
    partial = end >= today
    cmp_end = min(end, today - timedelta(days=1))
    days = (cmp_end - start).days + 1
    out = {"current": None, "previous": None, "days": max(days, 0), "partial_today": partial, "reason": None}
    if days < 1:
        out["reason"] = "partial_only"
        return out
    prev_end = start - timedelta(days=1)
    prev_start = prev_end - timedelta(days=days - 1)
    out["current"] = (start, cmp_end)
    if first_day is None or prev_start < first_day:
        out["reason"] = "prev_incomplete"
        return out
    out["previous"] = (prev_start, prev_end)
    return out


def load_usage(cfg: Settings, start: date | None = None, end: date | None = None, *, days: int = 30) -> UsageData:
    """Usage section: page views by tab and day, sessions, predictions, recommendation click-through.

    Without dates the period is the `days` ending at the last day with any event (live).
    """
    with read_only(cfg.db_path) as con:
        q.open_live_events(con, cfg.events_dir)
        first_day, last_day = q.get_data_days(con)
        start, end = clamp_range(start, end, last_day, days)
        length = (end - start).days + 1
        prev_end = start - timedelta(days=1)
        totals = q.get_usage_totals(con, start, end)
        previous = q.get_usage_totals(con, prev_end - timedelta(days=length - 1), prev_end)
        window = comparison_window(start, end, first_day, utc_now().date())
        comparison = {**window,
                      "current_totals": q.get_usage_totals(con, *window["current"]) if window["current"] else None,
                      "previous_totals": q.get_usage_totals(con, *window["previous"]) if window["previous"] else None}
        views = q.get_page_views_df(con, start, end)
        predictions = q.get_daily_events_df(con, "prediction", start, end)
        recs = q.get_recommendation_daily_df(con, start, end)
    shown, clicks = int(recs["shown"].sum()), int(recs["clicks"].sum())
    low, high = wilson_interval(min(clicks, shown), shown) if shown else (np.nan, np.nan)
    recs = recs.assign(ctr=recs["clicks"] / recs["shown"].where(recs["shown"] > 0))
    rec_totals = {"shown": shown, "clicks": clicks, "ctr": clicks / shown if shown else np.nan,
                  "ctr_low": float(low), "ctr_high": float(high)}
    return UsageData(start, end, totals, previous, views, predictions, recs, rec_totals, comparison)


@dataclass
class ErrorsData:
    """Errors in the last 24 h (per message and per hour) and the newest error events."""

    since: datetime
    total: int
    messages: pd.DataFrame
    hourly: pd.DataFrame
    latest: pd.DataFrame


def load_errors(cfg: Settings, now: datetime | None = None) -> ErrorsData:
    """Errors section (the 24 h window moves by whole minutes, so a minute's refreshes agree)."""
    since = (now or utc_now()).replace(second=0, microsecond=0) - ERROR_WINDOW
    with read_only(cfg.db_path) as con:
        q.open_live_events(con, cfg.events_dir)
        messages = q.get_error_messages_df(con, since)
        hourly = q.get_errors_hourly_df(con, since)
        latest = q.get_latest_errors_df(con, 10)
    return ErrorsData(since, int(messages["errors"].sum()) if not messages.empty else 0, messages, hourly, latest)


@dataclass
class HealthData:
    """Model registry, drift of the latest monitor run, performance over time and deployment facts."""

    production: dict | None
    versions: pd.DataFrame
    metrics: pd.DataFrame
    drift: pd.DataFrame
    last_run: dict | None
    performance: pd.DataFrame
    meta: dict[str, str | None]
    change_points: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_health(cfg: Settings) -> HealthData:
    """Model and data health section, with the meta facts (environment, versions, refresh time)."""
    with read_only(cfg.db_path) as con:
        production = get_production_model(con)
        versions = q.get_model_versions_df(con)
        drift = q.get_latest_drift_df(con)
        last_run = q.get_last_monitor_run(con)
        performance = q.get_performance_df(con)
        change_points = get_error_change_points_df(con)
        info = get_build_info(con)
    meta = {"environment": cfg.environment, "region": cfg.region, "app_version": cfg.app_version,
            "deployed_at": cfg.deployed_at, "refreshed_at": info.get("refreshed_at")}
    return HealthData(production, versions, q.model_metrics_long(versions), drift, last_run, performance, meta,
                      change_points)


@dataclass
class AlertsData:
    """Recorded open alerts (acknowledgeable) and alerts the live rules fire that are not recorded yet."""

    recorded: pd.DataFrame
    live: pd.DataFrame


def load_alerts(cfg: Settings, now: datetime | None = None) -> AlertsData:
    """Alerts section: open alerts from ml.alerts plus the rules evaluated on live data."""
    now = (now or utc_now()).replace(second=0, microsecond=0)
    with read_only(cfg.db_path) as con:
        q.open_live_events(con, cfg.events_dir)
        recorded = q.get_alerts_df(con)
        drift = q.get_latest_drift_df(con)
        last_run = q.get_last_monitor_run(con)
        fired = evaluate_alert_rules(AlertInputs(
            ctr_daily=q.get_ab_daily_df(con),
            errors_hourly=q.get_errors_hourly_df(con, now - ERROR_WINDOW),
            drift=drift[["feature", "psi"]].dropna() if not drift.empty else None,
            retrain_runs=q.get_retrain_runs_df(con),
        ), thresholds(cfg))
        window_end = last_run.get("window_end") if last_run else None
        candidates = pd.DataFrame([{
            "rule": a.rule, "severity": a.severity, "subject": a.subject, "value": a.value,
            "threshold": a.threshold, "message_key": a.message_key, "params": json.dumps(a.params, default=str),
            "incident": q.alert_incident(a.rule, a.subject, a.params, window_end)} for a in fired],
            columns=["rule", "severity", "subject", "value", "threshold", "message_key", "params", "incident"])
        live = q.filter_new_alerts(con, candidates)
    return AlertsData(recorded, live)


def frame_records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (timestamps as ISO strings, NaN as None)."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].map(lambda v: None if pd.isna(v) else pd.Timestamp(v).isoformat())
    out = out.astype(object).where(out.notna(), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in out.to_dict("records")]
