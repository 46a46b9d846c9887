"""Foundation bench: 1 M-student build, ingest rate vs DuckDB's raw read_json, size, RSS. Prints JSON.

Usage: python bench/bench_foundation.py [--scale 1000000] [--dir /tmp/eduloop-bench] [--skip-serve]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def env_for(folder: Path) -> dict:
    """Environment pointing every EDULOOP_* path into `folder`."""
    env = dict(os.environ)
    env.update(EDULOOP_DATA_DIR=str(folder), EDULOOP_DB=str(folder / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(folder / "events"), PYTHONPATH=str(ROOT))
    return env


def run_build(folder: Path, scale: int, skip_models: bool) -> dict:
    """Run the CLI build in a child process; return its JSON summary, wall time and peak RSS."""
    cmd = [sys.executable, "-m", "pipelines", "build", "--scale", str(scale), "--json"]
    if skip_models:
        cmd.append("--skip-models")
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env_for(folder), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"build failed: {proc.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"summary": json.loads(proc.stdout), "wall_seconds": round(wall, 1), "peak_rss_mb": round(peak_kb / 1024)}


def ingest_vs_raw(folder: Path) -> dict:
    """Time ingest-events into an empty warehouse vs DuckDB's own read_json of the same files."""
    from pipelines.ingest_events import ingest_events
    from warehouse.events import list_event_files
    from warehouse.publish import write_transaction

    files = [f.path for f in list_event_files(folder / "events")]
    scratch = folder / "ingest-bench"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    from warehouse.events import JSON_COLUMNS

    def raw_load(name: str, options: str, ordered: bool = True) -> tuple[float, int, int]:
        """DuckDB's own read_json of the same files into a table: seconds, rows, rows with a payload."""
        raw_db = scratch / f"{name}.duckdb"
        started = time.perf_counter()
        con = duckdb.connect(str(raw_db), config={"preserve_insertion_order": ordered})
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited'{options})", [files])
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        rows, payloads = con.execute("SELECT count(*), count(payload) FROM t").fetchone()
        con.close()
        return seconds, rows, payloads

    # Auto-detection samples the first rows, where payload/student_id/predicted are mostly null, and
    # types them NULL: that load is fast but drops those values. The typed load keeps every value
    # (the same column spec ingest uses) and is the like-for-like reference.
    auto_seconds, rows, auto_payloads = raw_load("raw_auto", "")
    columns = ", ".join(f"'{k}': '{v}'" for k, v in JSON_COLUMNS.items())
    raw_seconds, _, typed_payloads = raw_load("raw_typed", f", columns = {{{columns}}}")
    # Ingest lets DuckDB write rows in any order; the same freedom for the raw load is the strictest reference.
    unordered_seconds, _, _ = raw_load("raw_typed_unordered", f", columns = {{{columns}}}", ordered=False)
    db = scratch / "warehouse.duckdb"
    with write_transaction(db):
        pass
    started = time.perf_counter()
    summary = ingest_events(db, folder / "events")
    ingest_seconds = time.perf_counter() - started
    again_started = time.perf_counter()
    again = ingest_events(db, folder / "events")
    again_seconds = time.perf_counter() - again_started
    shutil.rmtree(scratch, ignore_errors=True)
    return {"events": rows, "files": len(files),
            "raw_read_json_auto_seconds": round(auto_seconds, 2), "raw_auto_events_per_s": round(rows / auto_seconds),
            "raw_auto_payloads_kept": auto_payloads, "raw_typed_payloads_kept": typed_payloads,
            "ingest_to_raw_auto_rate_ratio": round(auto_seconds / ingest_seconds, 3),
            "raw_read_json_seconds": round(raw_seconds, 2), "raw_events_per_s": round(rows / raw_seconds),
            "ingest_seconds": round(ingest_seconds, 2), "ingest_events_per_s": round(summary.loaded / ingest_seconds),
            "ingest_to_raw_rate_ratio": round(raw_seconds / ingest_seconds, 3),
            "raw_read_json_unordered_seconds": round(unordered_seconds, 2),
            "ingest_to_raw_unordered_rate_ratio": round(unordered_seconds / ingest_seconds, 3),
            "rerun_loaded": again.loaded, "rerun_seconds": round(again_seconds, 2)}


def serve_and_measure(folder: Path) -> dict:
    """Start one gunicorn worker, open every tab in headless Chromium, report the worker's RSS."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "dashboard.app:server", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--timeout", "300", "--no-control-socket"],
                            cwd=ROOT, env=env_for(folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--disable-background-networking"):
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options)
        timings = {}
        try:
            for tab in ("predict", "ebpm", "recommend", "operations"):
                started = time.perf_counter()
                driver.get(f"{base}/{tab}?lang=en")
                for _ in range(600):
                    if driver.execute_script("return document.querySelectorAll('.js-plotly-plot').length") > 0 \
                            and not driver.execute_script("return document.querySelector('[data-dash-is-loading]')"):
                        break
                    time.sleep(0.1)
                time.sleep(2.0)
                timings[tab] = round(time.perf_counter() - started, 2)
        finally:
            driver.quit()
        workers = psutil.Process(proc.pid).children()
        rss = max(w.memory_info().rss for w in workers) / 2**20
        return {"worker_rss_mb": round(rss), "tab_load_seconds": timings}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main() -> None:
    """Run the benchmark and print one JSON object."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/eduloop-bench"))
    parser.add_argument("--skip-serve", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing build in --dir")
    parser.add_argument("--skip-models", action="store_true", help="data only (faster)")
    parser.add_argument("--serve-dir", type=Path, help="serve this (model-equipped) data folder instead of --dir")
    args = parser.parse_args()
    folder = args.dir
    out: dict = {"scale": args.scale}
    if not (args.reuse and (folder / "warehouse.duckdb").exists()):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        out["build"] = run_build(folder, args.scale, args.skip_models)
    db = folder / "warehouse.duckdb"
    out["warehouse_mb"] = round(db.stat().st_size / 2**20, 1)
    out["event_files_mb"] = round(sum(p.stat().st_size for p in (folder / "events").glob("*/*.jsonl")) / 2**20, 1)
    out["ingest"] = ingest_vs_raw(folder)
    if not args.skip_serve:
        out["serve"] = serve_and_measure(args.serve_dir or folder)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
