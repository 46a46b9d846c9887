"""Issue 11 defects 6 and 10 on real files: torn tails, re-sent events, orphans, idle ingest, CSV cells."""
from __future__ import annotations

import errno
import json
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from analytics.csv_safety import neutralise_cell, neutralise_frame
from pipelines.ingest_events import ingest_events
from tests.helpers.files import live_count
from warehouse.connection import read_only
from warehouse.events import EventValidationError, EventWriter, pending_event_files, validate_event
from warehouse.publish import write_transaction


def _only_file(events: Path) -> Path:
    (path,) = events.glob("*/*.jsonl")
    return path


def test_torn_tail_is_cut_before_the_next_append(fresh_dir):
    events = fresh_dir / "events"
    writer = EventWriter(events)
    first = writer.write({"event": "click", "page": "predict"})
    with open(_only_file(events), "ab") as fh:   # what a crash mid-write leaves behind
        fh.write(b'{"event_id": "5d6c0b5e-1', )
    second = writer.write({"event": "page_view", "page": "ebpm"})
    lines = _only_file(events).read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [first["event_id"], second["event_id"]]


def test_ingest_recovers_every_complete_line_after_a_torn_one(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    good = [validate_event({"event": "click", "page": "predict"}) for _ in range(3)]
    day = events / "2026-11-30"
    day.mkdir(parents=True)
    lines = [json.dumps(good[0]), '{"event_id": "torn', json.dumps(good[1]), json.dumps(good[2])]
    (day / "events-old-1-abc.jsonl").write_text("\n".join(lines) + "\n")
    assert ingest_events(db, events).loaded == 3


def test_a_failed_write_keeps_nothing_of_the_batch(fresh_dir, monkeypatch):
    events = fresh_dir / "events"
    writer = EventWriter(events)
    writer.write({"event": "click", "page": "predict"})
    size = _only_file(events).stat().st_size
    real_write = os.write

    def half_then_full(fd, data):   # the kernel's behaviour on a filling disk: a short write, then ENOSPC
        if len(data) > 100:
            real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    from warehouse.events import EventStoreError

    with pytest.raises(EventStoreError) as err:
        writer.write_many([{"event": "page_view", "page": "ebpm"}] * 50)
    assert err.value.full
    monkeypatch.setattr(os, "write", real_write)
    assert _only_file(events).stat().st_size == size


def test_resent_event_in_a_new_file_is_counted_once_live(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    event = EventWriter(events).write({"event": "click", "page": "predict", "variant": "A"})
    assert ingest_events(db, events).loaded == 1
    EventWriter(events).write(event)   # a client re-sends it; a new process means a new file
    assert len(list(events.glob("*/*.jsonl"))) == 2
    assert live_count(db, events) == 1
    assert ingest_events(db, events).loaded == 0


def test_a_node_mounting_the_events_folder_elsewhere_sees_only_new_lines_as_pending(fresh_dir):
    # Another host mounts the shared folder at another path: the same files (hard links here) under other names.
    db, events, elsewhere = fresh_dir / "w.duckdb", fresh_dir / "events", fresh_dir / "mnt" / "events"
    writer = EventWriter(events)
    writer.write_many([{"event": "click", "page": "predict"}] * 3)
    EventWriter(events).write({"event": "page_view", "page": "ebpm"})
    assert ingest_events(db, events).loaded == 4
    for path in events.glob("*/*.jsonl"):
        (elsewhere / path.parent.name).mkdir(parents=True, exist_ok=True)
        os.link(path, elsewhere / path.parent.name / path.name)
    with read_only(db) as con:
        assert pending_event_files(con, elsewhere) == []          # nothing to re-read on that node
    writer.write({"event": "click", "page": "predict"})
    with read_only(db) as con:
        (grown,) = pending_event_files(con, elsewhere)              # only the file that grew
    assert Path(grown.path).parent.parent == elsewhere.resolve()
    assert live_count(db, elsewhere) == 5
    assert ingest_events(db, elsewhere).loaded == 1                 # an ingest on that host loads the new line
    with read_only(db) as con:
        assert pending_event_files(con, events) == pending_event_files(con, elsewhere) == []
    assert ingest_events(db, events).loaded == 0


def test_ingest_with_nothing_new_does_not_publish(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    EventWriter(events).write({"event": "click", "page": "predict"})
    ingest_events(db, events)
    before = (db.stat().st_ino, db.stat().st_mtime_ns)
    summary = ingest_events(db, events)
    assert (summary.loaded, summary.total) == (0, 1)
    assert (db.stat().st_ino, db.stat().st_mtime_ns) == before


def test_failed_copy_leaves_no_orphan(fresh_dir, monkeypatch):
    db = fresh_dir / "w.duckdb"
    with write_transaction(db):
        pass

    def copy_then_full(src, dst, *a, **k):
        Path(dst).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", copy_then_full)
    with pytest.raises(OSError):
        with write_transaction(db):
            pass
    assert sorted(p.name for p in fresh_dir.iterdir() if p.name.startswith("w.duckdb")) == \
        ["w.duckdb", "w.duckdb.lock"]


def test_client_window_applies_to_clients_only():
    old = (datetime.now(timezone.utc) - timedelta(days=200)).isoformat()
    assert validate_event({"event": "click", "page": "predict", "ts": old})["event"] == "click"   # CLI backfill
    with pytest.raises(EventValidationError) as err:
        validate_event({"event": "click", "page": "predict", "ts": old}, client=True)
    assert err.value.field == "ts"
    soon = (datetime.now(timezone.utc) + timedelta(minutes=4)).isoformat()
    assert validate_event({"event": "click", "page": "predict", "ts": soon}, client=True)


@pytest.mark.parametrize("cell, expected", [
    ("=1+cmd|' /C calc'!A0", "'=1+cmd|' /C calc'!A0"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), (None, None), (-5, -5), (1.5, 1.5),
])
def test_neutralise_cell_follows_owasp(cell, expected):
    assert neutralise_cell(cell) == expected


def test_neutralised_frame_writes_inert_csv():
    frame = pd.DataFrame({"message": ["=HYPERLINK(\"http://x\")", "ok"], "score": [-3, 4], "=bad": ["a", "b"]})
    text = neutralise_frame(frame).to_csv(index=False)
    assert text.splitlines() == ["message,score,'=bad", "\"'=HYPERLINK(\"\"http://x\"\")\",-3,a", "ok,4,b"]
    assert frame.loc[0, "message"].startswith("=")   # the input is not changed
