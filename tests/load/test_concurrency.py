"""Real processes: concurrent event writers, repeated and killed ingests, analysts and gunicorn side by side."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.build import BuildOptions, build
from pipelines.ingest_events import ingest_events
from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import scalar
from tests.helpers.server import gunicorn_server as serve_app

pytestmark = pytest.mark.slow

WRITER = """
import sys
from warehouse.events import EventWriter
w = EventWriter(sys.argv[1])
worker, count = sys.argv[2], int(sys.argv[3])
for i in range(count):
    w.write({"event": "click", "page": "predict", "variant": "AB"[i % 2], "session_id": f"{worker}-{i}"})
"""


def spawn_writers(events_dir: Path, processes: int, per_process: int) -> None:
    procs = [subprocess.Popen([PYTHON, "-c", WRITER, str(events_dir), f"p{p}", str(per_process)], cwd=ROOT,
                              env=run_env(events_dir.parent)) for p in range(processes)]
    assert [p.wait(timeout=120) for p in procs] == [0] * processes


def empty_warehouse(folder: Path) -> Path:
    db = folder / "warehouse.duckdb"
    from warehouse.publish import write_transaction

    with write_transaction(db):
        pass
    return db


def test_concurrent_writers_then_repeated_ingest(fresh_dir):
    db, events = empty_warehouse(fresh_dir), fresh_dir / "events"
    spawn_writers(events, processes=6, per_process=400)
    assert len(list(events.glob("*/*.jsonl"))) == 6          # one file per process
    assert ingest_events(db, events).loaded == 2400
    assert ingest_events(db, events).loaded == 0
    assert scalar(db, "SELECT count(*) FROM core.events") == 2400
    assert scalar(db, "SELECT count(DISTINCT event_id) FROM core.events") == 2400
    spawn_writers(events, processes=2, per_process=100)      # more arrive later: only they load
    assert ingest_events(db, events).loaded == 200
    assert scalar(db, "SELECT count(*) FROM core.events") == 2600


def test_killed_ingest_loses_and_duplicates_nothing(fresh_dir):
    db, events = empty_warehouse(fresh_dir), fresh_dir / "events"
    from warehouse.events import EventWriter

    writer = EventWriter(events)
    for _ in range(60):
        writer.write_many([{"event": "page_view", "page": "ebpm"}] * 5000)
    half = ingest_events(db, events).loaded                 # a first slice is already loaded
    assert half == 300_000
    for _ in range(20):
        writer.write_many([{"event": "click", "page": "predict"}] * 5000)
    kills = 0
    for delay in (0.2, 0.6, 1.2, 2.0):
        proc = subprocess.Popen([PYTHON, "-m", "pipelines", "ingest-events", "--db", str(db)], cwd=ROOT,
                                env=run_env(fresh_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        count = scalar(db, "SELECT count(*) FROM core.events")
        assert count in (300_000, 400_000)                    # all or nothing, never partial
    assert kills >= 1
    ingest_events(db, events)
    ingest_events(db, events)
    assert scalar(db, "SELECT count(*) FROM core.events") == 400_000
    assert scalar(db, "SELECT count(DISTINCT event_id) FROM core.events") == 400_000
    assert list(fresh_dir.glob("warehouse.duckdb.next-*")) == []   # orphans of killed runs are cleaned


ANALYST = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)    # like `duckdb -readonly`, held open throughout
out = []
deadline = time.time() + float(sys.argv[2])
while time.time() < deadline:
    out.append(con.execute("SELECT count(*) FROM core.events").fetchone()[0])
    con.execute("SELECT page, sum(page_views) FROM mart.usage_by_page_day GROUP BY 1").fetchall()
    time.sleep(0.05)
print(min(out), max(out), len(out))
"""


def test_analyst_session_during_ingest(fresh_dir):
    db, events = empty_warehouse(fresh_dir), fresh_dir / "events"
    spawn_writers(events, processes=2, per_process=500)
    ingest_events(db, events)
    analyst = subprocess.Popen([PYTHON, "-c", ANALYST, str(db), "4"], cwd=ROOT, env=run_env(fresh_dir),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    spawn_writers(events, processes=2, per_process=500)
    assert ingest_events(db, events).loaded == 1000          # the writer is not blocked by the analyst
    out, err = analyst.communicate(timeout=60)
    assert analyst.returncode == 0, err
    low, high, queries = map(int, out.split())
    assert low == high == 1000 and queries > 20               # the open session kept its snapshot
    assert scalar(db, "SELECT count(*) FROM core.events") == 2000   # a new session sees the new data


@pytest.fixture
def gunicorn_server(tmp_path):
    build(BuildOptions(db_path=tmp_path / "warehouse.duckdb", events_dir=tmp_path / "events", scale=300,
                       seed=2, quiet=True))
    with serve_app(run_env(tmp_path), "--workers", "3", "--timeout", "60") as (base, _):
        yield base, tmp_path


def post_json(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_events_api_on_gunicorn_with_analyst_and_ingest(gunicorn_server):
    base, folder = gunicorn_server
    db, events = folder / "warehouse.duckdb", folder / "events"
    before = scalar(db, "SELECT count(*) FROM core.events")
    analyst = subprocess.Popen([PYTHON, "-c", ANALYST, str(db), "5"], cwd=ROOT, env=run_env(folder),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    statuses: list[int] = []

    def client(worker: int) -> None:
        for batch in range(25):
            status, body = post_json(base + "/api/v1/events", {"events": [
                {"event": "click", "page": "predict", "variant": "A", "session_id": f"t{worker}-{batch}-{i}"}
                for i in range(8)]})
            statuses.append(status)
            if batch == 12 and worker == 0:
                ingest_events(db, events)        # ETL refreshes while clients write and the analyst reads
            urllib.request.urlopen(base + "/api/v1/health", timeout=10).read()

    threads = [threading.Thread(target=client, args=(w,)) for w in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert statuses == [202] * 150
    ingest_events(db, events)
    ingest_events(db, events)
    assert scalar(db, "SELECT count(*) FROM core.events") - before == 6 * 25 * 8
    assert scalar(db, "SELECT count(*) FROM core.events WHERE session_id LIKE 't%'") == 1200
    out, err = analyst.communicate(timeout=60)
    assert analyst.returncode == 0, err
    status, body = post_json(base + "/api/v1/events", {"events": [{"event": "click", "ts": "soon"}]})
    assert status == 422 and body["error"]["field"] == "events[0].ts"


def test_duckdb_shell_readonly_session_during_ingest(fresh_dir):
    """An analyst in the real DuckDB shell (`duckdb -readonly`) keeps working while ETL publishes."""
    shell = Path(PYTHON).with_name("duckdb")
    if not shell.exists():
        pytest.skip("duckdb-cli is not installed in this environment")
    db, events = empty_warehouse(fresh_dir), fresh_dir / "events"
    spawn_writers(events, processes=1, per_process=300)
    ingest_events(db, events)
    proc = subprocess.Popen([str(shell), "-readonly", "-csv", str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("SELECT count(*) AS n FROM core.events;\n")
    proc.stdin.flush()
    time.sleep(1.0)
    spawn_writers(events, processes=1, per_process=200)
    assert ingest_events(db, events).loaded == 200           # ETL publishes while the shell is open
    proc.stdin.write("SELECT sum(page_views) AS v FROM mart.usage_by_page_day;\n"
                     "SELECT count(*) AS n FROM core.events;\n.quit\n")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == "", err
    assert out.split() == ["n", "300", "v", "NULL", "n", "300"]   # its snapshot; no failure
    assert scalar(db, "SELECT count(*) FROM core.events") == 500
