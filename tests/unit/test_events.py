"""Event validation names the bad field; the writer appends whole lines with unique ids."""
import json
import os
import socket
import uuid

import pytest

from warehouse import events as events_module
from warehouse.events import EventValidationError, EventWriter, validate_event


@pytest.mark.parametrize("event, field", [
    ({"event": "nope"}, "event"),
    ({"event": "click", "ts": "yesterday"}, "ts"),
    ({"event": "click", "event_id": "not-a-uuid"}, "event_id"),
    ({"event": "click", "predicted": "high"}, "predicted"),
    ({"event": "click", "predicted": float("nan")}, "predicted"),
    ({"event": "click", "payload": [1, 2]}, "payload"),
    ({"event": "click", "session_id": "x" * 500}, "session_id"),
    ({"event": "click", "colour": "red"}, "colour"),
    ("click", "event"),
])
def test_invalid_events_name_their_field(event, field):
    with pytest.raises(EventValidationError) as err:
        validate_event(event)
    assert err.value.field == field


def test_defaults_and_normalisation():
    e = validate_event({"event": "click", "ts": "2026-11-01T09:00:00+09:00"})
    uuid.UUID(e["event_id"])
    assert e["ts"] == "2026-11-01T00:00:00.000000Z"   # converted to UTC


def test_writer_appends_whole_lines_with_unique_ids(tmp_path):
    writer = EventWriter(tmp_path)
    written = writer.write_many([{"event": "click", "page": "predict"} for _ in range(50)])
    writer.write({"event": "page_view", "page": "ebpm"})
    files = list(tmp_path.glob("*/*.jsonl"))
    assert len(files) == 1 and str(os.getpid()) in files[0].name
    lines = files[0].read_text().splitlines()
    assert len(lines) == 51 and files[0].read_text().endswith("\n")
    ids = [json.loads(line)["event_id"] for line in lines]
    assert len(set(ids)) == 51 and ids[:50] == [e["event_id"] for e in written]


def test_writers_with_the_same_host_and_pid_never_share_a_file(tmp_path):
    # Two containers on one shared volume can have equal host names and pids: here, two writers in one process.
    first, second = EventWriter(tmp_path), EventWriter(tmp_path)
    mine = {first: set(), second: set()}
    for writer in (first, second, first, second):
        mine[writer].add(writer.write({"event": "click", "page": "predict"})["event_id"])
    files = list(tmp_path.glob("*/*.jsonl"))
    assert len(files) == 2 and all(f"-{socket.gethostname()}-{os.getpid()}-" in f.name for f in files)
    held = [{json.loads(line)["event_id"] for line in f.read_text().splitlines()} for f in files]
    assert sorted(held, key=min) == sorted(mine.values(), key=min)


def test_a_clashing_log_name_is_never_reused(tmp_path, monkeypatch):
    names = iter(["events-h-7-aaaaaaaa.jsonl", "events-h-7-aaaaaaaa.jsonl", "events-h-7-bbbbbbbb.jsonl"])
    monkeypatch.setattr(events_module, "log_file_name", lambda: next(names))
    first, second = EventWriter(tmp_path), EventWriter(tmp_path)
    one = first.write({"event": "click", "page": "predict"})["event_id"]
    two = second.write({"event": "click", "page": "predict"})["event_id"]   # its first name is taken: a new one
    (day,) = tmp_path.iterdir()
    assert {p.name: json.loads(p.read_text())["event_id"] for p in day.iterdir()} == {
        "events-h-7-aaaaaaaa.jsonl": one, "events-h-7-bbbbbbbb.jsonl": two}


def test_write_many_is_all_or_nothing(tmp_path):
    writer = EventWriter(tmp_path)
    with pytest.raises(EventValidationError):
        writer.write_many([{"event": "click"}, {"event": "bad"}])
    assert list(tmp_path.glob("*/*.jsonl")) == []
