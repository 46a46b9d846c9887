"""Live-view bench: cost of de-duplicating not-yet-ingested events against every ingested one. Prints JSON.

Usage: python bench/bench_live_view.py [--events 2000000] [--pending 1000] [--repeats 5]

The live view anti-joins pending events against the ingested ones (a re-sent event may land in a new
file), reading only the lake partitions of the pending events' days; this times `create_live_events_view`
on a warehouse of --events ingested events (half of them on the pending events' day).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from warehouse.connection import read_only  # noqa: E402
from warehouse.events import EventWriter, create_live_events_view  # noqa: E402
from warehouse.lake import load_events  # noqa: E402
from warehouse.publish import write_transaction  # noqa: E402


def main() -> None:
    """Build the warehouse, append pending events, time the live view and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--pending", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="eduloop-live-bench-"))
    db, events = folder / "warehouse.duckdb", folder / "events"
    with write_transaction(db, lake_dir=folder / "lake") as con:
        load_events(con, """SELECT uuid() AS event_id, 'click' AS event,
                              now()::TIMESTAMP - INTERVAL (range) SECOND * 2 AS ts,
                              'predict' AS page, 1 AS file_id, now()::TIMESTAMP AS ingested_at FROM range(?)""",
                    [args.events])
    EventWriter(events).write_many([{"event": "click", "page": "predict"}] * args.pending)
    samples = []
    for _ in range(args.repeats):
        with read_only(db) as con:
            start = time.perf_counter()
            create_live_events_view(con, events)
            # a query names its columns (a bare count(*) over the UNION makes DuckDB parse every event_id)
            count = sum(n for _, n in con.execute("SELECT event, count(*) FROM live_events GROUP BY 1").fetchall())
            samples.append(time.perf_counter() - start)
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"ingested_events": args.events, "pending_events": args.pending, "live_count": count,
                      "live_view_s_median": round(statistics.median(samples), 4),
                      "live_view_s_max": round(max(samples), 4)}))


if __name__ == "__main__":
    main()
