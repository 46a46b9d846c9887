"""Marts bench: every mart from a ~10 M-event lake on DuckDB and on Spark local[2]. Prints JSON.

Usage: python bench/bench_marts.py [--folder /tmp/eduloop-marts-bench] [--scale 1000000] [--master local[2]]
       [--spark-conf KEY=VALUE ...]

1. Builds (or reuses) a data-only demo warehouse in --folder (1 M students, ~10 M events): the build's own
   ingest writes the events into the warehouse's Parquet lake ($folder/lake), which both engines read.
2. Runs `python -m pipelines marts --engine duckdb`, then `--engine spark --spark-master local[2]`, each in
   its own process: wall seconds, the job's own phases (spark_start = JVM + session, compute = every mart
   to Parquet, load = the warehouse write transaction and publish) and the peak RSS of the process tree
   (Python + JVM), sampled every 0.1 s.
3. Compares both engines' marts row for row (EXCEPT ALL both ways); reports Spark ÷ DuckDB ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_operations import ensure_warehouse, env_for  # noqa: E402
from warehouse.lake import events_root  # noqa: E402


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (0 for those already gone)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_job(args: list[str], env: dict) -> dict:
    """Run one `python -m pipelines marts` process; its JSON summary, wall seconds and peak tree RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "marts", "--json", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, watched = [0], psutil.Process(proc.pid)

    def sample():
        while proc.poll() is None:
            try:
                peak[0] = max(peak[0], tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"marts {' '.join(args)} failed: {err[-2000:]}")
    summary = json.loads(out)
    return {"wall_seconds": round(time.perf_counter() - started, 1), "seconds": summary["seconds"],
            "peak_rss_mb": round(peak[0] / 2**20), "rows": summary["rows"], "lake": summary["lake"],
            "visible_until": summary["visible_until"]}


def differing_rows(left: Path, right: Path) -> dict[str, int]:
    """Per mart, rows in one engine's Parquet and not the other's (EXCEPT ALL both ways; 0 = identical)."""
    import duckdb

    from warehouse.marts import MART_INPUTS

    con = duckdb.connect()
    try:
        diff = "SELECT count(*) FROM (SELECT * FROM read_parquet($a) EXCEPT ALL SELECT * FROM read_parquet($b))"
        return {name: sum(con.execute(diff, {"a": str(a / name / "*.parquet"), "b": str(b / name / "*.parquet")})
                          .fetchone()[0] for a, b in ((left, right), (right, left)))
                for name in MART_INPUTS}
    finally:
        con.close()


def main() -> None:
    """Build or reuse the warehouse and lake, time both engines, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/eduloop-marts-bench"))
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    warehouse = ensure_warehouse(args.folder, args.scale)
    env = env_for(args.folder)
    duck = run_job(["--engine", "duckdb"], env)
    lake = Path(duck["lake"])   # the warehouse's own lake, as the job resolved it
    files = list(events_root(lake).glob("date=*/*.parquet"))
    duck_marts = args.folder / "marts-duckdb"
    shutil.rmtree(duck_marts, ignore_errors=True)
    (lake / "marts").rename(duck_marts)
    spark_args = ["--engine", "spark", "--spark-master", args.master]
    for pair in args.spark_conf:
        spark_args += ["--spark-conf", pair]
    spark = run_job(spark_args, env)
    ratio = lambda key: round(spark["seconds"][key] / duck["seconds"][key], 2)
    print(json.dumps({
        "warehouse": warehouse,
        "lake": {"path": str(lake), "events": warehouse["events"], "files": len(files),
                 "size_mb": round(sum(f.stat().st_size for f in files) / 2**20)},
        "cpus": os.cpu_count(), "load_avg_at_start": load_at_start, "load_avg_at_end": os.getloadavg()[0],
        "spark_master": args.master, "spark_conf": args.spark_conf,
        "duckdb": duck, "spark": spark,
        "rows_differing_per_mart": differing_rows(duck_marts, lake / "marts"),
        "spark_over_duckdb": {"compute": ratio("compute"),
                              "wall": round(spark["wall_seconds"] / duck["wall_seconds"], 2),
                              "peak_rss": round(spark["peak_rss_mb"] / duck["peak_rss_mb"], 2)},
    }, indent=1))


if __name__ == "__main__":
    main()
