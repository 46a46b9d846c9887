"""Event validation names the bad field; the writer appends whole lines with unique ids."""
import json
import os
import uuid

import pytest

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


def test_write_many_is_all_or_nothing(tmp_path):
    writer = EventWriter(tmp_path)
    with pytest.raises(EventValidationError):
        writer.write_many([{"event": "click"}, {"event": "bad"}])
    assert list(tmp_path.glob("*/*.jsonl")) == []
