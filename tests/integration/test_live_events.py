"""The live read path: ingested + not-yet-ingested events, robust to a half-written last line."""
import json
from pathlib import Path

from pipelines.ingest_events import ingest_events
from tests.helpers.files import live_count
from warehouse.connection import read_only
from warehouse.events import EventWriter
from warehouse.publish import write_transaction


def test_live_view_sees_pending_events_once(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    with write_transaction(db):
        pass
    writer = EventWriter(events)
    writer.write_many([{"event": "impression", "page": "predict", "variant": "A"}] * 10)
    assert live_count(db, events) == 10                     # nothing ingested yet, all visible
    ingest_events(db, events)
    writer.write_many([{"event": "click", "page": "predict", "variant": "A"}] * 3)
    assert live_count(db, events) == 13                     # 10 ingested + 3 pending, no double count
    assert live_count(db, events, "event = 'click'") == 3


def test_half_written_last_line_is_skipped_then_counted(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    with write_transaction(db):
        pass
    writer = EventWriter(events)
    writer.write_many([{"event": "page_view", "page": "ebpm"}] * 4)
    path = next(events.glob("*/*.jsonl"))
    line = json.dumps({"event_id": "0b5c2a8e-1d7c-4c55-9a55-3f3f3f3f3f3f", "event": "click",
                       "ts": "2026-11-01T00:00:00Z", "page": "predict"})
    with open(path, "a") as fh:
        fh.write(line[:25])                                  # a writer caught mid-line
    assert live_count(db, events) == 4
    assert ingest_events(db, events).loaded == 4             # ingest also skips the partial line
    with open(path, "a") as fh:
        fh.write(line[25:] + "\n")                           # the write completes
    assert live_count(db, events) == 5
    assert ingest_events(db, events).loaded == 1             # and is loaded exactly once
    assert ingest_events(db, events).loaded == 0


def test_a_resent_event_is_loaded_once(fresh_dir):
    """A client that re-sends the same event (same event_id) gets it stored once."""
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    with write_transaction(db):
        pass
    writer = EventWriter(events)
    same = {"event_id": "7d0c3f4e-6a0b-4a7e-9c1e-2b9f0e5d8a11", "event": "click", "page": "predict"}
    writer.write_many([same, same, {"event": "page_view", "page": "ebpm"}])
    assert ingest_events(db, events).loaded == 2
    writer.write(same)                                     # and again, in a later batch
    assert ingest_events(db, events).loaded == 0


def test_every_event_points_at_its_log_file_and_per_file_counts_add_up(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    with write_transaction(db):
        pass
    first, second = EventWriter(events), EventWriter(events)   # two processes' files
    first.write_many([{"event": "page_view", "page": "ebpm"}] * 5)
    second.write_many([{"event": "click", "page": "predict", "variant": "A"}] * 2)
    ingest_events(db, events)
    first.write_many([{"event": "page_view", "page": "recommend"}] * 3)   # the first file grows
    ingest_events(db, events)
    with read_only(db) as con:
        files = con.execute("""SELECT f.path, f.rows_loaded, count(e.event_id) FROM raw.event_files f
                               LEFT JOIN core.events e USING (file_id) GROUP BY ALL ORDER BY 2""").fetchall()
        assert con.execute("SELECT count(*) FROM core.events WHERE file_id IS NULL").fetchone()[0] == 0
    assert [(loaded, joined) for _, loaded, joined in files] == [(2, 2), (8, 8)]
    assert {path for path, *_ in files} == {str(p.resolve()) for p in events.glob("*/*.jsonl")}


OLD_LAYOUT = [   # core.events and raw.event_files as written before events carried a file_id
    "DROP VIEW core.events", "DROP TABLE raw.event_files", "DROP TABLE core.schema_version",
    # interactions were one table then (migration 008 turns it into a view over per-load tables)
    "DROP VIEW core.interactions", "CREATE TABLE core.interactions AS SELECT * FROM core.interaction_rows",
    """CREATE TABLE core.events (event_id VARCHAR NOT NULL, event VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
       session_id VARCHAR, page VARCHAR, student_id VARCHAR, variant VARCHAR, model_version VARCHAR,
       predicted DOUBLE, payload JSON, source_file VARCHAR, ingested_at TIMESTAMP)""",
    """CREATE TABLE raw.event_files (path VARCHAR PRIMARY KEY, size_bytes BIGINT NOT NULL,
       rows_loaded BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL)""",
]


def test_a_warehouse_of_the_old_layout_is_upgraded_by_the_next_ingest(fresh_dir):
    db, events = fresh_dir / "w.duckdb", fresh_dir / "events"
    writer = EventWriter(events)
    old = writer.write_many([{"event": "page_view", "page": "ebpm"}] * 4)
    path = str(next(events.glob("*/*.jsonl")).resolve())
    with write_transaction(db) as con:
        for statement in OLD_LAYOUT:
            con.execute(statement)
        for event in old:   # what the old ingest stored
            con.execute("INSERT INTO core.events VALUES (?, 'page_view', now()::TIMESTAMP, NULL, 'ebpm', NULL, NULL,"
                        " NULL, NULL, NULL, ?, now()::TIMESTAMP)", [event["event_id"], path])
        con.execute("INSERT INTO raw.event_files VALUES (?, ?, 4, now()::TIMESTAMP)", [path, Path(path).stat().st_size])
    writer.write_many([{"event": "click", "page": "predict", "variant": "A"}] * 2)   # the same file grows
    assert live_count(db, events) == 6                       # the app reads the old layout as it is
    assert ingest_events(db, events).loaded == 2
    with read_only(db) as con:
        assert con.execute("SELECT count(*), count(file_id), count(DISTINCT file_id) FROM core.events").fetchone() \
            == (6, 6, 1)
        assert con.execute("SELECT rows_loaded FROM raw.event_files").fetchone()[0] == 6
    writer.write({"event": "click", "page": "predict", "variant": "B"})
    assert live_count(db, events) == 7
    assert ingest_events(db, events).loaded == 1 and ingest_events(db, events).loaded == 0
