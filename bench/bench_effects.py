"""EBPM bench (issue 12): the full effect table with --cluster at 100,000 pupils in 200 schools, and a
cluster-aware --bootstrap 200 at 10,000. Demo students, tutoring programme given to whole schools. Prints JSON.

Usage: python bench/bench_effects.py [--n 100000] [--n-boot-rows 10000] [--replicates 200] [--seeds 1,2,3]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.causal import estimate_effects  # noqa: E402
from pipelines.demo_students import TUTORING_EFFECT, decode_students, generate_students  # noqa: E402

COVARIATES = ["gender", "race_ethnicity", "parental_education", "lunch"]
OUTCOME = "math_score"


def timed(frame, **options) -> tuple[float, dict]:
    """Wall seconds of one full table and a summary of it against the planted effect."""
    started = time.perf_counter()
    result = estimate_effects(frame, "tutoring", OUTCOME, COVARIATES, **options)
    seconds = time.perf_counter() - started
    truth = TUTORING_EFFECT[OUTCOME]
    rows = {f"{r.method}/{r.estimand}": {"estimate": round(r.estimate, 3), "se": round(r.se, 3),
                                         "covers": bool(r.ci_low <= truth <= r.ci_high), "se_type": r.se_type}
            for r in result.table.itertuples()}
    return seconds, {"rows": rows, "headline": result.headline["method"] + "/" + result.headline["estimand"],
                     "n_clusters": result.diagnostics["n_clusters"]}


def main() -> int:
    """Run the timings and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--n-boot-rows", type=int, default=10_000)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    report: dict = {"bench": "effects", "n": args.n, "truth": TUTORING_EFFECT[OUTCOME], "cluster": {}, "iid": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        frame = decode_students(generate_students(args.n, seed))
        seconds, summary = timed(frame, cluster="school_id", seed=seed)
        report["cluster"][seed] = {"seconds": round(seconds, 2), **summary}
        seconds, summary = timed(frame, seed=seed)
        report["iid"][seed] = {"seconds": round(seconds, 2), **summary}
    frame = decode_students(generate_students(args.n_boot_rows, 1))
    seconds, summary = timed(frame, cluster="school_id", bootstrap=args.replicates, seed=1)
    report["bootstrap"] = {"n": args.n_boot_rows, "replicates": args.replicates, "seconds": round(seconds, 2),
                           **summary}
    report["max_cluster_table_seconds"] = max(v["seconds"] for v in report["cluster"].values())
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
