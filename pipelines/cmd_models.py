"""Model commands: train, score, promote, rollback, retrain, scheduler, models (registered on import)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError
from warehouse.settings import get_settings


def _require_db(args: argparse.Namespace) -> None:
    if not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build` first")


def _training_args(p: argparse.ArgumentParser) -> None:
    cfg = get_settings()
    p.add_argument("--n-trials", type=int, default=20, help="tuning trials per search (default 20)")
    p.add_argument("--tolerance", type=float, default=cfg.promote_tolerance,
                   help="how much worse (relative) than production a candidate may be "
                        "(default EDULOOP_PROMOTE_TOLERANCE or 0.05)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cv-repeats", type=int, default=2, help="repeats of the 5-fold outer CV (default 2)")
    p.add_argument("--max-rows", type=int, default=cfg.train_max_rows,
                   help="train on a seeded sample of at most this many students (default EDULOOP_TRAIN_MAX_ROWS)")


def _check_training_args(args: argparse.Namespace) -> None:
    if args.n_trials < 1 or args.cv_repeats < 1 or args.max_rows < 100 or not 0 <= args.tolerance < 1:
        raise PipelineError("--n-trials and --cv-repeats must be ≥ 1, --max-rows ≥ 100, 0 ≤ --tolerance < 1")


def _train_text(s: dict) -> str:
    if s["status"] == "failed":
        return f"training run {s['run_id']} failed: {s['reason']}"
    m = s["metrics"]
    return (f"run {s['run_id']}: {s['decision']} — {s['algorithm']} test RMSE {m['test_rmse']:.2f}, "
            f"R² {m['test_r2']:.3f} (CV {m['cv_r2_mean']:.3f} ± {m['cv_r2_sd']:.3f}); risk {s['classifier']} "
            f"recall {m['test_recall']:.2f}, PR-AUC {m['test_pr_auc']:.3f}; {s['reason']}")


def _train_configure(p: argparse.ArgumentParser) -> None:
    _training_args(p)
    p.add_argument("--no-promote", action="store_true", help="register as candidate even if the gate passes")
    p.add_argument("--no-score", action="store_true", help="do not re-score ml.risk_scores after a promotion")


def _train(args: argparse.Namespace) -> int:
    from pipelines.score import score_students
    from pipelines.train import train_and_register
    from warehouse.publish import write_transaction

    _require_db(args)
    _check_training_args(args)
    with write_transaction(args.db) as con:
        summary = train_and_register(con, get_settings(), seed=args.seed, n_trials=args.n_trials,
                                     tolerance=args.tolerance, cv_repeats=args.cv_repeats, max_rows=args.max_rows,
                                     promote=not args.no_promote)
        scored = score_students(con).as_json() if summary.promoted and not args.no_score else None
    payload = {**summary.as_json(), "score": scored}
    if summary.status == "failed":
        raise PipelineError(_train_text(payload))
    emit(args, payload, _train_text(payload))
    return 0


def _score(args: argparse.Namespace) -> int:
    from pipelines.score import score_students
    from warehouse.publish import write_transaction

    _require_db(args)
    with write_transaction(args.db) as con:
        summary = score_students(con).as_json()
    emit(args, summary, f"scored {summary['rows']:,} students with {summary['model_version']} "
                        f"({summary['rows_per_second']:,} rows/s): high {summary['high']:,}, "
                        f"medium {summary['medium']:,}, low {summary['low']:,}")
    return 0


def _promote_configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("version", help="a registry version (its training run's regression and risk models move together)")
    p.add_argument("--no-score", action="store_true", help="do not re-score ml.risk_scores")


def _promote(args: argparse.Namespace) -> int:
    from pipelines.model_lifecycle import promote_version
    from warehouse.publish import write_transaction

    _require_db(args)
    with write_transaction(args.db) as con:
        _print_comparison(con, args)   # what the evidence says, before acting on it
        outcome = promote_version(con, args.version, rescore=not args.no_score)
    text = (f"run {outcome['run_id']} is already production" if outcome["already"] else
            f"promoted run {outcome['run_id']} ({', '.join(outcome['versions'])}); archived "
            f"{', '.join(outcome['archived']) or 'nothing'}")
    emit(args, outcome, text)
    return 0


def _print_comparison(con, args: argparse.Namespace) -> None:
    """Print the version's real-outcome comparison with production (stderr when --json keeps stdout JSON)."""
    from pipelines.cmd_challenger import comparison_for

    result = comparison_for(con, args.version)
    if result is not None:
        print(f"before promoting: {result.text()}", file=sys.stderr if args.json else sys.stdout)


def _rollback_configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-score", action="store_true", help="do not re-score ml.risk_scores")


def _rollback(args: argparse.Namespace) -> int:
    from pipelines.model_lifecycle import rollback
    from warehouse.publish import write_transaction

    _require_db(args)
    with write_transaction(args.db) as con:
        outcome = rollback(con, rescore=not args.no_score)
    emit(args, outcome, f"rolled back from run {outcome['from_run']} to run {outcome['to_run']}")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    from pipelines.model_lifecycle import retrain

    _require_db(args)
    _check_training_args(args)
    outcome = retrain(args.db, get_settings(), seed=args.seed, n_trials=args.n_trials, tolerance=args.tolerance,
                      cv_repeats=args.cv_repeats, max_rows=args.max_rows)
    if outcome["train"]["status"] == "failed":
        raise PipelineError(f"retraining run {outcome['train']['run_id']} failed: {outcome['train']['reason']}")
    emit(args, outcome, _train_text(outcome["train"]))
    return 0


def _scheduler_configure(p: argparse.ArgumentParser) -> None:
    _training_args(p)
    p.add_argument("--cron", default=get_settings().retrain_cron,
                   help="when to retrain, crontab syntax in UTC (default EDULOOP_RETRAIN_CRON or '0 3 * * *')")
    p.add_argument("--run-now", action="store_true", help="also retrain once at start-up")


def _scheduler(args: argparse.Namespace) -> int:
    from pipelines.model_lifecycle import make_scheduler, retrain_job

    _check_training_args(args)
    job = retrain_job(args.db, get_settings(), seed=args.seed, n_trials=args.n_trials, tolerance=args.tolerance,
                      cv_repeats=args.cv_repeats, max_rows=args.max_rows)
    scheduler = make_scheduler(args.cron, job)
    print(json.dumps({"scheduler": "started", "cron": args.cron, "db": str(args.db)}), flush=True)
    if args.run_now:
        job()
    try:
        scheduler.start()   # blocks; SIGINT/SIGTERM end the worker
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def _models(args: argparse.Namespace) -> int:
    from warehouse.connection import read_only
    from warehouse.model_queries import get_registry_df

    _require_db(args)
    with read_only(args.db) as con:
        df = get_registry_df(con)
    rows = df[["version", "task", "algorithm", "status", "created_at", "promoted_at", "status_reason"]]
    emit(args, {"models": rows.to_dict("records")},
         rows.to_string(index=False) if len(rows) else "no models registered")
    return 0


register_command("train", "train, evaluate and register models; promote only if they pass the gate",
                 _train_configure, _train)
register_command("score", "score every student into ml.risk_scores with the production models",
                 lambda p: None, _score)
register_command("promote", "make a registered model version (and its run's sibling) production",
                 _promote_configure, _promote)
register_command("rollback", "bring back the previous production models", _rollback_configure, _rollback)
register_command("retrain", "train -> score -> monitor, recording failures (what the scheduler runs)",
                 _training_args, _retrain)
register_command("scheduler", "long-running worker: retrain daily (EDULOOP_RETRAIN_CRON)",
                 _scheduler_configure, _scheduler)
register_command("models", "list the model registry", lambda p: None, _models)
