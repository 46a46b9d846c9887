"""Recommender benchmark: prints one JSON object (latency, evaluation time, batch rate, peak RSS).

    python bench/bench_recsys.py                       # 100k students × 10k materials
    python bench/bench_recsys.py --users 5000 --items 1000   # CI-sized
    python bench/bench_recsys.py --ann                 # also faiss HNSW (if installed)
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.recsys import UserKNN
from analytics.recsys.ann import faiss_available
from analytics.recsys.evaluate import evaluate_methods
from analytics.recsys.synthetic import make_synthetic_recsys_data

# MovieLens 100K shape: 943 users, 1682 items, 100,000 ratings.
ML100K_USERS, ML100K_ITEMS, ML100K_INTERACTIONS = 943, 1682, 100_000


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentiles(seconds: list[float]) -> dict:
    """p50 / p95 in milliseconds."""
    return {"p50": round(float(np.percentile(seconds, 50)) * 1e3, 2),
            "p95": round(float(np.percentile(seconds, 95)) * 1e3, 2)}


def _latencies(call, users) -> list[float]:
    """Wall time of call(user) for each user."""
    out = []
    for user in users:
        started = time.perf_counter()
        call(user)
        out.append(time.perf_counter() - started)
    return out


def _bench_ann(exact: UserKNN, interactions, sample, k: int) -> dict:
    """faiss HNSW: build time, latency and neighbour recall against the exact search."""
    started = time.perf_counter()
    approx = UserKNN(k_neighbours=exact.k_neighbours, neighbour_search="faiss").fit(interactions)
    build = time.perf_counter() - started
    recall = []
    for user in sample[:100]:
        truth = set(exact.neighbours(user)["student_id"])
        recall.append(len(truth & set(approx.neighbours(user)["student_id"])) / max(len(truth), 1))
    positions = approx.matrix_.user_positions(sample)
    return {
        "fit_seconds": round(build, 2),
        "topn_latency_ms": _percentiles(_latencies(lambda u: approx.recommend(u, n=k), sample)),
        "rank_latency_ms": _percentiles(_latencies(lambda p: approx.rank_positions([p], k), positions)),
        "neighbour_recall": round(float(np.mean(recall)), 4),
    }


def run(args) -> dict:
    """All measurements as one dict."""
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    data = make_synthetic_recsys_data(args.users, args.items, args.mean_interactions, seed=args.seed)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    model = UserKNN(k_neighbours=args.neighbours).fit(data.interactions)
    fit_seconds = time.perf_counter() - started
    index = model.matrix_.user_index
    sample = index[rng.choice(len(index), min(args.samples, len(index)), replace=False)]
    model.recommend(sample[0], n=args.k)  # warm-up: first call pays imports and allocations
    topn = _latencies(lambda u: model.recommend(u, n=args.k), sample)
    positions = model.matrix_.user_positions(sample)
    rank_only = _latencies(lambda p: model.rank_positions([p], args.k), positions)

    batch_users = index[: min(args.batch_users, len(index))]
    started, cpu = time.perf_counter(), time.process_time()
    model.recommend_batch(batch_users, n=args.k)
    batch_wall, batch_cpu = time.perf_counter() - started, time.process_time() - cpu

    ml = make_synthetic_recsys_data(ML100K_USERS, ML100K_ITEMS, ML100K_INTERACTIONS / ML100K_USERS,
                                    seed=args.seed)
    started = time.perf_counter()
    table = evaluate_methods(ml.interactions, ml.items, k=args.k)
    eval_seconds = time.perf_counter() - started

    result = {
        "topn_latency_ms": _percentiles(topn),
        "eval_seconds": round(eval_seconds, 2),
        "batch_users_per_s": round(len(batch_users) / batch_wall, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "users": args.users,
        "items": args.items,
        "interactions": len(data.interactions),
        "method": f"user_knn(k_neighbours={args.neighbours}, shrink={model.shrink})",
        "rank_only_latency_ms": _percentiles(rank_only),
        "batch_users_per_cpu_s": round(len(batch_users) / batch_cpu, 1),
        "fit_seconds": round(fit_seconds, 2),
        "generate_seconds": round(generated, 2),
        "eval_ndcg_at_k": {row.method: round(row.ndcg, 4) for row in table.itertuples()},
    }
    if args.ann:
        result["faiss"] = (_bench_ann(model, data.interactions, sample, args.k) if faiss_available()
                           else "not installed")
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return result


def main(argv=None) -> None:
    """Parse flags, run, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--mean-interactions", type=float, default=40.0)
    parser.add_argument("--neighbours", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200, help="students timed one by one")
    parser.add_argument("--batch-users", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ann", action="store_true", help="also time faiss HNSW neighbour search")
    print(json.dumps(run(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
