"""Recommend bench: the recsys build step at a given scale and the app's per-student latency. Prints one JSON object.

Usage: python bench/bench_recommend.py [--scale 100000] [--db PATH] [--requests 200]

1. Builds (or reuses, --db) a data-only demo warehouse (300 materials, ~12 interactions per student).
2. Runs pipelines.recsys.build_recommendations on a private copy and reports its seconds (read, fit,
   recommend, evaluate, write) and students per second.
3. Times dashboard.recommend.data for random students: the stored list (API GET path) and a list computed
   now with reasons (the tab's path), p50/p95 in milliseconds, plus peak RSS.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _percentiles(seconds: list[float]) -> dict:
    return {"p50": round(float(np.percentile(seconds, 50)) * 1e3, 2),
            "p95": round(float(np.percentile(seconds, 95)) * 1e3, 2)}


def _timed(call, arguments) -> list[float]:
    out = []
    for argument in arguments:
        started = time.perf_counter()
        call(argument)
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    """Run the bench and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="reuse this data-only warehouse (built if missing)")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="eduloop-recommend-bench-"))
    source = args.db or folder / "source.duckdb"
    if not source.exists():
        from pipelines.build import BuildOptions, build

        build(BuildOptions(db_path=source, events_dir=folder / "events", scale=args.scale, sessions=1000,
                           quiet=True))
    db = folder / "warehouse.duckdb"
    shutil.copyfile(source, db)

    import duckdb

    from pipelines.recsys import build_recommendations
    from warehouse.schema import apply_schema

    con = duckdb.connect(str(db))
    apply_schema(con)
    summary = build_recommendations(con, models_dir=folder / "models")
    con.close()

    from dashboard.recommend import data as recsys_store

    rng = random.Random(0)
    students = [f"S{rng.randint(1, summary.students):07d}" for _ in range(args.requests)]
    recsys_store.recommend_student(db, students[0], 10)   # warm-up: loads the artifact once
    stored = _timed(lambda s: recsys_store.stored_or_computed(db, s, 10), students)
    computed = _timed(lambda s: recsys_store.recommend_student(db, s, 10), students)
    print(json.dumps({
        "students": summary.students, "interactions": summary.interactions, "groups": summary.groups,
        "step_seconds": summary.seconds, "students_per_second": summary.as_json()["students_per_second"],
        "ndcg_at_10": summary.evaluation["ndcg"], "stored_list_ms": _percentiles(stored),
        "computed_list_ms": _percentiles(computed),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
