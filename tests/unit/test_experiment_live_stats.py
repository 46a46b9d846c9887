"""Operations experiment panel: published session sums (cached per warehouse version) with live events swapped in
for the sessions they touch give exactly what one query over every live event gives."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analytics.ab_sessions import replace_sessions
from dashboard.operations import data
from pipelines.ingest_events import ingest_events_into
from warehouse import experiments as xq
from warehouse import ops_queries as q
from warehouse.events import EventWriter
from warehouse.schema import apply_schema
from warehouse.settings import get_settings

DAY1, DAY2 = "2026-10-01T09:00:00Z", "2026-10-02T10:30:00Z"


def advice(event, variant, session, ts=DAY1, action=None):
    row = {"event": event, "variant": variant, "session_id": session, "ts": ts, "page": "predict"}
    return {**row, "payload": {"action": action}} if action else row


INGESTED = [
    advice("impression", "A", "s1"), advice("click", "A", "s1", action="share"),
    advice("impression", "A", "s2"), advice("impression", "A", "s2"), advice("click", "A", "s2", action="follow"),
    advice("impression", "B", "s3"), advice("click", "B", "s3", action="follow"),
    advice("click", "B", "s4", action="follow"),   # a click before its session's impression was ingested
]
PENDING = [
    advice("click", "A", "s1", DAY2, action="follow"),       # s1 converts now
    advice("impression", "A", "s2", DAY2),                    # s2: a third impression
    advice("impression", "B", "s4", DAY2),                    # s4 enters the experiment with its earlier click
    advice("impression", "B", "s5", DAY2), advice("click", "B", "s5", DAY2, action="another"),   # new session
    {"event": "page_view", "page": "operations", "session_id": "s3", "ts": DAY2},              # not the experiment
]


@pytest.fixture
def warehouse(tmp_path):
    """A warehouse file with INGESTED published and the advice experiment declared; PENDING not yet ingested."""
    events = tmp_path / "events"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        apply_schema(con)
        xq.insert_experiment(con, key=xq.ADVICE_EXPERIMENT, kind="ab", variants=["A", "B"], allocation=[0.5, 0.5],
                             primary_action="follow")
        EventWriter(events).write_many(INGESTED)
        ingest_events_into(con, events)
    cfg = get_settings({"EDULOOP_DATA_DIR": str(tmp_path), "EDULOOP_DB": str(tmp_path / "w.duckdb"),
                        "EDULOOP_EVENTS_DIR": str(events)})
    return cfg


def _full_live(cfg, experiment) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(cfg.db_path), read_only=True) as con:
        q.open_live_events(con, cfg.events_dir)
        return xq.get_experiment_stats(con, experiment, source="live_events")


def _assert_same(got: dict, want: dict) -> None:
    for name in ("sessions", "daily", "actions"):
        pd.testing.assert_frame_equal(got[name].reset_index(drop=True), want[name].reset_index(drop=True),
                                      check_dtype=False)


def test_live_stats_equal_one_query_over_every_live_event(warehouse):
    experiment = data.get_experiment_row(warehouse, xq.ADVICE_EXPERIMENT)
    published = data.experiment_stats(warehouse, experiment)
    assert published["sessions"].set_index("variant")["sessions"].to_dict() == {"A": 2, "B": 1}
    EventWriter(warehouse.events_dir).write_many(PENDING)
    live = data.experiment_stats(warehouse, experiment)
    _assert_same(live, _full_live(warehouse, experiment))
    sessions = live["sessions"].set_index("variant")
    assert sessions["sessions"].to_dict() == {"A": 2, "B": 3}
    assert sessions["converted"].to_dict() == {"A": 2, "B": 2}      # s1 now; s4's earlier click counts
    assert sessions.loc["A", "sum_x"] == 4 and sessions.loc["A", "sum_x2"] == 1 + 9
    actions = live["actions"].set_index(["variant", "action"])["clicks"].to_dict()
    assert actions == {("A", "follow"): 2, ("A", "share"): 1, ("B", "another"): 1, ("B", "follow"): 2}


def test_a_new_click_shows_on_the_next_read(warehouse):
    experiment = data.get_experiment_row(warehouse, xq.ADVICE_EXPERIMENT)
    data.experiment_stats(warehouse, experiment)
    EventWriter(warehouse.events_dir).write_many([advice("click", "B", "s3", DAY2, action="follow")])
    live = data.experiment_stats(warehouse, experiment)
    assert live["sessions"].set_index("variant").loc["B", "sum_y"] == 2
    _assert_same(live, _full_live(warehouse, experiment))


def test_replace_sessions_swaps_sums_and_drops_emptied_groups():
    total = pd.DataFrame({"variant": ["A", "B"], "sessions": [3, 1], "sum_x": [5.0, 2.0]})
    old = pd.DataFrame({"variant": ["A", "B"], "sessions": [1, 1], "sum_x": [2.0, 2.0]})
    new = pd.DataFrame({"variant": ["A", "C"], "sessions": [2, 1], "sum_x": [6.0, 1.0]})
    out = replace_sessions(total, old, new, ["variant"])
    assert out.to_dict("records") == [{"variant": "A", "sessions": 4, "sum_x": 9.0},
                                      {"variant": "C", "sessions": 1, "sum_x": 1.0}]
    assert replace_sessions(total, old.iloc[0:0], new.iloc[0:0], ["variant"]).equals(total)
