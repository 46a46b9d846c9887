"""The marts job: every mart from a demo event lake, on DuckDB and on Spark local[2], from one definition.

The lake is the one a demo build's ingest writes, plus hand-made rows (written by the lake's own writer,
warehouse.lake.load_events) that exercise what differs between engines: sessions over several days (the
window), JSON messages with quotes, backslashes, newlines and Japanese text, a number and no message,
timestamps at the edges of a UTC day. The marts have no float columns, so both engines' rows are compared
exactly. Each engine reads only the events the warehouse published (core.events' snapshot).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import PipelineError
from pipelines.marts import MartsOptions, compute_duckdb, load_marts, run_marts
from tests.helpers import PYTHON, ROOT, run_env, write_lake_events
from tests.helpers.ops import build_data_only
from warehouse import ops_queries as q
from warehouse.lake import append_events, lake_state
from warehouse.marts import MART_INPUTS, definitions, mart_table
from warehouse.ops_marts import event_aggregates_current, refresh_event_aggregates
from warehouse.publish import write_transaction

MESSAGE = 'データ "引用" \\ 改行\n✓'
# (event, ts, session_id, page, variant, payload)
EXTRA_EVENTS = [
    ("page_view", "2026-10-01 08:00:00", "multi-day", "predict", None, None),
    ("page_view", "2026-10-03 00:00:00", "multi-day", "ebpm", None, None),
    ("page_view", "2026-10-03 23:59:59.999999", "multi-day", "ebpm", None, None),
    ("page_view", "2026-10-07 12:00:00", "multi-day", "operations", None, None),
    ("page_view", "2026-10-02 10:00:00", None, "predict", None, None),       # no session: not a session day
    ("impression", "2026-10-02 10:00:00", "multi-day", "predict", "C", None),
    ("impression", "2026-10-02 10:01:00", None, "predict", "C", None),        # no session: no A/B unit
    ("error", "2026-10-03 05:00:00", "multi-day", "ebpm", None, json.dumps({"message": MESSAGE})),
    ("error", "2026-10-03 05:00:01", "multi-day", "ebpm", None, json.dumps({"code": 5})),
    ("error", "2026-10-03 05:00:02", "multi-day", "ebpm", None, json.dumps({"message": 42})),
    ("error", "2026-10-03 05:00:03", None, None, None, None),
]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _published(db: Path) -> tuple[Path, datetime]:
    """(the lake the warehouse's core.events reads, the last ingested_at it shows)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return lake_state(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """(warehouse, lake): a data-only demo warehouse whose build ingested its events into its lake, plus
    EXTRA_EVENTS written to that lake and published, with its aggregates."""
    folder = tmp_path_factory.mktemp("marts")
    db, _ = build_data_only(folder, scale=300, seed=5, as_of=date(2026, 10, 31))
    with write_transaction(db) as con:
        con.execute("CREATE TEMP TABLE extra (event VARCHAR, ts VARCHAR, session_id VARCHAR, page VARCHAR, "
                    "variant VARCHAR, payload VARCHAR)")
        con.executemany("INSERT INTO extra VALUES (?, ?, ?, ?, ?, ?)", EXTRA_EVENTS)
        write_lake_events(con, "SELECT uuid() AS event_id, event, CAST(ts AS TIMESTAMP) AS ts, session_id, page, "
                               "variant, payload, $at AS ingested_at, 'demo' AS source FROM extra",
                          {"at": _utc_now()})
        refresh_event_aggregates(con)
    lake, _ = _published(db)
    assert lake is not None and lake.is_dir()
    return db, lake


def _copy(demo, tmp_path) -> tuple[Path, Path]:
    """A private copy of the demo warehouse and its lake, the copy's core.events reading the copied lake."""
    db, lake = demo
    shutil.copyfile(db, tmp_path / "warehouse.duckdb")
    shutil.copytree(lake, tmp_path / "lake")
    (tmp_path / "events").mkdir()
    with write_transaction(tmp_path / "warehouse.duckdb", lake_dir=tmp_path / "lake"):
        pass
    assert _published(tmp_path / "warehouse.duckdb")[0] == (tmp_path / "lake").resolve()
    return tmp_path / "warehouse.duckdb", tmp_path / "lake"


def _unpublished_event(lake: Path, ingested_at: datetime) -> None:
    """Write one more event into the lake with the lake's writer, without any warehouse publishing it (what a
    killed ingest, or one still running, leaves behind)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE extra AS SELECT uuid() AS event_id, 'page_view' AS event, "
                    "TIMESTAMP '2026-10-05 12:00:00' AS ts, 'late' AS session_id, 'predict' AS page, "
                    "NULL::VARCHAR AS student_id, NULL::VARCHAR AS variant, NULL::VARCHAR AS model_version, "
                    "NULL::DOUBLE AS predicted, NULL::VARCHAR AS payload, NULL::INTEGER AS file_id, "
                    "$at AS ingested_at, 'demo' AS source", {"at": ingested_at})
        assert append_events(con, "extra", lake) == 1
    finally:
        con.close()


def _parquet_marts(folder: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each mart's column types and rows (sorted) as written under folder/NAME/."""
    con = duckdb.connect()
    try:
        out = {}
        for name in MART_INPUTS:
            rel = con.sql(f"SELECT * FROM read_parquet('{folder / name}/*.parquet')")
            out[name] = ([str(t) for t in rel.types], sorted(rel.fetchall(), key=repr))
        return out
    finally:
        con.close()


def _warehouse_marts(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: sorted(con.execute(f"SELECT * FROM {mart_table(name)}").fetchall(), key=repr)
                for name in MART_INPUTS}
    finally:
        con.close()


def operations_answers(db: Path, events_dir: Path) -> dict:
    """What the Operations tab shows (A/B, usage, errors) from a warehouse with no pending events."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        q.open_live_events(con, events_dir)
        first, last = q.get_data_days(con)
        return {
            "days": (first, last),
            "ab": q.get_ab_counts_df(con).to_dict("records"),
            "ab_daily": q.get_ab_daily_df(con).to_dict("records"),
            "usage": [q.get_usage_totals(con, s, e) for s, e in
                      ((first, last), (date(2026, 10, 3), date(2026, 10, 7)), (date(2026, 10, 7), date(2026, 10, 7)))],
            "views": q.get_page_views_df(con, first, last).to_dict("records"),
            "predictions": q.get_daily_events_df(con, "prediction", first, last).to_dict("records"),
            "recommendations": q.get_recommendation_daily_df(con, first, last).to_dict("records"),
            "errors_hourly": q.get_errors_hourly_df(con, datetime(2026, 9, 1)).to_dict("records"),
            "messages": q.get_error_messages_df(con, datetime(2026, 9, 1)).to_dict("records"),
            "latest": q.get_latest_errors_df(con, 100).to_dict("records"),
        }
    finally:
        con.close()


def _forget_marts(db: Path) -> None:
    """Empty every mart table and mark the aggregates stale, so only the marts job can bring them back."""
    with write_transaction(db) as con:
        for name in MART_INPUTS:
            con.execute(f"DELETE FROM {mart_table(name)}")
        con.execute("UPDATE core.build_info SET value = 'stale' WHERE key = 'ops_aggregates_version'")


def test_duckdb_marts_from_the_lake_equal_the_ingested_aggregates(demo, tmp_path):
    db, lake = demo
    rows = compute_duckdb(definitions(), lake, tmp_path / "out", _published(db)[1])
    marts = _parquet_marts(tmp_path / "out")
    assert {name: found for name, (_, found) in marts.items()} == _warehouse_marts(db)
    assert rows == {name: len(found) for name, (_, found) in marts.items()}
    # known answers for the hand-made rows
    assert [(str(d), p and str(p)) for d, k, p in marts["session_days"][1] if k == "multi-day"] == [
        ("2026-10-01", None), ("2026-10-03", "2026-10-01"), ("2026-10-07", "2026-10-03")]
    messages = {str(ts): m for _, ts, _, _, m in marts["error_events"][1] if str(ts).startswith("2026-10-03 05:00:0")}
    assert messages == {"2026-10-03 05:00:00": MESSAGE, "2026-10-03 05:00:01": None,
                        "2026-10-03 05:00:02": "42", "2026-10-03 05:00:03": None}
    assert ("C", 1) in marts["variant_users"][1]


def test_marts_job_loads_the_warehouse_and_the_operations_answers_stay_the_same(demo, tmp_path):
    db, lake = _copy(demo, tmp_path)
    before = operations_answers(db, tmp_path / "events")
    _forget_marts(db)
    # no --lake, no EDULOOP_LAKE: the job reads the lake the warehouse records
    done = subprocess.run([PYTHON, "-m", "pipelines", "marts", "--db", str(db), "--json"], cwd=ROOT,
                          env=run_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "duckdb"
    assert summary["lake"] == str(lake.resolve())
    assert summary["visible_until"] == _published(db)[1].isoformat()
    assert operations_answers(db, tmp_path / "events") == before
    con = duckdb.connect(str(db), read_only=True)
    assert event_aggregates_current(con)
    con.close()
    # the same rows as Parquet under <lake>/marts/<name>/, and nothing staged left behind
    published = _parquet_marts(lake / "marts")
    assert {name: found for name, (_, found) in published.items()} == _warehouse_marts(db)
    assert summary["rows"] == {name: len(found) for name, (_, found) in published.items()}
    assert sorted(p.name for p in (lake / "marts").iterdir()) == sorted(MART_INPUTS)


def test_marts_job_without_a_lake_fails_with_one_line_and_changes_nothing(demo, tmp_path):
    db, _ = _copy(demo, tmp_path)
    before = db.read_bytes()
    env = {**run_env(tmp_path), "EDULOOP_LAKE": str(tmp_path / "no-lake")}
    done = subprocess.run([PYTHON, "-m", "pipelines", "marts", "--db", str(db)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: no event lake at {tmp_path / 'no-lake' / 'events'} (expected "
                                   "date=YYYY-MM-DD/*.parquet); run `python -m pipelines ingest-events` first")
    assert db.read_bytes() == before


def test_events_the_warehouse_has_not_published_stay_out_of_the_marts(demo, tmp_path):
    db, lake = _copy(demo, tmp_path)
    before = operations_answers(db, tmp_path / "events")
    _unpublished_event(lake, _utc_now() + timedelta(minutes=1))   # later than the warehouse's snapshot
    everything = compute_duckdb(definitions(), lake, tmp_path / "all")   # no snapshot: every file counts
    _forget_marts(db)
    summary = run_marts(MartsOptions(db_path=db))
    assert everything["session_days"] == summary.rows["session_days"] + 1   # the 'late' session's day
    con = duckdb.connect(str(db), read_only=True)
    covered, total = con.execute("SELECT (SELECT sum(events) FROM mart.event_counts_daily), "
                                 "(SELECT count(*) FROM core.events)").fetchone()
    assert not con.execute("SELECT count(*) FROM mart.session_days WHERE session_key = 'late'").fetchone()[0]
    con.close()
    assert covered == total
    assert operations_answers(db, tmp_path / "events") == before


def test_marts_of_another_lake_are_not_published(demo, tmp_path):
    db, lake = _copy(demo, tmp_path)
    other = tmp_path / "other-lake"
    shutil.copytree(lake, other)
    _unpublished_event(other, _published(db)[1] - timedelta(seconds=1))   # inside the snapshot, but not ours
    before = db.read_bytes()
    done = subprocess.run([PYTHON, "-m", "pipelines", "marts", "--db", str(db), "--lake", str(other)], cwd=ROOT,
                          env=run_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    total = _core_event_count(db)
    assert done.stderr.strip().splitlines() == [
        f"error: the marts cover {total + 1} lake events but the warehouse holds {total}: the lake read is not "
        "the one the warehouse's core.events reads, or it changed while they were computed; run `marts` again "
        "(the warehouse is unchanged)"]
    assert db.read_bytes() == before
    assert not any((other / "marts").iterdir())


def test_marts_computed_before_an_ingest_published_are_not_loaded(demo, tmp_path):
    db, lake = _copy(demo, tmp_path)
    until = _published(db)[1]
    compute_duckdb(definitions(), lake, tmp_path / "staged", until)
    with write_transaction(db) as con:   # an ingest publishes while the marts job computes
        write_lake_events(con, "SELECT uuid() AS event_id, 'click' AS event, TIMESTAMP '2026-10-05' AS ts, "
                               "$at AS ingested_at", {"at": _utc_now()})
    before = db.read_bytes()
    with pytest.raises(PipelineError, match="an ingest published events while the marts were computed"):
        with write_transaction(db) as con:
            load_marts(con, tmp_path / "staged", until)
    assert db.read_bytes() == before


def _core_event_count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    finally:
        con.close()


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_spark_marts_equal_duckdb_row_for_row_and_load_the_same_answers(demo, tmp_path, spark):
    db, lake = _copy(demo, tmp_path)
    before = operations_answers(db, tmp_path / "events")
    _forget_marts(db)
    _unpublished_event(lake, _utc_now() + timedelta(minutes=1))   # both engines must leave it out
    summary = run_marts(MartsOptions(db_path=db, engine="spark"), spark=spark)
    on_spark = _parquet_marts(lake / "marts")
    compute_duckdb(definitions(), lake, tmp_path / "duck", _published(db)[1])
    on_duckdb = _parquet_marts(tmp_path / "duck")
    for name in MART_INPUTS:   # column types and every row, exactly (no float columns)
        assert on_spark[name] == on_duckdb[name], name
    assert summary.rows == {name: len(rows) for name, (_, rows) in on_duckdb.items()}
    assert operations_answers(db, tmp_path / "events") == before


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.xdist_group("spark")
def test_an_edited_definition_changes_both_engines(demo, tmp_path, spark):
    from pipelines.marts_spark import compute_spark

    _, lake = demo
    folder = tmp_path / "defs"
    shutil.copytree(ROOT / "warehouse" / "sql" / "marts", folder)
    counts = folder / "event_counts_daily.sql"
    counts.write_text(counts.read_text().replace("FROM events", "FROM events WHERE event <> 'click'"))
    errors = folder / "error_events.sql"
    errors.write_text(errors.read_text().replace("'$.message'", "'$.code'"))
    edited = definitions(folder)
    compute_spark(spark, edited, lake, tmp_path / "spark")
    compute_duckdb(edited, lake, tmp_path / "duck")
    on_spark, on_duckdb = _parquet_marts(tmp_path / "spark"), _parquet_marts(tmp_path / "duck")
    assert on_spark == on_duckdb
    events = on_spark["event_counts_daily"][1]
    assert events and "click" not in {event for _, event, _, _, _ in events}
    assert sorted(m for *_, m in on_spark["error_events"][1] if m is not None) == ["5"]
