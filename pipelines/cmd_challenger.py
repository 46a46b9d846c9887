"""`python -m pipelines challenger start|end|compare`: a challenger model in shadow or as a canary."""
from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError

CHAMPION, CHALLENGER = "champion", "challenger"


def _configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = sub.add_parser("start", help="register a trained run as the challenger")
    start.add_argument("version", help="a registry version of the run (not production)")
    start.add_argument("--mode", choices=("shadow", "canary"), default="shadow",
                       help="shadow: score every /predict in the background, never shown; canary: serve a share")
    start.add_argument("--percent", type=float, default=10.0, help="canary: share of sessions served (default 10)")
    sub.add_parser("end", help="end the active challenger (and stop its canary experiment)")
    compare = sub.add_parser("compare", help="challenger vs production on real outcomes")
    compare.add_argument("--freq", default="D", choices=("h", "D", "W"), help="period of the comparison")
    for action in sub.choices.values():
        action.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="warehouse file")
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _run(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build` first")
    return {"start": _start, "end": _end, "compare": _compare}[args.action](args)


def _start(args) -> int:
    from analytics.experiments import parse_spec
    from pipelines.cmd_experiment import declare
    from warehouse import challengers
    from warehouse import model_queries as mq
    from warehouse.publish import write_transaction

    if not 0 < args.percent < 100:
        raise PipelineError("--percent must be between 0 and 100")
    with write_transaction(args.db) as con:
        row = mq.get_registry_row(con, args.version)
        if row is None or not row.get("run_id"):
            raise PipelineError(f"VERSION: no registered training run has version {args.version!r}")
        tasks = {r["task"]: r for r in mq.get_run_rows(con, row["run_id"])}
        if set(tasks) < {"regression", "risk"}:
            raise PipelineError(f"VERSION: run {row['run_id']} lacks a regression or risk model")
        if any(r["status"] == "production" for r in tasks.values()):
            raise PipelineError(f"VERSION: run {row['run_id']} is production already")
        key = None
        if args.mode == "canary":
            key = f"canary-{row['run_id']}".lower()[:64]
            spec = parse_spec(key, f"{CHAMPION},{CHALLENGER}", f"{100 - args.percent},{args.percent}",
                              "prediction", kind="canary")
            declare(con, spec, description=f"canary of run {row['run_id']}", replace=True)
        _stop_canaries(con)
        challengers.start_challenger(con, row["run_id"], args.mode, key)
    emit(args, {"run_id": row["run_id"], "mode": args.mode, "experiment": key},
         f"challenger run {row['run_id']} in {args.mode} mode" + (f" ({args.percent:g} % of sessions, "
                                                                   f"experiment {key})" if key else ""))
    return 0


def _stop_canaries(con) -> None:
    """End active challengers and stop their canary experiments."""
    from warehouse import challengers
    from warehouse.experiments import stop_experiment

    keys = con.execute("SELECT experiment_key FROM ml.challengers WHERE status = 'active' "
                       "AND experiment_key IS NOT NULL").fetchall()
    for (key,) in keys:
        stop_experiment(con, key)
    challengers.end_challengers(con)


def _end(args) -> int:
    from warehouse import challengers
    from warehouse.publish import write_transaction

    with write_transaction(args.db) as con:
        active = challengers.get_active_challenger(con)
        _stop_canaries(con)
    if active is None:
        raise PipelineError("no active challenger")
    emit(args, {"ended": active["run_id"]}, f"ended challenger run {active['run_id']}")
    return 0


def comparison_for(con, version: str, freq: str = "D"):
    """analytics.champion.Comparison of a version's run against production, on the outcomes in the warehouse."""
    from analytics.champion import compare_models
    from warehouse import challengers
    from warehouse import model_queries as mq

    production = mq.get_production_rows(con).get("regression")
    row = mq.get_registry_row(con, version)
    if production is None or row is None:
        return None
    run_rows = {r["task"]: r for r in mq.get_run_rows(con, row["run_id"])} if row.get("run_id") else {}
    candidate = run_rows.get("regression", row)["version"]
    outcomes = challengers.get_model_outcomes_df(con, [production["version"], candidate])
    return compare_models(outcomes, production["version"], candidate, freq=freq)


def _compare(args) -> int:
    from warehouse import challengers
    from warehouse.connection import read_only

    with read_only(args.db) as con:
        active = challengers.get_active_challenger(con)
        if active is None or "regression" not in active["rows"]:
            raise PipelineError("no active challenger; start one with `challenger start VERSION`")
        result = comparison_for(con, active["rows"]["regression"]["version"], args.freq)
    if result is None:
        raise PipelineError("no production model to compare with")
    emit(args, result.as_json(), result.text())
    return 0


register_command("challenger", "run a challenger model in shadow or as a canary; compare it with production",
                 _configure, _run)
