"""`python -m pipelines monitor`: drift, performance over time and alert rules."""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError
from warehouse.settings import get_settings


def _configure(p: argparse.ArgumentParser) -> None:
    cfg = get_settings()
    p.add_argument("--events-dir", type=Path, help="event log folder (default EDULOOP_EVENTS_DIR)")
    p.add_argument("--ctr-drop-pct", type=float, default=cfg.alert_ctr_drop_pct,
                   help="alert when a variant's latest-day CTR is this many %% below its trailing 7-day CTR "
                        "(default EDULOOP_ALERT_CTR_DROP_PCT or 30)")
    p.add_argument("--errors-per-hour", type=int, default=cfg.alert_errors_per_hour,
                   help="alert when an hour has more errors than this (default EDULOOP_ALERT_ERRORS_PER_HOUR or 10)")
    p.add_argument("--psi", type=float, default=cfg.alert_psi,
                   help="alert when a feature's PSI exceeds this (default EDULOOP_ALERT_PSI or 0.25)")
    p.add_argument("--drift-days", type=int, default=7,
                   help="days of recent prediction inputs compared with the training data (default 7)")
    p.add_argument("--notify-detach", action="store_true",
                   help="deliver alert notifications from a detached process instead of waiting for them")


def _run(args: argparse.Namespace) -> int:
    from pipelines.monitor import monitor, thresholds_from_settings

    if not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build` first")
    if args.ctr_drop_pct <= 0 or args.errors_per_hour < 0 or args.psi <= 0 or args.drift_days < 1:
        raise PipelineError("thresholds must be positive and --drift-days at least 1")
    thresholds = replace(thresholds_from_settings(), ctr_drop_pct=args.ctr_drop_pct,
                         errors_per_hour=args.errors_per_hour, psi_major=args.psi)
    summary = monitor(args.db, args.events_dir or get_settings().events_dir, thresholds,
                      drift_days=args.drift_days, detach_notifications=args.notify_detach)
    raised = ", ".join(f"{a['rule']}:{a['subject']}" for a in summary.alerts_raised) or "none"
    drifted = ", ".join(summary.drifted_features) or "none"
    emit(args, summary.as_json(),
         f"monitor {summary.run_id}: {summary.current_rows} recent prediction inputs vs {summary.reference_rows} "
         f"training rows; drifted: {drifted}; new alerts: {raised}"
         + (f"; missing: {', '.join(MISSING_TEXT[m] for m in summary.missing)}" if summary.missing else ""))
    return 0


MISSING_TEXT = {
    "reference": "students (load a StudentsPerformance CSV)",
    "prediction_inputs": "prediction events (predict in the app or POST /api/v1/predict) for drift",
    "outcomes": "outcomes: no prediction of a student whose true score is loaded, so no performance over time",
}


def _notify_configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--messages", type=Path, required=True, help="JSON list of alerts written by the monitor")


def _notify(args: argparse.Namespace) -> int:
    from pipelines.notify import deliver_file

    deliveries = deliver_file(args.messages, get_settings())
    emit(args, {"delivered": sum(d.ok for d in deliveries), "failed": sum(not d.ok for d in deliveries)},
         f"notifications: {sum(d.ok for d in deliveries)} delivered, {sum(not d.ok for d in deliveries)} failed")
    return 0


register_command("notify", "deliver saved alert notifications (what `monitor --notify-detach` starts)",
                 _notify_configure, _notify)
register_command("monitor", "data drift, model performance over time and alert rules (writes ml.alerts)",
                 _configure, _run)
