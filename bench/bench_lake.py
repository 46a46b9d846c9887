"""Event-lake bench (issue 16): publish cost vs events stored, ingest vs raw read_json, 100 M events. Prints JSON.

Usage: python bench/bench_lake.py [--folder /tmp/eduloop-lake-bench] [--sizes 1000000,10000000]
       [--big 100000000] [--slice 10000000] [--ops-repeats 20]

1. For each size N: demo event files (pipelines/demo_events.py) of ~N events; DuckDB's raw
   `CREATE TABLE t AS SELECT * FROM read_json([...], format='newline_delimited')` in a fresh child process,
   then `python -m pipelines ingest-events` into an empty warehouse + lake in a fresh child process (wall,
   CPU, peak RSS of each), alternating --repeats times; ratio = median raw seconds / median ingest seconds,
   i.e. lake events/s over raw events/s (each pair's own ratio beside it).
2. At each size, publish time: a write transaction with nothing new (copy + publish), and an ingest of a small
   batch (1,000 new events), median of a few runs; plus the warehouse file's size (it must not grow with N).
3. --big: the largest size's lake is grown to --big events by writing Parquet partitions directly with DuckDB
   (earlier days; a generator, not JSONL), the aggregates are rebuilt once, then a --slice of new demo events
   for the recent days is ingested (child process), and the Operations callbacks are timed as
   bench/bench_operations.py does (in process, uncached p95). Size on disk of the lake and the warehouse.
A shared 2-core VM whose speed drifts: read the ratios, not the absolute times.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AS_OF = date(2026, 11, 1)
EVENTS_PER_SESSION = 6.2   # what the demo generator emits per session, on average


def env_for(folder: Path) -> dict:
    """Every EDULOOP_* path inside `folder` (its lake too)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDULOOP_")}
    env.update(EDULOOP_DATA_DIR=str(folder), EDULOOP_DB=str(folder / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(folder / "events"), EDULOOP_LAKE=str(folder / "lake"),
               PYTHONPATH=str(ROOT))
    return env


def child(args: list[str], env: dict | None = None) -> dict:
    """Run a fresh child process; its wall seconds, CPU seconds and peak RSS (MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:4]} failed: {err[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "stdout": out.strip().splitlines()[-1]}


def write_demo_files(events_dir: Path, n_events: int, seed: int) -> None:
    """~n_events demo events for the 30 days before AS_OF, as the build writes them."""
    from pipelines.demo_events import demo_student_ids, write_demo_events
    from pipelines.demo_students import generate_students

    students = generate_students(max(1000, n_events // 10), seed)
    students["student_id"] = demo_student_ids(len(students))
    write_demo_events(events_dir, students, n_sessions=int(n_events / EVENTS_PER_SESSION), seed=seed, as_of=AS_OF)


RAW = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
files = sys.argv[2:]
con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited')", [files])
con.execute("CHECKPOINT")
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
"""


def ingest_vs_raw(folder: Path, repeats: int = 3) -> dict:
    """Raw read_json of the folder's event files vs a lake ingest of them into an empty warehouse, each in a fresh
    child process, alternating `repeats` times (this shared VM's speed drifts by 20 % within minutes: medians)."""
    from warehouse.events import list_event_files

    files = [f.path for f in list_event_files(folder / "events")]
    scratch = folder / "raw.duckdb"
    raws, ingests = [], []
    os.sync()   # the event files just written are flushed now, not by the kernel during a timed run
    for _ in range(repeats):
        scratch.unlink(missing_ok=True)
        raws.append(child([sys.executable, "-c", RAW, str(scratch), *files]))
        scratch.unlink(missing_ok=True)
        shutil.rmtree(folder / "lake", ignore_errors=True)   # every ingest starts from an empty warehouse and lake
        for stale in ("warehouse.duckdb", "warehouse.duckdb.lock"):
            (folder / stale).unlink(missing_ok=True)
        os.sync()
        ingests.append(child([sys.executable, "-m", "pipelines", "ingest-events", "--json"], env_for(folder)))
    events = int(raws[0]["stdout"])
    loaded = json.loads(ingests[-1]["stdout"])["loaded"]

    def summary(runs: list[dict], rows: int) -> dict:
        wall = statistics.median(r["wall_s"] for r in runs)
        return {"wall_s": round(wall, 2), "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "events_per_s": round(rows / wall),
                "runs_wall_s": [r["wall_s"] for r in runs]}

    raw, ingest = summary(raws, events), summary(ingests, loaded)
    return {"events": events, "files": len(files), "loaded": loaded, "raw_read_json": raw, "lake_ingest": ingest,
            "ratio_lake_over_raw": round(raw["wall_s"] / ingest["wall_s"], 3),
            "ratio_per_pair": [round(r["wall_s"] / i["wall_s"], 3) for r, i in zip(raws, ingests)]}


def publish_times(folder: Path, rounds: int = 3) -> dict:
    """Median seconds of a write transaction with nothing new, and of an ingest of 1,000 new events."""
    os.environ.update(env_for(folder))
    from pipelines.ingest_events import ingest_events
    from warehouse.events import EventWriter
    from warehouse.publish import write_transaction

    db, events = folder / "warehouse.duckdb", folder / "events"
    noop, small = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        with write_transaction(db):
            pass
        noop.append(time.perf_counter() - started)
        EventWriter(events).write_many([{"event": "page_view", "page": "ebpm",
                                         "session_id": "bench"}] * 1000)
        started = time.perf_counter()
        assert ingest_events(db, events).loaded == 1000
        small.append(time.perf_counter() - started)
    return {"publish_nothing_new_s": round(statistics.median(noop), 3),
            "ingest_1000_new_s": round(statistics.median(small), 3),
            "warehouse_file_mb": round(db.stat().st_size / 2**20, 2), "lake_mb": round(du(folder / "lake") / 2**20)}


def du(path: Path) -> int:
    """Bytes of every file under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def grow_lake(folder: Path, target: int) -> dict:
    """Add Parquet partitions (earlier days, 300 k events a day) until the lake holds `target` events."""
    import duckdb

    from warehouse.lake import LAKE_COLUMNS, PARQUET_OPTIONS, events_root

    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    have = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    con.close()
    missing, per_day = target - have, 300_000
    days = -(-missing // per_day)
    first = AS_OF - timedelta(days=31 + days)
    gen = duckdb.connect()
    gen.execute("SET memory_limit = '2GB'")
    gen.execute("SET preserve_insertion_order = false")
    started = time.perf_counter()
    staging = folder / "lake" / "_gen"
    staging.mkdir(parents=True, exist_ok=True)
    for chunk in range(0, days, 30):   # 30 days per COPY keeps the open partitions (and memory) bounded
        lo, hi = chunk * per_day, min(missing, (chunk + 30) * per_day)
        gen.execute(f"""COPY (
            SELECT CAST(uuid() AS VARCHAR) AS event_id,
                   ['page_view', 'page_view', 'page_view', 'impression', 'click', 'prediction'][i % 6 + 1] AS event,
                   $first::TIMESTAMP + INTERVAL (i // {per_day}) DAY
                       + INTERVAL ((i % {per_day}) * 86400 // {per_day}) SECOND AS ts,
                   'gen-' || (i // 6) AS session_id,
                   CASE WHEN i % 6 IN (3, 4) THEN 'predict'
                        ELSE ['predict', 'ebpm', 'recommend', 'operations'][i % 4 + 1] END AS page,
                   NULL::VARCHAR AS student_id,
                   CASE WHEN i % 6 IN (3, 4) THEN ['A', 'B'][i // 6 % 2 + 1] END AS variant,
                   NULL::VARCHAR AS model_version, NULL::DOUBLE AS predicted,
                   CASE WHEN i % 997 = 0 THEN '{{"message": "generated"}}' END AS payload, NULL::INTEGER AS file_id,
                   TIMESTAMP '2026-01-01' AS ingested_at, 'demo' AS source,
                   CAST($first::TIMESTAMP + INTERVAL (i // {per_day}) DAY AS DATE) AS date
            FROM range({lo}, {hi}) r(i))
            TO $out ({PARQUET_OPTIONS}, PARTITION_BY (date),
                     FILENAME_PATTERN 'part-gen{chunk}-{{i}}')""",
                    {"first": first, "out": str(staging / f"chunk{chunk}")})
    gen.close()
    for part in staging.glob("*/*/*.parquet"):
        target_dir = events_root(folder / "lake") / part.parent.name
        target_dir.mkdir(parents=True, exist_ok=True)
        os.replace(part, target_dir / part.name)
    shutil.rmtree(staging)
    assert list(LAKE_COLUMNS)   # the generator writes exactly the lake's columns (checked by the view below)
    return {"generated_events": missing, "generated_days": days, "generate_s": round(time.perf_counter() - started, 1)}


def rebuild_aggregates(folder: Path) -> float:
    """Rebuild the Operations aggregates over the whole lake once (after files were added beside ingest)."""
    os.environ.update(env_for(folder))
    from warehouse.ops_marts import refresh_event_aggregates
    from warehouse.publish import write_transaction

    started = time.perf_counter()
    with write_transaction(folder / "warehouse.duckdb") as con:
        refresh_event_aggregates(con)
    return round(time.perf_counter() - started, 1)


def operations_p95(folder: Path, repeats: int) -> dict:
    """Uncached p95 (ms) of each Operations callback body, as bench/bench_operations.py measures it."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_operations import time_in_process, write_pending

    pending = write_pending(folder / "events", 2000)
    try:
        uncached, _ = time_in_process(folder, repeats)
    finally:
        pending.unlink(missing_ok=True)
    return {name: figures["p95"] for name, figures in uncached.items()}


def main() -> None:
    """Run the bench and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/eduloop-lake-bench"))
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--big", type=int, default=100_000_000, help="grow the largest lake to this (0: skip)")
    parser.add_argument("--slice", type=int, default=10_000_000, help="events ingested into the big lake")
    parser.add_argument("--ops-repeats", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="alternating raw/ingest pairs per size")
    args = parser.parse_args()
    result: dict = {"cpus": os.cpu_count(), "load_avg_at_start": round(os.getloadavg()[0], 2), "sizes": {}}
    folder = args.folder
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = args.folder / f"n{size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        write_demo_files(folder / "events", size, seed=1)
        entry = {"write_jsonl_s": round(time.perf_counter() - started, 1), **ingest_vs_raw(folder, args.repeats)}
        entry.update(publish_times(folder))
        result["sizes"][str(size)] = entry
        print(json.dumps({"size": size, **entry}), file=sys.stderr, flush=True)   # progress of a long run
    if args.big:
        big = {**grow_lake(folder, args.big), "rebuild_aggregates_s": rebuild_aggregates(folder)}
        big.update({f"before_slice_{k}": v for k, v in publish_times(folder).items()})
        write_demo_files(folder / "events", args.slice, seed=2)   # new ids, the same recent days
        ingest = child([sys.executable, "-m", "pipelines", "ingest-events", "--json"], env_for(folder))
        summary = json.loads(ingest.pop("stdout"))
        big["slice_ingest"] = {**ingest, "loaded": summary["loaded"], "total_events": summary["total_events"],
                               "events_per_s": round(summary["loaded"] / ingest["wall_s"])}
        big.update(publish_times(folder))
        big["lake_gb"] = round(du(folder / "lake") / 2**30, 2)
        big["operations_p95_ms"] = operations_p95(folder, args.ops_repeats)
        result["big"] = big
    result["load_avg_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
