"""`python -m pipelines experiment create|list|stop|results`: declared experiments and their A/B results."""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError


def _configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="declare an experiment (assignment: hash of session and key)")
    create.add_argument("key", help="experiment key, e.g. advice-v2")
    create.add_argument("--variants", required=True, help="comma-separated names; the first is the control")
    create.add_argument("--allocation", help="comma-separated weights aligned with --variants (default equal)")
    create.add_argument("--primary", required=True, help="the click action that counts as a conversion")
    create.add_argument("--kind", choices=("ab", "canary"), default="ab",
                        help="canary: variants are model versions /predict routes to (champion first)")
    create.add_argument("--start", type=_day, help="first day (UTC, YYYY-MM-DD)")
    create.add_argument("--end", type=_day, help="last day, inclusive")
    create.add_argument("--description")
    sub.add_parser("list", help="every declared experiment")
    stop = sub.add_parser("stop", help="stop a running experiment")
    stop.add_argument("key")
    results = sub.add_parser("results", help="session-level A/B results of one experiment")
    results.add_argument("key")
    results.add_argument("--mde", type=float, default=0.10, help="minimum detectable relative lift (default 0.10)")
    for action in (create, sub.choices["list"], stop, results):
        # also accept --db/--json after the action; SUPPRESS keeps the parent's values otherwise
        action.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="warehouse file")
        action.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from exc


def _run(args: argparse.Namespace) -> int:
    from warehouse import experiments as wx

    if args.action != "create" and not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build` first")
    return {"create": _create, "list": _list, "stop": _stop, "results": _results}[args.action](args, wx)


def _create(args, wx) -> int:
    from analytics.experiments import parse_spec
    from warehouse.publish import write_transaction

    try:
        spec = parse_spec(args.key, args.variants, args.allocation, args.primary, kind=args.kind,
                          start_day=args.start, end_day=args.end)
    except ValueError as exc:
        raise PipelineError(str(exc)) from exc
    with write_transaction(args.db) as con:
        if wx.get_experiment(con, spec.key) is not None:
            raise PipelineError(f"KEY: experiment {spec.key!r} already exists (stop it and use a new key)")
        declare(con, spec, description=args.description)
    emit(args, {"created": spec.key, "variants": list(spec.variants), "allocation": list(spec.allocation),
                "primary_action": spec.primary_action, "kind": spec.kind},
         f"created experiment {spec.key}: " + ", ".join(f"{v} {a:.0%}" for v, a in zip(spec.variants, spec.allocation))
         + f"; primary action {spec.primary_action}")
    return 0


def declare(con, spec, *, description: str | None = None, replace: bool = False) -> None:
    """Insert a validated ExperimentSpec into ml.experiments (used by `create` and by build)."""
    from warehouse.experiments import insert_experiment

    insert_experiment(con, key=spec.key, kind=spec.kind, variants=list(spec.variants),
                      allocation=list(spec.allocation), primary_action=spec.primary_action,
                      start_day=spec.start_day, end_day=spec.end_day, description=description, replace=replace)


def _list(args, wx) -> int:
    from warehouse.connection import read_only

    with read_only(args.db) as con:
        df = wx.get_experiments_df(con)
    rows = [{"key": r.experiment_key, "kind": r.kind, "status": r.status, "variants": list(r.variants),
             "allocation": [float(a) for a in r.allocation], "primary_action": r.primary_action,
             "start_day": _day_text(r.start_day), "end_day": _day_text(r.end_day)} for r in df.itertuples()]
    text = "\n".join(f"{r['key']:<20} {r['kind']:<7} {r['status']:<8} "
                     + ",".join(f"{v}:{a:.0%}" for v, a in zip(r["variants"], r["allocation"]))
                     + f"  primary={r['primary_action']}" for r in rows) or "no experiments declared"
    emit(args, {"experiments": rows}, text)
    return 0


def _day_text(value) -> str | None:
    """A stored day as YYYY-MM-DD, or None when open-ended."""
    import pandas as pd

    return None if value is None or pd.isna(value) else str(pd.Timestamp(value).date())


def _stop(args, wx) -> int:
    from warehouse.publish import write_transaction

    with write_transaction(args.db) as con:
        if not wx.stop_experiment(con, args.key):
            raise PipelineError(f"KEY: no running experiment {args.key!r}")
    emit(args, {"stopped": args.key}, f"stopped experiment {args.key}")
    return 0


def _results(args, wx) -> int:
    from analytics.ab_sessions import experiment_report
    from warehouse.connection import read_only

    with read_only(args.db) as con:
        experiment = wx.get_experiment(con, args.key)
        if experiment is None:
            raise PipelineError(f"KEY: unknown experiment {args.key!r}")
        stats_df = wx.get_experiment_session_stats_df(con, experiment)
        daily_df = wx.get_experiment_daily_stats_df(con, experiment)
        actions_df = wx.get_experiment_actions_df(con, experiment)
    if len(stats_df) < 2:
        raise PipelineError(f"experiment {args.key!r} has sessions in {len(stats_df)} variant(s); need two")
    report = experiment_report(stats_df, variants=experiment["variants"], allocation=experiment["allocation"],
                               daily_df=daily_df, actions_df=actions_df, mde=args.mde)
    lines = [f"{r['variant']}: {r['sessions']} sessions, CTR {r['ctr']:.2%} ± {1.96 * r['ctr_se']:.2%}, "
             f"conversion ({experiment['primary_action']}) {r['conversion']:.2%}, p {r['ctr_p_value_text']} "
             f"(sequential {r['ctr_seq_p_value_text']}), P(best) {r['ctr_prob_best_text']}"
             + (f", {r['ctr_label']}" if r["ctr_label"] else "") for r in report["variants"]]
    lines += [f"  {a['variant']} {a['action']}: {a['clicks']} clicks, {a['session_share']:.2%} of sessions"
              for a in report["actions"]]
    srm = report["srm"]
    lines.append(f"SRM p = {srm['p_value_text']}" + (" — sample ratio mismatch!" if srm["mismatch"] else ""))
    emit(args, {"experiment": args.key, **report}, "\n".join(lines))
    return 0


register_command("experiment", "declare, list, stop experiments and show their session-level results",
                 _configure, _run)


def declare_advice_experiment(con) -> None:
    """The advice A/B test as a declared experiment (follow is the conversion); build calls this."""
    from analytics.experiments import ADVICE_SPEC, parse_spec

    spec = parse_spec(ADVICE_SPEC["key"], ",".join(ADVICE_SPEC["variants"]),
                      ",".join(str(a) for a in ADVICE_SPEC["allocation"]), ADVICE_SPEC["primary_action"])
    declare(con, spec, description="advice message A/B test on the Predict tab", replace=True)
