"""Named read queries of the Operations tab, monitor and ops API, on the live path.

Counts come from the aggregate tables ingest maintains (warehouse/ops_marts.py) plus the
not-yet-ingested events aggregated on the fly with the same SQL, so a click logged a second ago
is counted without scanning millions of ingested events. Call `open_live_events` first on the
connection. Bound parameters only; dates are `datetime.date`, times naive UTC `datetime`.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.connection import WarehouseMissing
from warehouse.events import create_live_events_view, pending_event_files
from warehouse.ops_marts import AGGREGATES_VERSION, aggregate_sql
from warehouse.schema import metric_sql

# Registry metrics shown across versions (figure labels exist for these).
REGISTRY_METRICS = ("rmse", "mae", "r2", "auc", "latency_ms")
# All seven model inputs (the five categories and the two scores a prediction is made from).
DRIFT_CATEGORICAL = ("gender", "race_ethnicity", "parental_education", "lunch", "test_prep")
DRIFT_NUMERIC = ("reading_score", "writing_score")
DRIFT_FEATURES = DRIFT_CATEGORICAL + DRIFT_NUMERIC
_INPUT_COLUMNS = ",\n               ".join(
    [f"json_extract_string(payload, '$.inputs.{c}') AS {c}" for c in DRIFT_CATEGORICAL]
    + [f"TRY_CAST(json_extract(payload, '$.inputs.{c}') AS DOUBLE) AS {c}" for c in DRIFT_NUMERIC])

_LIVE_COUNTS = f"""(SELECT day, event, page, variant, events FROM mart.event_counts_daily
                    UNION ALL {aggregate_sql('mart.event_counts_daily', 'pending_events')})"""
# The advice CTR KPI (warehouse/sql/metrics/advice_ctr_daily.sql) over the live counts.
_ADVICE_CTR = metric_sql("advice_ctr_daily", _LIVE_COUNTS)
_LIVE_ERRORS = f"""(SELECT event_id, ts, page, session_id, message FROM mart.error_events
                    UNION ALL {aggregate_sql('mart.error_events', 'pending_events')})"""


# Not-yet-ingested events, memoized per process by what determines them: the published warehouse
# (refresh time, how far its core.events reads) and each pending file's size. Reading them costs ~50 ms at 10 M ingested
# events (an anti-join on core.events); between two clicks every refresh of every panel reuses them.
_PENDING_CACHE: OrderedDict = OrderedDict()
_PENDING_CACHE_SIZE = 4
_PENDING_LOCK = threading.Lock()


def open_live_events(con, events_dir: str | Path) -> int:
    """Create live_events and pending_events (empty if nothing is pending); return pending file count."""
    # Every publish stamps refreshed_at and how far core.events reads: no count over the lake per request.
    facts = con.execute("""SELECT (SELECT value FROM core.build_info WHERE key = 'ops_aggregates_version'),
                                  (SELECT value FROM core.build_info WHERE key = 'refreshed_at'),
                                  (SELECT value FROM core.build_info WHERE key = 'lake_visible_until')""").fetchone()
    if facts[0] != AGGREGATES_VERSION:
        raise WarehouseMissing("the warehouse predates the operations aggregates; run "
                               "`python -m pipelines monitor` (or `marts`, or `build`) once")
    _drop_temp_relation(con, "pending_events")
    files = pending_event_files(con, events_dir)
    if not files:
        con.execute("CREATE OR REPLACE TEMP VIEW live_events AS SELECT * EXCLUDE (ingested_at) FROM core.events")
        con.execute("CREATE OR REPLACE TEMP VIEW pending_events AS "
                    "SELECT * EXCLUDE (ingested_at) FROM core.events WHERE false")
        return 0
    key = (str(Path(events_dir).resolve()), facts[1], facts[2], tuple((f.path, f.size_bytes) for f in files))
    with _PENDING_LOCK:
        cached = _PENDING_CACHE.get(key)
    if cached is None:
        source = "pending_events" if create_live_events_view(con, events_dir) else \
            "(SELECT * EXCLUDE (ingested_at) FROM core.events WHERE false)"
        cached = con.sql(f"SELECT * FROM {source}").to_arrow_table()
        _drop_temp_relation(con, "pending_events")
        with _PENDING_LOCK:
            _PENDING_CACHE[key] = cached
            while len(_PENDING_CACHE) > _PENDING_CACHE_SIZE:
                _PENDING_CACHE.popitem(last=False)
    con.register("pending_arrow", cached)
    con.execute("CREATE OR REPLACE TEMP VIEW pending_events AS SELECT * FROM pending_arrow")
    con.execute("CREATE OR REPLACE TEMP VIEW live_events AS "
                "SELECT * EXCLUDE (ingested_at) FROM core.events UNION ALL BY NAME SELECT * FROM pending_events")
    return len(files)


def _drop_temp_relation(con, name: str) -> None:
    """Drop a temporary view or table of this connection, whichever it is (name from code, not users)."""
    try:
        con.execute(f"DROP VIEW IF EXISTS {name}")
    except duckdb.CatalogException:   # it is a table (create_live_events_view makes one)
        con.execute(f"DROP TABLE {name}")


def _pending_keys_sql(table: str, where: str = "") -> str:
    """Distinct pending keys of a distinct-key aggregate, optionally filtered (fixed SQL only)."""
    columns = "variant, session_key" if table == "mart.variant_sessions" else "session_key"
    return f"SELECT DISTINCT {columns} FROM ({aggregate_sql(table, 'pending_events')}) p {where}"


# ---- A/B test of the advice messages ----------------------------------------------------------
def get_ab_counts_df(con) -> pd.DataFrame:
    """Per variant: users (distinct sessions shown advice), impressions and clicks, all time."""
    return con.execute(f"""
        WITH counts AS (
            SELECT variant, sum(impressions) AS impressions, sum(clicks) AS clicks
            FROM ({_ADVICE_CTR}) a GROUP BY variant),
        pending AS ({_pending_keys_sql('mart.variant_sessions')}),
        -- pending units already counted: look up only the few pending keys in the big table
        known AS (SELECT variant, session_key FROM mart.variant_sessions
                  WHERE session_key IN (SELECT session_key FROM pending)),
        users AS (
            SELECT variant, sum(n) AS users FROM (
                SELECT variant, users AS n FROM mart.variant_users
                UNION ALL
                SELECT variant, count(*) FROM (SELECT * FROM pending EXCEPT SELECT * FROM known) GROUP BY variant)
            GROUP BY variant)
        SELECT variant, CAST(coalesce(users, 0) AS BIGINT) AS users, CAST(impressions AS BIGINT) AS impressions,
               CAST(clicks AS BIGINT) AS clicks
        FROM counts LEFT JOIN users USING (variant) ORDER BY variant""").df()


def get_ab_daily_df(con, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Advice impressions and clicks per UTC day and variant: [date, variant, impressions, clicks]."""
    return con.execute(f"""
        SELECT day AS date, variant, impressions, clicks FROM ({_ADVICE_CTR}) a
        WHERE day >= coalesce($start, DATE '0001-01-01') AND day <= coalesce($end, DATE '9999-12-31')
        ORDER BY date, variant""", {"start": start, "end": end}).df()


# ---- usage ----------------------------------------------------------------------------------
def get_data_days(con) -> tuple[date | None, date | None]:
    """First and last UTC day that has any event (ingested or pending)."""
    first, last = con.execute(f"SELECT min(day), max(day) FROM {_LIVE_COUNTS} c").fetchone()
    return first, last


def get_page_views_df(con, start: date, end: date) -> pd.DataFrame:
    """Page views per UTC day and tab within [start, end]: [date, page, views]."""
    return con.execute(f"""
        SELECT day AS date, page, page_views AS views FROM ({metric_sql('page_views_daily', _LIVE_COUNTS)}) v
        WHERE page IS NOT NULL AND day BETWEEN $start AND $end ORDER BY date, page""",
                       {"start": start, "end": end}).df()


def get_daily_events_df(con, event: str, start: date, end: date, page: str | None = None) -> pd.DataFrame:
    """Events of one type (optionally on one page) per UTC day within [start, end]: [date, events]."""
    return con.execute(f"""
        SELECT day AS date, CAST(sum(events) AS BIGINT) AS events FROM {_LIVE_COUNTS} c
        WHERE event = $event AND ($page IS NULL OR page = $page) AND day BETWEEN $start AND $end
        GROUP BY ALL ORDER BY date""", {"event": event, "page": page, "start": start, "end": end}).df()


def get_usage_totals(con, start: date, end: date) -> dict[str, int]:
    """Page views, unique sessions and predictions within [start, end] (inclusive UTC days)."""
    views, predictions = con.execute(f"""
        SELECT coalesce(sum(events) FILTER (WHERE event = 'page_view'), 0),
               coalesce(sum(events) FILTER (WHERE event = 'prediction'), 0)
        FROM {_LIVE_COUNTS} c WHERE day BETWEEN $start AND $end""", {"start": start, "end": end}).fetchone()
    # A session active on several days counts once: on its first active day within the period
    # (prev_day before the start). Pending sessions are added unless already active in the period.
    sessions = con.execute(f"""
        WITH pending AS ({_pending_keys_sql('mart.session_days', 'WHERE day BETWEEN $start AND $end')}),
        known AS (SELECT DISTINCT session_key FROM mart.session_days
                  WHERE day BETWEEN $start AND $end AND session_key IN (SELECT session_key FROM pending))
        SELECT (SELECT coalesce(sum(sessions), 0) FROM mart.session_day_counts
                WHERE day BETWEEN $start AND $end AND (prev_day IS NULL OR prev_day < $start))
             + (SELECT count(*) FROM pending) - (SELECT count(*) FROM known)""",
                           {"start": start, "end": end}).fetchone()[0]
    return {"page_views": int(views), "sessions": int(sessions), "predictions": int(predictions)}


def get_recommendation_daily_df(con, start: date, end: date) -> pd.DataFrame:
    """Recommendation lists shown and clicked per UTC day on the Recommend tab: [date, shown, clicks]."""
    return con.execute(f"""
        SELECT day AS date, shown, clicks FROM ({metric_sql('recommendation_ctr_daily', _LIVE_COUNTS)}) r
        WHERE day BETWEEN $start AND $end ORDER BY date""", {"start": start, "end": end}).df()


# ---- errors ---------------------------------------------------------------------------------
def get_errors_hourly_df(con, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """Error events per clock hour in [since, until): [hour, errors]."""
    window = f"(SELECT * FROM {_LIVE_ERRORS} e WHERE ts >= $since AND ($until IS NULL OR ts < $until))"
    return con.execute(f"SELECT hour, errors FROM ({metric_sql('errors_hourly', window)}) h ORDER BY 1",
                       {"since": since, "until": until}).df()


def get_error_messages_df(con, since: datetime) -> pd.DataFrame:
    """Error messages since a time, most frequent first: [message, errors, last_seen, pages]."""
    return con.execute(f"""
        SELECT coalesce(message, '') AS message, count(*) AS errors, max(ts) AS last_seen,
               string_agg(DISTINCT page, ', ' ORDER BY page) AS pages
        FROM {_LIVE_ERRORS} e WHERE ts >= $since GROUP BY 1 ORDER BY errors DESC, last_seen DESC""",
                       {"since": since}).df()


def get_latest_errors_df(con, limit: int = 10) -> pd.DataFrame:
    """The newest error events: [ts, page, message]."""
    return con.execute(f"SELECT ts, page, message FROM {_LIVE_ERRORS} e ORDER BY ts DESC LIMIT $limit",
                       {"limit": int(limit)}).df()


# ---- model health and drift -----------------------------------------------------------------
def get_model_versions_df(con) -> pd.DataFrame:
    """Registry rows, newest first: [version, task, algorithm, status, created_at, test_metrics]."""
    return con.execute("""
        SELECT version, task, algorithm, status, created_at, CAST(test_metrics AS VARCHAR) AS test_metrics
        FROM ml.model_registry ORDER BY created_at DESC, version DESC""").df()


def model_metrics_long(versions: pd.DataFrame) -> pd.DataFrame:
    """Registry test metrics as [model_version, metric, value], oldest version first ('test_' prefix dropped)."""
    rows = []
    for row in versions.sort_values("created_at").itertuples(index=False):
        try:
            metrics = json.loads(row.test_metrics) if row.test_metrics else {}
        except (TypeError, ValueError):
            metrics = {}
        for key, value in (metrics if isinstance(metrics, dict) else {}).items():
            name = key.removeprefix("test_")
            if name in REGISTRY_METRICS and isinstance(value, (int, float)) and not isinstance(value, bool):
                rows.append({"model_version": row.version, "metric": name, "value": float(value)})
    return pd.DataFrame(rows, columns=["model_version", "metric", "value"])


def get_latest_drift_df(con) -> pd.DataFrame:
    """Per-feature drift of the latest monitor run (empty before the first run)."""
    return con.execute("SELECT * FROM mart.latest_drift ORDER BY psi DESC NULLS LAST, feature").df()


def get_last_monitor_run(con) -> dict | None:
    """The latest ml.monitor_runs row, or None."""
    df = con.execute("SELECT * FROM ml.monitor_runs ORDER BY run_at DESC LIMIT 1").df()
    return None if df.empty else df.iloc[0].to_dict()


def get_performance_df(con) -> pd.DataFrame:
    """RMSE/MAE per model version and week from the latest monitor run: [model_version, period_start, n, rmse, mae]."""
    return con.execute("""
        SELECT model_version, period_start, n, rmse, mae FROM ml.performance_by_period
        WHERE run_id = (SELECT run_id FROM ml.monitor_runs ORDER BY run_at DESC LIMIT 1)
        ORDER BY model_version, period_start""").df()


# ---- alerts ---------------------------------------------------------------------------------
def get_alerts_df(con, *, include_acknowledged: bool = False, limit: int = 50) -> pd.DataFrame:
    """Alerts, newest first (open ones: not acknowledged, not resolved); an ack event counts even not yet ingested."""
    return con.execute("""
        WITH acks AS (
            SELECT json_extract_string(payload, '$.alert_id') AS alert_id, min(ts) AS acked_at
            FROM pending_events
            WHERE event = 'admin_action' AND json_extract_string(payload, '$.action') = 'ack_alert'
            GROUP BY 1)
        SELECT a.alert_id, a.raised_at, a.rule, a.severity, a.subject, a.value, a.threshold, a.message_key,
               CAST(a.params AS VARCHAR) AS params, a.incident,
               coalesce(a.acknowledged_at, acks.acked_at) AS acknowledged_at
        FROM ml.alerts a LEFT JOIN acks USING (alert_id)
        WHERE $all OR (coalesce(a.acknowledged_at, acks.acked_at) IS NULL AND a.resolved_at IS NULL)
        ORDER BY a.raised_at DESC, a.alert_id LIMIT $limit""",
                       {"all": include_acknowledged, "limit": int(limit)}).df()


def get_alert_state(con, alert_id: str) -> str | None:
    """'open', 'acknowledged' (in ml.alerts or by a pending ack event), or None for an unknown alert."""
    row = con.execute("""
        SELECT a.acknowledged_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM pending_events p WHERE p.event = 'admin_action'
                     AND json_extract_string(p.payload, '$.action') = 'ack_alert'
                     AND json_extract_string(p.payload, '$.alert_id') = a.alert_id)
        FROM ml.alerts a WHERE a.alert_id = ?""", [alert_id]).fetchone()
    return None if row is None else ("acknowledged" if row[0] else "open")


# ---- monitor inputs -------------------------------------------------------------------------
def get_reference_features_df(con) -> pd.DataFrame:
    """Training data features that prediction inputs also carry (core.students)."""
    return con.execute(f"SELECT {', '.join(DRIFT_FEATURES)} FROM core.students").df()


def get_recent_prediction_inputs_df(con, days: int = 7) -> tuple[pd.DataFrame, datetime | None, datetime | None]:
    """payload.inputs of live prediction events in the `days` before the newest one, and that window."""
    (end,) = con.execute("SELECT max(ts) FROM live_events WHERE event = 'prediction'").fetchone()
    if end is None:
        return pd.DataFrame(columns=list(DRIFT_FEATURES)), None, None
    start = end - timedelta(days=days)
    df = con.execute(f"""
        SELECT {_INPUT_COLUMNS}
        FROM live_events WHERE event = 'prediction' AND ts > $start AND ts <= $end
          AND json_extract(payload, '$.inputs') IS NOT NULL""", {"start": start, "end": end}).df()
    return df, start, end


def get_prediction_outcomes_df(con) -> pd.DataFrame:
    """Predictions joined to the student's true math score: [ts, model_version, y_true, y_pred].

    A real student's outcome is only ever paired with a real (app or API) prediction: generated
    demo predictions never count towards a real student's performance curve.
    """
    return con.execute("""
        SELECT e.ts, e.model_version, s.math_score AS y_true, e.predicted AS y_pred
        FROM live_events e JOIN core.students s USING (student_id)
        WHERE e.event = 'prediction' AND e.predicted IS NOT NULL
          AND (s.source = 'demo' OR coalesce(e.source, 'app') <> 'demo')""").df()


def get_retrain_runs_df(con) -> pd.DataFrame:
    """Retraining outcomes: ml.retrain_runs plus failed registry rows: [run_id, status, finished_at, reason]."""
    return con.execute("""
        SELECT run_id, status, coalesce(finished_at, started_at) AS finished_at, reason FROM ml.retrain_runs
        UNION ALL
        SELECT version, status, created_at, status_reason FROM ml.model_registry WHERE status IN ('failed', 'error')
        ORDER BY finished_at""").df()


def alert_incident(rule: str, subject: str, params: dict, drift_window_end: datetime | date | None = None) -> str:
    """The occurrence an alert is about: a CTR drop's day, a drift window's last day, else the subject."""
    if rule == "ctr_drop":
        return str(params.get("date", subject))
    if rule == "feature_drift" and drift_window_end is not None:
        return str(pd.Timestamp(drift_window_end).date())
    return str(subject)


def filter_new_alerts(con, candidates: pd.DataFrame) -> pd.DataFrame:
    """Candidates [rule, subject, incident, ...] not already recorded: no open (unacknowledged, unresolved)
    alert with the same rule and subject, and no closed one for the same incident (pending acks count)."""
    if candidates.empty:
        return candidates
    con.register("candidate_alerts", candidates)
    try:
        return con.execute("""
            WITH acks AS (
                SELECT DISTINCT json_extract_string(payload, '$.alert_id') AS alert_id FROM pending_events
                WHERE event = 'admin_action' AND json_extract_string(payload, '$.action') = 'ack_alert'),
            known AS (
                SELECT a.rule, a.subject, a.incident,
                       a.acknowledged_at IS NULL AND a.resolved_at IS NULL AND acks.alert_id IS NULL AS is_open
                FROM ml.alerts a LEFT JOIN acks USING (alert_id))
            SELECT c.* FROM candidate_alerts c
            WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.rule = c.rule AND k.subject = c.subject
                                                      AND (k.is_open OR k.incident = c.incident))""").df()
    finally:
        con.unregister("candidate_alerts")
