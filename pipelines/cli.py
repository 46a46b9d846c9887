"""`python -m pipelines` — the command line of every job."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Callable

from pipelines.errors import PipelineError
from warehouse.settings import get_settings

Handler = Callable[[argparse.Namespace], int]
Configure = Callable[[argparse.ArgumentParser], None]
_COMMANDS: dict[str, tuple[Configure, Handler, str]] = {}


def register_command(name: str, help_text: str, configure: Configure, handler: Handler) -> None:
    """Add a sub-command (used by the pipelines/cmd_*.py modules)."""
    _COMMANDS[name] = (configure, handler, help_text)


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    print(json.dumps(payload, default=str) if getattr(args, "json", False) else text)


# ---- build -------------------------------------------------------------------------------
def _build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--students", type=Path, help="a StudentsPerformance CSV instead of demo students")
    p.add_argument("--scale", type=int, default=1000, help="number of demo students (default 1000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--sessions", type=int, help="demo app sessions (default 1.6 per student; 0 = no demo events)")
    p.add_argument("--demo-activity", action="store_true",
                   help="with --students: also generate demo materials, interactions and events (marked demo)")
    p.add_argument("--as-of", type=date.fromisoformat, help="last day of demo activity (default today, UTC)")
    p.add_argument("--drift", action="store_true", help="plant a drifted intake in the last 7 days")
    p.add_argument("--skip-models", action="store_true", help="data only: no training, scoring or recsys")


def _build(args: argparse.Namespace) -> int:
    from pipelines import build as build_mod
    from pipelines.steps import post_build_steps

    if args.scale < 1:
        raise PipelineError("--scale must be at least 1")
    if args.sessions is not None and args.sessions < 0:
        raise PipelineError("--sessions must be 0 or more")
    if args.students and not args.demo_activity and args.sessions:
        raise PipelineError("--sessions makes demo events; with --students add --demo-activity to opt in")
    settings = get_settings()
    summary = build_mod.build(build_mod.BuildOptions(
        db_path=args.db, events_dir=settings.events_dir, scale=args.scale, seed=args.seed,
        students_csv=args.students, sessions=args.sessions, demo_activity=args.demo_activity,
        as_of=args.as_of, drift=args.drift,
        post_steps=() if args.skip_models else post_build_steps()))
    from pipelines.progress import TIMINGS

    payload = {"students": summary.students, "quarantined": summary.quarantined, "materials": summary.materials,
               "interactions": summary.interactions, "events": summary.events, **summary.extra,
               "seconds": dict(TIMINGS)}
    emit(args, payload, f"built {args.db}: " + ", ".join(f"{k}={v}" for k, v in payload.items()
                                                            if not isinstance(v, dict)))
    return 0


# ---- ingest ------------------------------------------------------------------------------
def _ingest_students_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV with the Kaggle or snake_case header")
    p.add_argument("--replace", action="store_true", help="replace all current students with this file")


def _ingest_students(args: argparse.Namespace) -> int:
    from pipelines.ingest_students import ingest_students

    s = ingest_students(args.db, args.file, replace=args.replace)
    reasons = ", ".join(f"{k}: {v}" for k, v in s.reasons.items()) or "none"
    emit(args, s.as_json(), f"{args.file.name}: loaded {s.loaded}, quarantined {s.quarantined} "
                             f"(reasons: {reasons}); encoding {s.encoding}"
                             + (f"; ignored columns: {', '.join(s.ignored_columns)}" if s.ignored_columns else ""))
    return 0


def _ingest_events(args: argparse.Namespace) -> int:
    from pipelines.ingest_events import ingest_events

    s = ingest_events(args.db, args.events_dir or get_settings().events_dir)
    emit(args, s.as_json(), f"ingested {s.loaded} new events from {s.files} files; {s.total} in total")
    return 0


def _ingest_events_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--events-dir", type=Path, help="event log folder (default EDULOOP_EVENTS_DIR)")


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--parquet", type=Path, required=True, help="output folder")


def _export(args: argparse.Namespace) -> int:
    from pipelines.export import export_parquet

    counts = export_parquet(args.db, args.parquet)
    emit(args, counts, f"exported {len(counts)} datasets to {args.parquet} ({counts['core.events']} events)")
    return 0


BUILTIN = {
    "build": (_build_args, _build, "from nothing to a ready warehouse (demo data or --students CSV)"),
    "ingest-students": (_ingest_students_args, _ingest_students, "load a StudentsPerformance CSV"),
    "ingest-events": (_ingest_events_args, _ingest_events, "load new app events (idempotent)"),
    "export": (_export_args, _export, "export tables and marts as Parquet"),
}


def make_parser(registered: bool = True) -> argparse.ArgumentParser:
    """The argument parser with every registered command (only the built-in ones without `registered`)."""
    if registered:
        import_module("pipelines.commands")   # registers the model, recsys, effect and monitor commands

    parser = argparse.ArgumentParser(prog="python -m pipelines", description="EduLoop pipelines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (configure, handler, help_text) in {**BUILTIN, **(_COMMANDS if registered else {})}.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", type=Path, default=get_settings().db_path,
                       help="warehouse file (default EDULOOP_DB or data/warehouse.duckdb)")
        p.add_argument("--json", action="store_true", help="print the summary as JSON")
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; failures print one line and return a non-zero exit code."""
    argv = sys.argv[1:] if argv is None else argv
    # A built-in command (ingest-events runs every few minutes) skips importing the model and recsys
    # stacks: scikit-learn and pandas alone take ~2 s to import.
    args = make_parser(registered=not (argv and argv[0] in BUILTIN)).parse_args(argv)
    try:
        return args.handler(args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a one-line reason, never a traceback, for users of the CLI
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        if get_settings().environment == "debug":
            raise
        return 1
