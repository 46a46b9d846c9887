"""Benchmark shadow scoring: POST /api/v1/predict p50/p95 without and with a shadow challenger; prints ONE JSON.

    python bench/bench_shadow.py [--folder /tmp/eduloop-shadow-bench] [--scale 1000] [--requests 400]

Builds a demo warehouse (if missing) and a second, not promoted training run, serves it with one
gunicorn worker (gthread, 4 threads) on a free local port, and sends sequential requests from one
client: first with no challenger, then with that run as the shadow challenger. It also counts the
shadow_prediction events written, to show the shadow really scored.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT = {"gender": "male", "race_ethnicity": "group C", "parental_education": "some college",
           "lunch": "free/reduced", "test_prep": "none", "reading_score": 61, "writing_score": 58}


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("EDULOOP_MODELS_DIR", "EDULOOP_ADMIN_PASSWORD")}
    env.update(EDULOOP_DATA_DIR=str(folder), EDULOOP_DB=str(folder / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(folder / "events"), PYTHONPATH=str(ROOT))
    return env


def _cli(folder: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "pipelines", *args, "--json"], cwd=ROOT, env=_env(folder),
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _latencies(port: int, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps(STUDENT)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("POST", "/api/v1/predict", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    conn.close()
    return times


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(ordered[int(0.95 * len(ordered))], 3),
            "n": len(ordered)}


def _count_shadow(folder: Path) -> int:
    return sum(line.count('"shadow_prediction"') for path in (folder / "events").glob("*/events-*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines())


def main() -> None:
    """Build if needed, serve, measure without and with the shadow challenger, print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=Path("/tmp/eduloop-shadow-bench"))
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    if not (args.folder / "warehouse.duckdb").exists():
        _cli(args.folder, "build", "--scale", str(args.scale))
    challenger = _cli(args.folder, "train", "--n-trials", "2", "--cv-repeats", "1", "--seed", "9", "--no-promote")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                               "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
                               "dashboard.app:server"], cwd=ROOT, env=_env(args.folder),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        _latencies(port, 30)   # warm-up: model load, first-request setup
        without = _summary(_latencies(port, args.requests))
        before = _count_shadow(args.folder)
        _cli(args.folder, "challenger", "start", challenger["regression_version"], "--mode", "shadow")
        _latencies(port, 30)   # warm-up: the challenger's models load in the shadow thread
        with_shadow = _summary(_latencies(port, args.requests))
        time.sleep(1.0)        # let the last queued shadow scores land
        shadow_events = _count_shadow(args.folder) - before
        _cli(args.folder, "challenger", "end")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    print(json.dumps({"benchmark": "shadow_scoring", "scale": args.scale, "requests": args.requests,
                      "without_shadow": without, "with_shadow": with_shadow,
                      "added_p50_ms": round(with_shadow["p50_ms"] - without["p50_ms"], 3),
                      "shadow_events_written": shadow_events, "challenger": challenger["regression_version"]}))


if __name__ == "__main__":
    main()
