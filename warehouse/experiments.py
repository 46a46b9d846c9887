"""Declared experiments (ml.experiments) and the per-session sums their A/B statistics need.

Writers (`insert_experiment`, `stop_experiment`) run on a pipeline's writer connection; readers take
any connection. Event sources are allowlisted relation names; every user value is a bound parameter.
"""
from __future__ import annotations

import os
import threading
from datetime import date, datetime, timedelta, timezone

import duckdb
import pandas as pd

from warehouse.connection import WarehouseMissing, read_only
from warehouse.schema import read_sql

ADVICE_EXPERIMENT = "advice-v1"    # events on the advice page without an experiment key belong here
ADVICE_PAGE = "predict"
EVENT_SOURCES = ("core.events", "live_events")   # live_events: see warehouse.ops_queries.open_live_events
# pending_events: the not-yet-ingested part of live_events; *_session_events: see open_session_events
STATS_SOURCES = (*EVENT_SOURCES, "pending_events", "published_session_events", "live_session_events")
STATS_KEYS = {"sessions": ["variant"], "daily": ["day", "variant"], "actions": ["variant", "action"]}
EXPERIMENT_COLUMNS = ("experiment_key", "kind", "variants", "allocation", "primary_action", "start_day",
                      "end_day", "status", "created_at", "stopped_at", "description")


def insert_experiment(con, *, key: str, kind: str, variants: list[str], allocation: list[float],
                      primary_action: str, start_day: date | None = None, end_day: date | None = None,
                      description: str | None = None, replace: bool = False) -> None:
    """Declare an experiment (status running); `replace` overwrites an existing one of that key."""
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    con.execute(f"{verb} INTO ml.experiments BY NAME SELECT $key AS experiment_key, $kind AS kind, "
                "$variants AS variants, $allocation AS allocation, $primary AS primary_action, "
                "$start AS start_day, $end AS end_day, 'running' AS status, $now AS created_at, "
                "NULL AS stopped_at, $description AS description",
                {"key": key, "kind": kind, "variants": list(variants), "allocation": [float(a) for a in allocation],
                 "primary": primary_action, "start": start_day, "end": end_day, "now": _now(),
                 "description": description})


def stop_experiment(con, key: str) -> bool:
    """Mark a running experiment stopped; return False when no running experiment has that key."""
    changed = con.execute("UPDATE ml.experiments SET status = 'stopped', stopped_at = $now "
                          "WHERE experiment_key = $key AND status = 'running' RETURNING experiment_key",
                          {"key": key, "now": _now()}).fetchall()
    return bool(changed)


def get_experiments_df(con, *, running_only: bool = False) -> pd.DataFrame:
    """Every declared experiment (or only running ones), by creation time."""
    return con.execute("SELECT * FROM ml.experiments WHERE NOT $running OR status = 'running' "
                       "ORDER BY created_at, experiment_key", {"running": running_only}).df()


def get_experiment(con, key: str) -> dict | None:
    """One experiment's row as a dict (variants and allocation as lists), or None."""
    df = con.execute("SELECT * FROM ml.experiments WHERE experiment_key = ?", [key]).df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["variants"], row["allocation"] = list(row["variants"]), [float(a) for a in row["allocation"]]
    return row


def get_advice_experiment(con, default_key: str) -> dict | None:
    """The experiment the Predict tab's advice runs in: the newest running A/B test whose primary action is
    `follow` (a presenter's "reset demo" declares a newer one), else `default_key`'s row, else None."""
    key = con.execute("SELECT experiment_key FROM ml.experiments WHERE status = 'running' AND kind = 'ab' "
                      "AND primary_action = 'follow' AND (start_day IS NULL OR start_day <= current_date) "
                      "AND (end_day IS NULL OR end_day >= current_date) "
                      "ORDER BY created_at DESC, experiment_key DESC LIMIT 1").fetchone()
    return get_experiment(con, key[0] if key else default_key)


def get_experiment_catalog(con) -> dict[str, tuple[str, ...]]:
    """{experiment key: variants} of every declared experiment (what incoming events are checked against)."""
    return {key: tuple(variants) for key, variants in
            con.execute("SELECT experiment_key, variants FROM ml.experiments").fetchall()}


def get_experiment_session_stats_df(con, experiment: dict, *, source: str = "core.events",
                                    start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
    """Per-variant session sums (analytics.ab_sessions.SUFFICIENT_COLUMNS) of one experiment row."""
    return _run(con, "experiment_sessions.sql", experiment, source, start, end)


def get_experiment_daily_stats_df(con, experiment: dict, *, source: str = "core.events",
                                  start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
    """The same session sums per (day a session started, variant), for cumulative daily looks."""
    return _run(con, "experiment_sessions_daily.sql", experiment, source, start, end)


def get_experiment_actions_df(con, experiment: dict, *, source: str = "core.events",
                              start: datetime | None = None, end: datetime | None = None) -> pd.DataFrame:
    """Clicks and clicking sessions per (variant, action): the primary and the secondary actions."""
    return _run(con, "experiment_actions.sql", experiment, source, start, end)


def get_experiment_stats(con, experiment: dict, *, source: str = "core.events") -> dict[str, pd.DataFrame]:
    """{sessions, daily, actions} frames (the three above) of one experiment over one event source."""
    return {name: _run(con, query, experiment, source, None, None) for name, query in
            (("sessions", "experiment_sessions.sql"), ("daily", "experiment_sessions_daily.sql"),
             ("actions", "experiment_actions.sql"))}


def get_experiment_session_ids(con, experiment: dict, *, source: str = "pending_events") -> list[str]:
    """Ids of the sessions with an impression or click of the experiment in `source` (by default the
    not-yet-ingested events: the sessions whose sums live events change)."""
    return _run(con, "experiment_session_ids.sql", experiment, source, None, None)["session_id"].tolist()


def open_session_events(con, sessions: list[str]) -> None:
    """Temp tables of every event of these sessions: published_session_events (from core.events) and
    live_session_events (those plus their pending_events, see warehouse.ops_queries.open_live_events).

    One scan of core.events for a few sessions, then each query over them reads a few rows: what a few
    sessions' sums are recomputed from when not-yet-ingested events touch them.
    """
    ids = {"ids": list(sessions)}
    con.execute("CREATE OR REPLACE TEMP TABLE published_session_events AS SELECT * EXCLUDE (ingested_at) "
                "FROM core.events WHERE session_id IN (SELECT unnest($ids::VARCHAR[]))", ids)
    con.execute("CREATE OR REPLACE TEMP TABLE live_session_events AS SELECT * FROM published_session_events "
                "UNION ALL BY NAME SELECT * FROM pending_events WHERE session_id IN (SELECT unnest($ids::VARCHAR[]))",
                ids)


def _run(con, name: str, experiment: dict, source: str, start, end) -> pd.DataFrame:
    """Run a query file over an allowlisted event source within the experiment's (and caller's) window."""
    if source not in STATS_SOURCES:
        raise ValueError(f"unknown event source {source!r}; expected one of {STATS_SOURCES}")
    lo = max(filter(None, [start, _day_start(experiment.get("start_day"))]), default=datetime(1970, 1, 1))
    day_end = experiment.get("end_day")
    hi_candidates = [end, _day_start(day_end) + timedelta(days=1) if _present(day_end) else None]
    hi = min(filter(None, hi_candidates), default=datetime(9999, 1, 1))
    params = {"key": experiment["experiment_key"], "default_key": ADVICE_EXPERIMENT, "default_page": ADVICE_PAGE,
              "start": lo, "end": hi, "primary": experiment["primary_action"]}
    # the shared CTEs, then the query's own tail; the relation name comes from the allowlist
    sql = (read_sql("queries/experiment_events.sql") + read_sql(f"queries/{name}")).replace("__EVENTS__", source)
    return con.execute(sql, params).df()


def _present(value) -> bool:
    """True for a real date (not None/NaT/NaN)."""
    return value is not None and not pd.isna(value)


def _day_start(value) -> datetime | None:
    """Midnight (naive UTC) of a date-like value, or None."""
    if not _present(value):
        return None
    return datetime.combine(pd.Timestamp(value).date(), datetime.min.time())


def _now() -> datetime:
    """Naive UTC now (the warehouse stores naive UTC timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class CatalogCache:
    """Callable giving {experiment key: variants} of a warehouse file, re-read only when the file changes.

    Returns None when the warehouse is missing or predates ml.experiments, so events are then not
    checked against declarations rather than all refused.
    """

    def __init__(self, db_path):
        self.db_path = db_path
        self._key: tuple | None = None
        self._catalog: dict | None = None
        self._lock = threading.Lock()

    def __call__(self) -> dict | None:
        """The current catalog (cached per file identity: inode, size, mtime)."""
        try:
            st = os.stat(self.db_path)
        except OSError:
            return None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            if key != self._key:
                self._catalog = self._read()
                self._key = key
            return self._catalog

    def _read(self) -> dict | None:
        """Read the catalog on a short read-only connection (None when unavailable)."""
        try:
            with read_only(self.db_path) as con:
                return get_experiment_catalog(con)
        except (WarehouseMissing, duckdb.Error):
            return None
