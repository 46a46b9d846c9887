"""`python -m pipelines recsys` (precompute + evaluate + register) and `recsys-eval` (any ratings file).

recsys-eval evaluates every method on a ratings file with the same temporal split as the build
(each user's latest 20 % of ratings held out, every held-out rating relevant) and prints the
metrics table; with --json exactly {"k": K, "methods": {method: {precision, recall, ndcg, map,
hit_rate, coverage}}}. It never touches the warehouse.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from analytics.recsys import evaluate_methods
from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError
from pipelines.recsys import DEFAULT_K_NEIGHBOURS, DEFAULT_N, METRICS, build_recommendations, metrics_payload
from pipelines.recsys_io import FORMATS, RatingsFormatError, read_ratings
from warehouse.publish import write_transaction

METRIC_HEADERS = {"precision": "P@{k}", "recall": "R@{k}", "ndcg": "NDCG@{k}", "map": "MAP@{k}",
                  "hit_rate": "hit@{k}", "coverage": "coverage"}


# ---- recsys ---------------------------------------------------------------------------------------
def _recsys_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, default=DEFAULT_K_NEIGHBOURS,
                   help=f"neighbours of user-kNN (default {DEFAULT_K_NEIGHBOURS})")
    p.add_argument("--n", type=int, default=DEFAULT_N, help=f"recommendations per student (default {DEFAULT_N})")
    p.add_argument("--seed", type=int, default=42, help="seed of the neighbour groups (large warehouses)")


def _recsys(args: argparse.Namespace) -> int:
    if not Path(args.db).exists():
        raise PipelineError(f"warehouse not found at {args.db}; run `python -m pipelines build`")
    with write_transaction(args.db) as con:
        summary = build_recommendations(con, k_neighbours=args.k, n=args.n, seed=args.seed)
    payload = summary.as_json()
    ndcg = ", ".join(f"{m} {v:.3f}" for m, v in summary.evaluation["ndcg"].items() if v is not None)
    methods = ", ".join(f"{m} {c:,}" for m, c in summary.by_method.items())
    emit(args, payload, f"{summary.version}: {summary.rows:,} recommendations ({summary.n} per student, "
                        f"K={summary.k_neighbours}) for {summary.students:,} students [{methods}] in "
                        f"{summary.seconds['total']:.1f} s; NDCG@{summary.evaluation['k']} on "
                        f"{summary.evaluation['students']:,} students: {ndcg}")
    return 0


# ---- recsys-eval ----------------------------------------------------------------------------------
def _eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ratings", type=Path, required=True, help="ratings file (user, item, rating, timestamp)")
    p.add_argument("--format", choices=FORMATS, default="movielens",
                   help="movielens: tab-separated u.data; csv: header with user/item/rating/timestamp columns")
    p.add_argument("--k", type=int, default=10, help="list length K of the metrics (default 10)")


def load_ratings_file(path: Path, fmt: str):
    """The ratings of a file, or PipelineError naming the file (and line and column when known)."""
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    try:
        return read_ratings(path, fmt)
    except RatingsFormatError as exc:
        raise PipelineError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read file ({exc.strerror})") from exc


def metrics_text(payload: dict, facts: str) -> str:
    """The metrics table as aligned text, one row per method."""
    k = payload["k"]
    headers = [METRIC_HEADERS[m].format(k=k) for m in METRICS]
    width = max(len("method"), *(len(m) for m in payload["methods"]))
    lines = [facts, f"{'method':<{width}}  " + "  ".join(f"{h:>9}" for h in headers)]
    for method, values in payload["methods"].items():
        cells = ["–" if values[m] is None else f"{values[m]:.4f}" for m in METRICS]
        lines.append(f"{method:<{width}}  " + "  ".join(f"{c:>9}" for c in cells))
    return "\n".join(lines)


def _recsys_eval(args: argparse.Namespace) -> int:
    if not 1 <= args.k <= 1000:
        raise PipelineError(f"--k must be between 1 and 1000 (got {args.k})")
    ratings = load_ratings_file(args.ratings, args.format)
    started = time.perf_counter()
    table = evaluate_methods(ratings, None, k=args.k)
    students = int(table["n_users"].max()) if len(table) else 0
    if students == 0:
        raise PipelineError(f"{args.ratings}: no user has 5 or more ratings, so nothing can be held out")
    payload = metrics_payload(table, args.k)
    facts = (f"{args.ratings.name}: {len(ratings):,} ratings, {ratings['student_id'].nunique():,} users, "
             f"{ratings['material_id'].nunique():,} items; {students:,} users evaluated "
             f"(latest 20 % of each user's ratings held out) in {time.perf_counter() - started:.1f} s")
    emit(args, payload, metrics_text(payload, facts))
    return 0


register_command("recsys", "precompute top-N recommendations for every student, evaluate and register the model",
                 _recsys_args, _recsys)
register_command("recsys-eval", "evaluate every recommender on a ratings file (Precision/Recall/NDCG/MAP@K)",
                 _eval_args, _recsys_eval)
