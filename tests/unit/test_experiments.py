"""Declared experiments: hash assignment, spec validation, the session query, event checks."""
import json
import uuid
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.ab_sessions import ratio_estimate, sufficient_stats
from analytics.experiments import assign_variant, parse_spec
from tests.helpers import write_lake_events
from warehouse.events import EventValidationError, EventWriter, check_experiment, validate_event
from warehouse.experiments import (
    get_experiment,
    get_experiment_actions_df,
    get_experiment_catalog,
    get_experiment_daily_stats_df,
    get_experiment_session_stats_df,
    insert_experiment,
    stop_experiment,
)
from warehouse.schema import apply_schema


def test_assignment_is_deterministic_follows_the_allocation_and_differs_by_key():
    sessions = [f"s{i}" for i in range(20000)]
    first = [assign_variant(s, "exp-1", ("A", "B"), (0.8, 0.2)) for s in sessions]
    assert first == [assign_variant(s, "exp-1", ("A", "B"), (80, 20)) for s in sessions]
    counts = pd.Series(first).value_counts()
    assert stats.chisquare([counts["A"], counts["B"]], [16000, 4000]).pvalue > 0.001
    other = [assign_variant(s, "exp-2", ("A", "B"), (0.5, 0.5)) for s in sessions]
    # independent keys: the B share among exp-1's A sessions is still one half
    share = np.mean([o == "B" for f, o in zip(first, other) if f == "A"])
    assert abs(share - 0.5) < 0.02


@pytest.mark.parametrize("args, field", [
    (("Bad Key", "A,B", None, "follow"), "KEY"), (("k", "A", None, "follow"), "--variants"),
    (("k", "A,A", None, "follow"), "--variants"), (("k", "A,B", "50", "follow"), "--allocation"),
    (("k", "A,B", "50,x", "follow"), "--allocation"), (("k", "A,B", "50,-1", "follow"), "--allocation"),
    (("k", "A,B", None, " "), "--primary")])
def test_bad_specs_name_the_field(args, field):
    with pytest.raises(ValueError, match=field):
        parse_spec(*args)


def test_spec_normalises_allocation():
    spec = parse_spec("advice-v2", "A, B,C", "50,25,25", "follow", start_day=date(2026, 1, 1))
    assert spec.variants == ("A", "B", "C") and spec.allocation == (0.5, 0.25, 0.25)
    with pytest.raises(ValueError, match="before"):
        parse_spec("k", "A,B", None, "follow", start_day=date(2026, 2, 1), end_day=date(2026, 1, 1))


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect()
    apply_schema(con, tmp_path / "lake")   # in memory: its events go to this lake
    insert_experiment(con, key="advice-v1", kind="ab", variants=["A", "B"], allocation=[0.5, 0.5],
                      primary_action="follow")
    yield con
    con.close()


def _insert(con, rows):
    frame = pd.DataFrame([{"event_id": str(uuid.uuid4()), "page": "predict", "payload": None, "variant": None,
                           "ts": datetime(2026, 11, 1, 10, i), **row} for i, row in enumerate(rows)])
    con.register("new_events", frame)
    write_lake_events(con, "SELECT event_id, event, ts, session_id, page, variant, payload FROM new_events")
    con.unregister("new_events")


def _click(session, variant, action, experiment=None):
    payload = {"action": action, **({"experiment": experiment} if experiment else {})}
    return {"event": "click", "session_id": session, "variant": variant, "payload": json.dumps(payload)}


def test_session_query_counts_primary_clicks_of_sessions_with_an_impression(con):
    imp = {"event": "impression", "page": "predict"}
    _insert(con, [
        {**imp, "session_id": "s1", "variant": "A"}, {**imp, "session_id": "s1", "variant": "A"},
        _click("s1", "A", "follow"), _click("s1", "A", "follow"), _click("s1", "A", "another"),
        {**imp, "session_id": "s2", "variant": "B", "payload": '{"experiment": "advice-v1"}'},
        _click("s2", "B", "share", "advice-v1"),
        {**imp, "session_id": "s3", "variant": "B"}, _click("s3", "B", "follow"),
        _click("s4", "A", "follow"),                         # no impression: not counted
        {**imp, "session_id": "s5", "variant": "A", "payload": '{"experiment": "other"}'},  # other experiment
    ])
    exp = get_experiment(con, "advice-v1")
    got = get_experiment_session_stats_df(con, exp).set_index("variant")
    per_session = pd.DataFrame({"variant": ["A", "B", "B"], "impressions": [2, 1, 1], "clicks": [2, 0, 1]})
    expected = sufficient_stats(per_session).set_index("variant")
    pd.testing.assert_frame_equal(got.astype(float), expected.astype(float))
    actions = get_experiment_actions_df(con, exp)
    assert set(map(tuple, actions[["variant", "action", "clicks"]].to_numpy().tolist())) == {
        ("A", "another", 1), ("A", "follow", 2), ("B", "follow", 1), ("B", "share", 1)}
    daily = get_experiment_daily_stats_df(con, exp)
    assert list(daily["day"].astype(str).unique()) == ["2026-11-01"]
    pd.testing.assert_frame_equal(daily.drop(columns="day").set_index("variant").astype(float), got.astype(float))
    r = got.loc["A"]
    assert ratio_estimate(r.sessions, r.sum_x, r.sum_y, r.sum_x2, r.sum_y2, r.sum_xy).value == 1.0


def test_experiment_window_and_stop(con):
    insert_experiment(con, key="later", kind="ab", variants=["A", "B"], allocation=[0.5, 0.5],
                      primary_action="follow", start_day=date(2026, 11, 2))
    _insert(con, [{"event": "impression", "session_id": "s1", "variant": "A", "payload": '{"experiment": "later"}'}])
    assert get_experiment_session_stats_df(con, get_experiment(con, "later")).empty
    assert stop_experiment(con, "later") and not stop_experiment(con, "later")
    assert get_experiment_catalog(con) == {"advice-v1": ("A", "B"), "later": ("A", "B")}


def test_events_for_unknown_experiments_or_variants_are_refused(tmp_path):
    catalog = {"advice-v1": ("A", "B")}
    writer = EventWriter(tmp_path, catalog=lambda: catalog)
    with pytest.raises(EventValidationError) as err:
        writer.write({"event": "click", "experiment": "nope", "variant": "A"})
    assert err.value.field == "experiment"
    with pytest.raises(EventValidationError) as err:
        writer.write({"event": "impression", "page": "predict", "variant": "C"})   # advice by default
    assert err.value.field == "variant"
    ok = writer.write({"event": "click", "experiment": "advice-v1", "variant": "B", "payload": {"action": "follow"}})
    assert ok["payload"] == {"action": "follow", "experiment": "advice-v1"}
    assert writer.write({"event": "impression", "page": "predict", "variant": "A"})["variant"] == "A"
    assert not list(tmp_path.glob("*/*.jsonl"))[0].read_text().count("nope")


def test_experiment_key_must_agree_with_the_payload():
    with pytest.raises(EventValidationError, match="differs"):
        validate_event({"event": "click", "experiment": "a", "payload": {"experiment": "b"}})
    check_experiment(validate_event({"event": "page_view", "page": "predict"}), {})   # no experiment: fine


def test_the_advice_runs_in_the_newest_running_follow_experiment():
    """A presenter's demo reset declares a newer A/B test on `follow`; the Predict tab's advice moves to it."""
    from warehouse.experiments import get_advice_experiment

    con = duckdb.connect()
    apply_schema(con)
    insert = ("INSERT INTO ml.experiments (experiment_key, kind, variants, allocation, primary_action, status, "
              "created_at) VALUES (?, ?, ['A', 'B'], [0.5, 0.5], ?, ?, ?)")
    con.execute(insert, ["advice-v1", "ab", "follow", "running", "2026-11-01 00:00:00"])
    assert get_advice_experiment(con, "advice-v1")["experiment_key"] == "advice-v1"
    con.execute(insert, ["demo-20261201-060000", "ab", "follow", "running", "2026-12-01 06:00:00"])
    con.execute(insert, ["other-test", "ab", "share", "running", "2026-12-01 07:00:00"])   # another primary action
    assert get_advice_experiment(con, "advice-v1")["experiment_key"] == "demo-20261201-060000"
    con.execute("UPDATE ml.experiments SET status = 'stopped' WHERE experiment_key LIKE 'demo-%'")
    assert get_advice_experiment(con, "advice-v1")["experiment_key"] == "advice-v1"
