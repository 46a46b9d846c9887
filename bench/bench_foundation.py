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


def ingest_vs_raw(folder: Path, rounds: int = 3) -> dict:
    """Time ingest-events into an empty warehouse vs DuckDB's own read_json of the same files.

    Each load runs `rounds` times, interleaved, and the best time of each counts: on a shared
    2-core machine single runs of the same load vary by ±15 %.
    """
    from pipelines.ingest_events import ingest_events
    from warehouse.events import JSON_COLUMNS, list_event_files
    from warehouse.publish import write_transaction

    files = [f.path for f in list_event_files(folder / "events")]
    scratch = folder / "ingest-bench"
    columns = ", ".join(f"'{k}': '{v}'" for k, v in JSON_COLUMNS.items())

    def raw_load(options: str, ordered: bool = True) -> tuple[float, int, int]:
        """DuckDB's own read_json of the same files into a table: seconds, rows, rows with a payload."""
        started = time.perf_counter()
        con = duckdb.connect(str(scratch / "raw.duckdb"), config={"preserve_insertion_order": ordered})
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited'{options})", [files])
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        rows, payloads = con.execute("SELECT count(*), count(payload) FROM t").fetchone()
        con.close()
        return seconds, rows, payloads

    def ingest() -> tuple[float, int, float, int]:
        """ingest-events into an empty warehouse, then again (nothing new): seconds and rows of each."""
        db = scratch / "warehouse.duckdb"
        with write_transaction(db):
            pass
        started = time.perf_counter()
        loaded = ingest_events(db, folder / "events").loaded
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest_events(db, folder / "events").loaded
        return seconds, loaded, time.perf_counter() - started, again

    loads = {
        # Auto-detection samples the first rows, where payload/student_id/predicted are mostly null, and
        # types them NULL: that load is fast but drops those values.
        "auto": lambda: raw_load(""),
        # The same column spec ingest uses: keeps every value; the like-for-like reference.
        "typed": lambda: raw_load(f", columns = {{{columns}}}"),
        # Ingest lets DuckDB write rows in any order; the same freedom for the raw load is the strictest reference.
        "unordered": lambda: raw_load(f", columns = {{{columns}}}", ordered=False),
        "ingest": ingest,
    }
    runs: dict[str, list] = {name: [] for name in loads}
    for _ in range(rounds):
        for name, load in loads.items():
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            runs[name].append(load())
    shutil.rmtree(scratch, ignore_errors=True)
    best = {name: min(results, key=lambda r: r[0]) for name, results in runs.items()}
    ingest_seconds, loaded, again_seconds, again = best["ingest"]
    rows = best["auto"][1]
    out = {"events": rows, "files": len(files), "rounds": rounds,
           "raw_auto_payloads_kept": best["auto"][2], "raw_typed_payloads_kept": best["typed"][2],
           "ingest_seconds": round(ingest_seconds, 2), "ingest_events_per_s": round(loaded / ingest_seconds),
           "ingest_seconds_all_rounds": [round(r[0], 2) for r in runs["ingest"]],
           "rerun_loaded": again, "rerun_seconds": round(again_seconds, 2)}
    for name in ("auto", "typed", "unordered"):
        seconds = best[name][0]
        out[f"raw_{name}_seconds"] = round(seconds, 2)
        out[f"raw_{name}_seconds_all_rounds"] = [round(r[0], 2) for r in runs[name]]
        out[f"raw_{name}_events_per_s"] = round(rows / seconds)
        out[f"ingest_to_raw_{name}_rate_ratio"] = round(seconds / ingest_seconds, 3)
    return out


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
