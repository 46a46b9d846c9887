"""Model lifecycle jobs: manual promote, rollback, scheduled retrain, and the scheduler worker.

All warehouse changes go through write_transaction (one private copy, published atomically), so
the app and analysts see either the old production models or the new ones, never a mix. Promote
and rollback act on a training run (its 'regression' and 'risk' rows together) and re-score
ml.risk_scores, so the intervention list always comes from the production models.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from pipelines.errors import PipelineError
from pipelines.monitor import run_monitor, thresholds_from_settings
from pipelines.score import score_students
from pipelines.train import train_and_register, utc_now
from warehouse import model_queries as mq
from warehouse.model_artifacts import ArtifactError, load_artifact, remove_version
from warehouse.publish import write_transaction
from warehouse.settings import Settings

log = logging.getLogger("eduloop.models")


def _verify_artifacts(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        try:
            load_artifact(row["artifact_path"], row["artifact_sha256"])
        except ArtifactError as exc:
            raise PipelineError(f"cannot use {row['version']}: {exc}") from exc


def _run_rows(con, version: str) -> list[dict[str, Any]]:
    row = mq.get_registry_row(con, version)
    if row is None or row["task"] not in mq.TASKS:
        raise PipelineError(f"unknown model version {version!r} "
                            "(see `python -m pipelines models` or GET /api/v1/models)")
    rows = mq.get_run_rows(con, row["run_id"]) if row.get("run_id") else [row]
    if sorted(r["task"] for r in rows) != sorted(mq.TASKS):
        raise PipelineError(f"run of {version} lacks a regression or risk model; cannot promote it")
    return rows


def promote_version(con, version: str, *, now: datetime | None = None, rescore: bool = True) -> dict[str, Any]:
    """Make the run of `version` production (checking its artifacts); archive the current production."""
    now = now or utc_now()
    rows = _run_rows(con, version)
    run_id = rows[0]["run_id"]
    if all(r["status"] == "production" for r in rows):
        return {"run_id": run_id, "versions": [r["version"] for r in rows], "already": True}
    _verify_artifacts(rows)
    archived = mq.archive_production(con, f"superseded by run {run_id} (manual promote)")
    mq.set_run_status(con, run_id, "production", "manual promote", promoted_at=now)
    scored = score_students(con).as_json() if rescore else None
    return {"run_id": run_id, "versions": [r["version"] for r in rows], "archived": archived,
            "already": False, "scored": scored}


def rollback(con, *, now: datetime | None = None, rescore: bool = True) -> dict[str, Any]:
    """Bring back the previous production run; the current one is archived as rolled back."""
    now = now or utc_now()
    current = mq.get_production_rows(con).get("regression")
    if current is None:
        raise PipelineError("no production model to roll back")
    previous = mq.get_previous_production_run(con, current["promoted_at"])
    if previous is None:
        raise PipelineError("no previous production model to roll back to")
    rows = mq.get_run_rows(con, previous)
    _verify_artifacts(rows)
    mq.archive_production(con, f"rolled_back to run {previous}")
    mq.set_run_status(con, previous, "production", f"restored by rollback from run {current['run_id']}",
                      promoted_at=now)
    scored = score_students(con).as_json() if rescore else None
    return {"from_run": current["run_id"], "to_run": previous, "versions": [r["version"] for r in rows],
            "scored": scored}


def _monitor_alerts(con, settings: Settings) -> dict:
    """Run the monitor's alert rules now (a failed run raises retrain_failed)."""
    summary = run_monitor(con, thresholds_from_settings(settings), events_dir=settings.events_dir)
    return {"run_id": summary.run_id, "alerts_raised": summary.alerts_raised}


def retrain(db_path: str | Path, settings: Settings, **options) -> dict[str, Any]:
    """Scheduled run: train -> evaluate -> register/gate -> score -> monitor; a failure is recorded,
    alerted and notified (webhook / e-mail, see pipelines.notify), after the warehouse is published."""
    outcome = _retrain_once(db_path, settings, **options)
    notify_retrain_outcome(outcome, settings)
    return outcome


def notify_retrain_outcome(outcome: dict[str, Any], settings: Settings) -> None:
    """Notify the alerts the run's monitor raised; a failed run notifies even if its monitor did not run."""
    from pipelines.notify import notify_alerts

    alerts = list((outcome.get("monitor") or {}).get("alerts_raised") or [])
    train = outcome.get("train") or {}
    if train.get("status") == "failed" and not any(a.get("rule") == "retrain_failed" for a in alerts):
        alerts.append({"rule": "retrain_failed", "severity": "critical", "subject": train.get("run_id"),
                       "params": {"reason": train.get("reason")}})
    notify_alerts(alerts, settings)


def _retrain_once(db_path: str | Path, settings: Settings, *, seed: int = 0, n_trials: int = 20,
                  tolerance: float | None = None, cv_repeats: int = 2, max_rows: int | None = None) -> dict[str, Any]:
    """One retraining run without notifications (see `retrain`)."""
    summary = None
    try:
        with write_transaction(db_path) as con:
            summary = train_and_register(con, settings, seed=seed, n_trials=n_trials, tolerance=tolerance,
                                         cv_repeats=cv_repeats, max_rows=max_rows)
            scored = score_students(con).as_json() if summary.promoted else None
            monitor = _monitor_alerts(con, settings)
        return {"train": summary.as_json(), "score": scored, "monitor": monitor}
    except Exception as exc:   # e.g. scoring failed: nothing of the run was published; record that
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
        run_id = summary.run_id if summary else f"{utc_now():%Y%m%dT%H%M%S}-fail"
        if summary:
            for version in (summary.regression_version, summary.risk_version):
                if version:
                    remove_version(settings.models_dir, version)
        started = datetime.fromisoformat(summary.started_at) if summary else utc_now()
        with write_transaction(db_path) as con:
            con.execute("DELETE FROM ml.retrain_runs WHERE run_id = ?", [run_id])
            mq.insert_retrain_run(con, run_id, started, utc_now(), "failed", reason)
            try:
                monitor = _monitor_alerts(con, settings)
            except Exception:   # the failure is recorded; the next monitor run raises the alert
                log.exception("monitor after a failed retrain run")
                monitor = None
        return {"train": {"run_id": run_id, "status": "failed", "reason": reason}, "score": None, "monitor": monitor}


def make_scheduler(cron: str, job: Callable[[], Any]):
    """A blocking APScheduler running `job` at the cron expression (UTC), one run at a time."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    try:
        trigger = CronTrigger.from_crontab(cron, timezone="UTC")
    except ValueError as exc:
        raise PipelineError(f"invalid cron expression {cron!r}: {exc}") from exc
    scheduler = BlockingScheduler(timezone="UTC")
    # coalesce + max_instances=1: a slow or missed run is not stacked; a missed run within an hour still runs.
    scheduler.add_job(job, trigger, id="retrain", max_instances=1, coalesce=True, misfire_grace_time=3600)
    return scheduler


def retrain_job(db_path: str | Path, settings: Settings, **options) -> Callable[[], dict]:
    """The scheduler's job: one retrain run, logged as one JSON line (never raises)."""
    def run() -> dict:
        """One retrain run (the scheduled job)."""
        try:
            outcome = retrain(db_path, settings, **options)
        except Exception as exc:   # e.g. the warehouse is missing: log it and keep the worker alive
            outcome = {"train": {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:500]}}
        print(json.dumps({"retrain": outcome}, default=str), flush=True)
        return outcome
    return run
