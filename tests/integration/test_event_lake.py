"""The event lake (issue 16): events live in Hive-partitioned zstd Parquet, core.events is a view over it,
ingest is idempotent and survives kill -9 anywhere, a publish copies only the small warehouse file, and an
analyst's read-only session keeps working while an ingest runs."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import textwrap
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest_events import ingest_events
from tests.helpers import PYTHON, ROOT
from tests.helpers.files import small_tmpfs
from warehouse.connection import read_only
from warehouse.events import EventWriter
from warehouse.lake import LAKE_COLUMNS, STAGING, events_root, lake_for
from warehouse.schema import apply_schema

DAY0 = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)


def _events(n: int, *, days: int = 3, session: str = "s", pad: int = 0) -> list[dict]:
    """n events spread over `days` UTC days (one partition each), with known ids."""
    return [{"event_id": str(uuid.uuid4()), "event": "page_view", "page": "predict", "session_id": session,
             "ts": (DAY0 + timedelta(days=i % days, seconds=i)).isoformat(),
             **({"payload": {"pad": secrets.token_hex(16 * pad)}} if pad else {})} for i in range(n)]


def _jsonl_ids(events: Path) -> list[str]:
    return [json.loads(line)["event_id"] for path in sorted(events.glob("*/*.jsonl"))
            for line in path.read_text().splitlines()]


def _lake_ids(lake: Path) -> list[str]:
    files = sorted(str(p) for p in events_root(lake).glob("*/*.parquet"))
    if not files:
        return []
    return [i for (i,) in duckdb.sql("SELECT event_id FROM read_parquet($f)", params={"f": files}).fetchall()]


def test_core_events_is_an_empty_typed_view_on_a_new_warehouse():
    con = duckdb.connect()
    apply_schema(con)
    types = con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                        "WHERE schema_name = 'core' AND table_name = 'events' ORDER BY column_index").fetchall()
    assert types == [("event_id", "UUID"), ("event", "VARCHAR"), ("ts", "TIMESTAMP"), ("session_id", "VARCHAR"),
                     ("page", "VARCHAR"), ("student_id", "VARCHAR"), ("variant", "VARCHAR"),
                     ("model_version", "VARCHAR"), ("predicted", "DOUBLE"), ("payload", "JSON"),
                     ("file_id", "INTEGER"), ("ingested_at", "TIMESTAMP"), ("source", "VARCHAR")]
    assert con.execute("SELECT count(*) FROM core.events").fetchone() == (0,)
    assert con.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_schema = 'core' AND table_name = 'events'").fetchone() == ("VIEW",)


def test_ingest_writes_hive_partitions_once_and_only_new_lines_later(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    lake = lake_for(db)
    writer = EventWriter(events)
    first = writer.write_many(_events(30))
    assert ingest_events(db, events).loaded == 30
    assert ingest_events(db, events).loaded == 0                       # a re-run adds nothing
    folders = sorted(p.name for p in events_root(lake).iterdir())
    assert folders == ["date=2026-10-01", "date=2026-10-02", "date=2026-10-03"]
    later = writer.write_many(_events(6, days=1))                       # the same file grows
    assert ingest_events(db, events).loaded == 6
    assert sorted(_lake_ids(lake)) == sorted(e["event_id"] for e in first + later)
    files = sorted(str(p) for p in events_root(lake).glob("*/*.parquet"))
    assert all(Path(f).name.startswith("part-") for f in files)
    meta = duckdb.sql("SELECT DISTINCT compression FROM parquet_metadata($f)", params={"f": files}).fetchall()
    assert meta == [("ZSTD",)]
    schema = dict(duckdb.sql("SELECT column_name, column_type FROM "
                             "(DESCRIBE SELECT * FROM read_parquet($f, hive_partitioning = false))",
                             params={"f": files}).fetchall())
    assert schema == LAKE_COLUMNS                                       # no date column inside: it is the folder
    with read_only(db) as con:
        # each file sits in the partition of its rows' UTC day, and the view reads every one of them
        assert con.execute("SELECT count(*) FROM core.events").fetchone() == (36,)
        by_day = con.execute(f"""SELECT count(*) FROM read_parquet('{events_root(lake)}/*/*.parquet',
                                 hive_partitioning = true) WHERE CAST(ts AS DATE) <> date""").fetchone()
        assert by_day == (0,)
        assert con.execute("SELECT sum(events) FROM mart.event_counts_daily").fetchone() == (36,)
    assert not any((lake / STAGING).iterdir())


def test_a_batch_that_repeats_events_loads_each_once(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    lake = lake_for(db)
    batch = _events(50, days=2)
    EventWriter(events).write_many(batch)
    EventWriter(events).write_many(batch[:5])       # a client re-sent five: a new process writes a new file
    assert ingest_events(db, events).loaded == 50    # the exact path: the repeats go, the days are split
    assert sorted(_lake_ids(lake)) == sorted(e["event_id"] for e in batch)
    EventWriter(events).write_many(_events(7, days=1))   # clean new lines: the direct path
    assert ingest_events(db, events).loaded == 7
    with read_only(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone() == (57, 57)
        assert con.execute("SELECT sum(events) FROM mart.event_counts_daily").fetchone() == (57,)
        assert con.execute("SELECT sum(rows_loaded) FROM raw.event_files").fetchone() == (57,)
    assert sorted(p.parent.name for p in events_root(lake).glob("*/*.parquet")) == [
        "date=2026-10-01", "date=2026-10-01", "date=2026-10-02"]
    assert not any((lake / STAGING).iterdir())


def test_publish_copies_only_the_small_file(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    lake = lake_for(db)
    writer = EventWriter(events)
    writer.write_many(_events(1_000, session="one"))
    ingest_events(db, events)
    small, used = db.stat().st_size, _used_blocks(db)
    lake_small = sum(p.stat().st_size for p in events_root(lake).glob("*/*.parquet"))
    for _ in range(10):
        writer.write_many(_events(20_000, session="one", pad=2))
    ingest_events(db, events)
    lake_big = sum(p.stat().st_size for p in events_root(lake).glob("*/*.parquet"))
    with read_only(db) as con:
        assert con.execute("SELECT count(*) FROM core.events").fetchone() == (201_000,)
    assert lake_big > lake_small + 5_000_000                            # 200 k events went to the lake
    # The warehouse file did not grow with them: the same blocks in use (aggregates' churn leaves a few free).
    assert _used_blocks(db) <= used + 1
    assert db.stat().st_size - small < (lake_big - lake_small) / 5


def _used_blocks(db: Path) -> int:
    with read_only(db) as con:
        return con.execute("SELECT used_blocks FROM pragma_database_size()").fetchone()[0]


ANALYST = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print("ready", con.execute("SELECT count(*) FROM core.events").fetchone()[0], flush=True)
    counts, errors = [], []
    while True:
        try:
            counts.append(con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone()[0])
        except Exception as exc:
            errors.append(repr(exc))
        if sys.stdin in __import__("select").select([sys.stdin], [], [], 0)[0]:
            break
    print(counts[0], counts[-1], len(counts), errors[:1], flush=True)
""")


def test_an_analyst_read_only_session_sees_core_events_while_an_ingest_runs(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    writer = EventWriter(events)
    writer.write_many(_events(500))
    ingest_events(db, events)
    writer.write_many(_events(60_000, days=5))
    analyst = subprocess.Popen([PYTHON, "-c", ANALYST, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, cwd=ROOT)
    try:
        assert analyst.stdout.readline().split() == ["ready", "500"]
        assert ingest_events(db, events).loaded == 60_000              # not blocked by the open session
        out, _ = analyst.communicate("stop\n", timeout=60)
    finally:
        analyst.kill()
    first, last, queries, errors = out.split(maxsplit=3)
    assert errors.strip() == "[]" and int(queries) > 0 and int(first) == 500
    assert int(last) in range(500, 60_501)                              # its snapshot, plus whole new files at most
    with read_only(db) as con:                                          # a new session sees the new data
        assert con.execute("SELECT count(*) FROM core.events").fetchone() == (60_500,)


# A real ingest process that SIGKILLs itself at one point of the lake write or the publish.
KILLER = textwrap.dedent("""
    import os, signal, sys
    db, events, point = sys.argv[1], sys.argv[2], sys.argv[3]
    import warehouse.lake as lake
    real_replace, real_fsync, moved = os.replace, lake.fsync_path, []

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def replace(src, dst):
        if point == "before_publish" and str(dst) == db:
            die()
        if point == "mid_rename" and "date=" in str(dst):
            moved.append(dst)
            if len(moved) == 2:
                die()
        real_replace(src, dst)

    def fsync(path):
        if point == "after_staging":
            die()
        real_fsync(path)

    os.replace, lake.fsync_path = replace, fsync
    if point == "rebuild":
        from pipelines.ingest_events import ingest_events_into
        from warehouse.publish import write_transaction
        with write_transaction(db, fresh=True) as con:
            ingest_events_into(con, events)
            die()
    from pipelines.ingest_events import ingest_events
    ingest_events(db, events)
""")


@pytest.mark.parametrize("point", ["after_staging", "mid_rename", "before_publish", "rebuild"])
def test_kill_9_during_lake_ingest_loses_and_doubles_nothing(fresh_dir, point):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    lake = lake_for(db)
    writer = EventWriter(events)
    writer.write_many(_events(200))
    ingest_events(db, events)                                           # a published warehouse with events
    writer.write_many(_events(3_000, days=4))
    EventWriter(events).write_many(_events(40, days=2))                 # and a second, new log file
    published = db.stat().st_ino
    proc = subprocess.run([PYTHON, "-c", KILLER, str(db), str(events), point], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert db.stat().st_ino == published                                # nothing was published
    ingest_events(db, events)                                           # one more ordinary run
    expected = _jsonl_ids(events)
    assert len(expected) == 3_240
    assert sorted(_lake_ids(lake)) == sorted(expected)              # every event exactly once
    with read_only(db) as con:
        assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone() == (3_240, 3_240)
        assert con.execute("SELECT sum(events) FROM mart.event_counts_daily").fetchone() == (3_240,)
        assert con.execute("SELECT sum(rows_loaded) FROM raw.event_files").fetchone()[0] <= 3_240
    assert not list(lake.glob(f"{STAGING}/*")) and not list(lake.glob("_replaced/*"))   # cleaned up


def test_a_fresh_build_resets_the_lake(fresh_dir):
    from tests.helpers.ops import build_data_only

    db, events = build_data_only(fresh_dir, scale=100, seed=3)
    lake = lake_for(db)
    assert lake == fresh_dir / "warehouse.lake"                      # beside a warehouse other than EDULOOP_DB
    with read_only(db) as con:
        first = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    assert first > 0 and len(_lake_ids(lake)) == first
    build_data_only(fresh_dir, scale=100, seed=4)                       # demo events regenerated with new ids
    with read_only(db) as con:
        again = con.execute("SELECT count(*), count(DISTINCT event_id) FROM core.events").fetchone()
    assert again[0] == again[1] == len(_lake_ids(lake)) == len(_jsonl_ids(events))


@pytest.fixture
def small_disk(tmp_path):
    with small_tmpfs(tmp_path / "disk") as mount:
        yield mount


def test_a_full_disk_during_the_lake_write_publishes_nothing_and_loses_nothing(fresh_dir, small_disk, monkeypatch):
    lake = small_disk / "lake"
    monkeypatch.setenv("EDULOOP_LAKE", str(lake))
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    writer = EventWriter(events)
    writer.write_many(_events(100))
    assert ingest_events(db, events).loaded == 100
    filler = small_disk / "filler"
    filler.write_bytes(os.urandom(700_000))
    writer.write_many(_events(4_000, pad=8))                            # ~1 MB of incompressible payloads
    before = (db.stat().st_ino, db.stat().st_mtime_ns)
    with pytest.raises((OSError, duckdb.Error)):
        ingest_events(db, events)
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == before          # nothing published
    with read_only(db) as con:
        assert con.execute("SELECT count(*) FROM core.events").fetchone() == (100,)
    filler.unlink()                                                     # space comes back
    assert ingest_events(db, events).loaded == 4_000
    assert sorted(_lake_ids(lake)) == sorted(_jsonl_ids(events))
    assert not any((lake / STAGING).iterdir())
