"""Benchmark the prediction path; prints ONE JSON object.

1. Batch scoring of every student of a 1 M warehouse into ml.risk_scores (rows/s; load, predict and
   write timed apart) — on a private copy, through the same write_transaction the CLI uses.
2. gunicorn (4 workers) serving that warehouse, 8 concurrent clients: POST /api/v1/predict p50/p95
   without and with SHAP, and POST /api/v1/predict/batch with 10,000 rows (seconds per call).

    python bench/bench_predict.py [--folder /tmp/eduloop-predict-bench] [--scale 1000000] [--requests 400]

The folder's warehouse is built if missing (`pipelines build --scale N`, which trains on a 5,000-row
sample and scores everyone). The machine's cores are shared by gunicorn, the 8 client threads and
anything else running: figures are wall-clock, not per-core.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STUDENT = {"gender": "male", "race_ethnicity": "group C", "parental_education": "some college",
           "lunch": "free/reduced", "test_prep": "none", "reading_score": 61, "writing_score": 58}


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(EDULOOP_DATA_DIR=str(folder), EDULOOP_DB=str(folder / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(folder / "events"), PYTHONPATH=str(ROOT))
    env.pop("EDULOOP_MODELS_DIR", None)
    env.pop("EDULOOP_ADMIN_PASSWORD", None)
    return env


def ensure_warehouse(folder: Path, scale: int) -> dict:
    """Build the warehouse (with models) if missing, else make sure it has production models and scores."""
    db = folder / "warehouse.duckdb"
    env = _env(folder)
    steps: dict = {}
    if not db.exists():
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "pipelines", "build", "--scale", str(scale), "--json",
                              "--db", str(db)], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        steps["build_seconds"] = round(time.perf_counter() - started, 1)
        steps["build"] = json.loads(out.stdout.strip().splitlines()[-1]).get("seconds")
    probe = subprocess.run([sys.executable, "-m", "pipelines", "models", "--json", "--db", str(db)], cwd=ROOT,
                           env=env, check=True, capture_output=True, text=True)
    models = json.loads(probe.stdout.strip().splitlines()[-1])["models"]
    if not any(m["status"] == "production" and m["task"] == "regression" for m in models):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipelines", "train", "--n-trials", "8", "--cv-repeats", "1",
                        "--max-rows", "5000", "--db", str(db)], cwd=ROOT, env=env, check=True, capture_output=True)
        steps["train_seconds"] = round(time.perf_counter() - started, 1)
    return steps


def bench_scoring(folder: Path, repeats: int = 2) -> dict:
    """Score every student on a private copy of the warehouse; best of `repeats`."""
    os.environ.update(_env(folder))
    from pipelines.score import score_students
    from warehouse.publish import write_transaction

    copy = folder / "score-bench.duckdb"
    runs = []
    for _ in range(repeats):
        shutil.copyfile(folder / "warehouse.duckdb", copy)
        with write_transaction(copy) as con:
            summary = score_students(con)
        runs.append(summary)
    for path in folder.glob("score-bench.duckdb*"):
        path.unlink()
    best = min(runs, key=lambda s: s.load_seconds + s.predict_seconds + s.write_seconds)
    return {"rows": best.rows, "rows_per_s": round(best.rows_per_second),
            "predict_rows_per_s": round(best.rows / best.predict_seconds) if best.predict_seconds else None,
            "load_s": best.load_seconds, "predict_s": best.predict_seconds, "write_s": best.write_seconds,
            "model_version": best.model_version}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, path: str, body: bytes, timeout: float = 120) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _load(port: int, path: str, body: bytes, requests: int, clients: int) -> dict:
    """`requests` POSTs from `clients` threads; latency percentiles in ms and throughput."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def worker():
        """One client: sequential requests, latency recorded per request."""
        for _ in range(per_client):
            started = time.perf_counter()
            status, _ = _post(port, path, body)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(status)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"requests": len(latencies), "errors": len(errors), "p50_ms": round(_percentile(latencies, 0.5), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2), "mean_ms": round(statistics.mean(latencies), 2),
            "req_per_s": round(len(latencies) / wall, 1)}


def bench_api(folder: Path, requests: int, clients: int = 8, workers: int = 4) -> dict:
    """Start gunicorn on the warehouse and time /predict and /predict/batch under concurrent clients."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dashboard.app:server", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--timeout", "300", "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=_env(folder), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _post(port, "/api/v1/predict", json.dumps(STUDENT).encode())[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.5)
        plain = json.dumps(STUDENT).encode()
        explained = json.dumps({**STUDENT, "explain": True}).encode()
        boosted = json.dumps({**STUDENT, "explain": True, "algorithm": "lightgbm"}).encode()
        # Warm every worker: models loaded and explainers built once per version and process.
        for body in (plain, explained, boosted):
            _load(port, "/api/v1/predict", body, requests=workers * 16, clients=clients)
        result = {
            "predict": _load(port, "/api/v1/predict", plain, requests, clients),
            "predict_shap": _load(port, "/api/v1/predict", explained, requests, clients),
            "predict_shap_lightgbm": _load(port, "/api/v1/predict", boosted, requests, clients),
            # One client: the service time without queueing behind the other seven.
            "predict_1_client": _load(port, "/api/v1/predict", plain, requests // 2, 1),
            "predict_shap_1_client": _load(port, "/api/v1/predict", explained, requests // 2, 1),
        }
        batch = json.dumps({"students": [dict(STUDENT, reading_score=i % 101) for i in range(10_000)]}).encode()
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            status, _ = _post(port, "/api/v1/predict/batch", batch)
            seconds.append(time.perf_counter() - started)
            assert status == 200, status
        result["batch_10000"] = {"seconds_median": round(statistics.median(seconds), 3),
                                 "seconds_min": round(min(seconds), 3), "payload_mb": round(len(batch) / 1e6, 2)}
        result["setup"] = {"workers": workers, "clients": clients, "cpus": os.cpu_count()}
        return result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    """Run every part and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/eduloop-predict-bench"))
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per /predict measurement")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    report = {"folder": str(args.folder), "scale": args.scale, **ensure_warehouse(args.folder, args.scale)}
    report["load_avg_before"] = round(os.getloadavg()[0], 2)   # other processes share the cores
    report["batch_scoring"] = bench_scoring(args.folder)
    report["api"] = bench_api(args.folder, args.requests)
    report["load_avg_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
