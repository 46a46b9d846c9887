"""`ingest-materials FILE` and `ingest-interactions FILE [--strict] [--format csv|xapi]` (a school's own activity)."""
from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError


def _summary_text(s, what: str) -> str:
    """One line: what was loaded, quarantined and why (and what was ignored)."""
    reasons = ", ".join(f"{k}: {v}" for k, v in s.reasons.items()) or "none"
    extra = "".join(f"; {k.replace('_', ' ')} {v}" for k, v in s.extra.items() if k != "format")
    return (f"{s.source_file}: {s.rows} rows, loaded {s.loaded} {what}, quarantined {s.quarantined} "
            f"(reasons: {reasons}){extra}; encoding {s.encoding}"
            + (f"; ignored columns: {', '.join(s.ignored_columns)}" if s.ignored_columns else ""))


def _require_warehouse(args: argparse.Namespace) -> None:
    if not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build --students FILE` first")


def _materials_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV: material_id, title[, subject, level, format, duration_s]")


def _materials(args: argparse.Namespace) -> int:
    from pipelines.ingest_materials import ingest_materials

    _require_warehouse(args)
    s = ingest_materials(args.db, args.file)
    emit(args, s.as_json(), _summary_text(s, "materials"))
    return 0


def _interactions_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="CSV: student_id, material_id, ts[, rating, duration_s, score]; "
                                           "or xAPI JSON lines with --format xapi")
    p.add_argument("--format", choices=("csv", "xapi"), default="csv", help="csv (default) or xapi (JSON lines)")
    p.add_argument("--strict", action="store_true",
                   help="quarantine rows naming a material not in core.materials instead of adding a minimal row")


def _interactions(args: argparse.Namespace) -> int:
    from pipelines.ingest_interactions import ingest_interactions

    _require_warehouse(args)
    s = ingest_interactions(args.db, args.file, fmt=args.format, strict=args.strict)
    emit(args, s.as_json(), _summary_text(s, "interactions") + "; run `python -m pipelines recsys` to rank from them")
    return 0


register_command("ingest-materials", "load a learning-material catalogue CSV (idempotent)", _materials_args, _materials)
register_command("ingest-interactions", "load learning activity: CSV or xAPI JSON lines (idempotent)",
                 _interactions_args, _interactions)
