"""Every consumer of a KPI (analysts' marts, the Operations queries behind the tab and the API) counts
the same events: page-less, other-page, duplicate and out-of-window events included in the input."""
from __future__ import annotations

import uuid
from datetime import date, datetime

import duckdb
import pytest

from pipelines.ingest_events import ingest_events_into
from tests.helpers.ops import point_app_at
from warehouse import ops_queries as q
from warehouse.events import EventWriter
from warehouse.schema import apply_schema

DAY1, DAY2, LATE = "2026-10-01T09:00:00Z", "2026-10-02T10:30:00Z", "2026-12-24T08:00:00Z"
DUPLICATE_ID = str(uuid.UUID(int=7))


def ev(event, variant, ts=DAY1, page="predict", **extra):
    return {"event": event, "variant": variant, "session_id": "s-" + str(variant), "ts": ts, "page": page, **extra}


EVENTS = [
    ev("impression", "A"), ev("impression", "A", DAY2), ev("click", "A", DAY2),
    ev("impression", "B"), ev("click", "B"),
    ev("impression", "A", page=None), ev("click", "A", page=None),        # page-less: not the experiment
    ev("impression", "B", page="recommend"),                              # another page
    ev("impression", "B", DAY2, event_id=DUPLICATE_ID), ev("impression", "B", DAY2, event_id=DUPLICATE_ID),
    ev("impression", "A", LATE), ev("click", "A", LATE),                  # outside the daily window below
    ev("recommendation", None, page="recommend"), ev("recommendation", None, DAY2, page="recommend"),
    ev("click", None, DAY2, page="recommend"), ev("click", None, DAY2, page=None),
    ev("recommendation", None, DAY2, page="recommend", event_id=str(uuid.UUID(int=8))),
    ev("recommendation", None, DAY2, page="recommend", event_id=str(uuid.UUID(int=8))),
    ev("recommendation", None, LATE, page="recommend"),
    ev("page_view", None), ev("page_view", None, DAY2), ev("page_view", None, DAY2, page="ebpm"),
    ev("page_view", None, page=None),                                     # usage of an unknown tab
    ev("page_view", None, DAY2, event_id=str(uuid.UUID(int=9))),
    ev("page_view", None, DAY2, event_id=str(uuid.UUID(int=9))),          # the same event sent twice
    ev("page_view", None, LATE),
    ev("error", None), ev("error", None, page=None), ev("error", None, DAY2, page="ebpm"),
    ev("error", None, DAY2, event_id=str(uuid.UUID(int=10))), ev("error", None, DAY2, event_id=str(uuid.UUID(int=10))),
    ev("error", None, LATE),
]
EXPECTED_ALL = {"A": (3, 2), "B": (2, 1)}           # (impressions, clicks): the duplicate counts once
EXPECTED_WINDOW = {"A": (2, 1), "B": (2, 1)}        # 2026-10-01 .. 2026-10-02


def _build(folder):
    con = duckdb.connect(str(folder / "warehouse.duckdb"))
    apply_schema(con)
    EventWriter(folder / "events").write_many(EVENTS)
    ingest_events_into(con, folder / "events")
    return con


@pytest.fixture
def warehouse_con(tmp_path):
    con = _build(tmp_path)
    q.open_live_events(con, tmp_path / "events")
    yield con
    con.close()


def _per_variant(rows) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for variant, impressions, clicks in rows:
        before = totals.get(variant, (0, 0))
        totals[variant] = (before[0] + int(impressions), before[1] + int(clicks))
    return totals


def test_marts_and_operations_queries_agree_on_advice_ctr(warehouse_con):
    con = warehouse_con
    mart_all = _per_variant(con.execute("SELECT variant, impressions, clicks FROM mart.ab_summary").fetchall())
    ops_all = _per_variant(q.get_ab_counts_df(con)[["variant", "impressions", "clicks"]].itertuples(index=False))
    assert mart_all == ops_all == EXPECTED_ALL
    mart_window = _per_variant(con.execute(
        "SELECT variant, impressions, clicks FROM mart.ctr_by_variant_day WHERE day BETWEEN ? AND ?",
        [date(2026, 10, 1), date(2026, 10, 2)]).fetchall())
    ops_window = _per_variant(q.get_ab_daily_df(con, start=date(2026, 10, 1), end=date(2026, 10, 2))
                              [["variant", "impressions", "clicks"]].itertuples(index=False))
    assert mart_window == ops_window == EXPECTED_WINDOW


def test_marts_and_operations_queries_agree_on_recommendation_conversion(warehouse_con):
    con = warehouse_con
    window = [date(2026, 10, 1), date(2026, 10, 2)]
    mart = con.execute("SELECT day, shown, clicks FROM mart.recommendation_ctr_by_day WHERE day BETWEEN ? AND ? "
                       "ORDER BY day", window).fetchall()
    ops = [tuple(row) for row in q.get_recommendation_daily_df(con, *window)[["date", "shown", "clicks"]]
           .itertuples(index=False)]
    expected = [(date(2026, 10, 1), 1, 0), (date(2026, 10, 2), 2, 1)]
    assert [(d, int(s), int(c)) for d, s, c in mart] == expected
    assert [(d.date() if hasattr(d, "date") else d, int(s), int(c)) for d, s, c in ops] == expected


def test_the_ops_api_serves_the_same_counts(tmp_path, monkeypatch):
    _build(tmp_path).close()
    point_app_at(monkeypatch, tmp_path)
    from dashboard.app import server

    client = server.test_client()
    ab = client.get("/api/v1/ops/summary?section=ab").get_json()
    assert {r["variant"]: (r["impressions"], r["clicks"]) for r in ab["counts"]} == EXPECTED_ALL
    usage = client.get("/api/v1/ops/summary?section=usage&start=2026-10-01&end=2026-10-02").get_json()
    assert [(r["date"][:10], r["shown"], r["clicks"]) for r in usage["recommendations"]] == \
        [("2026-10-01", 1, 0), ("2026-10-02", 2, 1)]


def test_marts_and_operations_queries_agree_on_page_views(warehouse_con):
    con = warehouse_con
    window = [date(2026, 10, 1), date(2026, 10, 2)]
    mart = con.execute("SELECT day, page, page_views FROM mart.usage_by_page_day WHERE day BETWEEN ? AND ? "
                       "AND page IS NOT NULL ORDER BY day, page", window).fetchall()
    ops = q.get_page_views_df(con, *window)
    expected = [(date(2026, 10, 1), "predict", 1), (date(2026, 10, 2), "ebpm", 1), (date(2026, 10, 2), "predict", 2)]
    assert [(d, p, int(v)) for d, p, v in mart] == expected
    assert [(d.date() if hasattr(d, "date") else d, p, int(v)) for d, p, v in ops.itertuples(index=False)] == expected
    assert con.execute("SELECT page_views, sessions FROM mart.usage_by_page_day WHERE page IS NULL").fetchall() == \
        [(1, 1)]


def test_marts_and_operations_queries_agree_on_errors_per_hour(warehouse_con):
    con = warehouse_con
    since, until = datetime(2026, 10, 1), datetime(2026, 10, 3)
    mart = con.execute("SELECT hour, errors FROM mart.errors_by_hour WHERE hour >= ? AND hour < ? ORDER BY hour",
                       [since, until]).fetchall()
    ops = [(h.to_pydatetime(), int(n)) for h, n in q.get_errors_hourly_df(con, since, until).itertuples(index=False)]
    expected = [(datetime(2026, 10, 1, 9), 2), (datetime(2026, 10, 2, 10), 2)]
    assert [(h, int(n)) for h, n in mart] == ops == expected
