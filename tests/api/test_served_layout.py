"""First paint without a callback (issue 14 item 9): /_dash-layout, asked for by a tab's page (its Referer), holds
that tab rendered, with its first figure's data, so the browser plots it with no callback round trip; the page
caches are warmed without logging visits. Each test fails on the code before: the layout was the empty shell and
every panel came from a callback."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from tests.helpers.files import live_count, scalar


def _layout(client, referer: str | None) -> dict:
    answer = client.get("/_dash-layout", headers={"Referer": referer} if referer else {})
    assert answer.status_code == 200
    return json.loads(answer.data)


def _find(tree, component_id):
    """The props of the component with this id in a serialised Dash layout, or None."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        return next((found for value in tree.values() if (found := _find(value, component_id)) is not None), None)
    if isinstance(tree, list):
        return next((found for item in tree if (found := _find(item, component_id)) is not None), None)
    return None


def _db() -> Path:
    from warehouse.settings import get_settings

    return Path(get_settings().db_path)


def _bars(figure: dict) -> int:
    """Students counted by a distribution figure (bar heights; plotly 7 may send them base64-encoded)."""
    total = 0
    for trace in figure["data"]:
        y = trace["y"]
        if isinstance(y, dict):   # {"dtype": ..., "bdata": ...}
            y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
        total += int(np.sum(y))
    return total


def test_predict_page_comes_rendered_with_its_location_navbar_and_distribution(private_client):
    layout = _layout(private_client, "http://localhost/predict?lang=ja&gender=female")
    assert _find(layout, "_pages_location") == {"id": "_pages_location", "refresh": "callback-nav",
                                                "pathname": "/predict", "search": "?lang=ja&gender=female"}
    assert _find(layout, "predict-page") is not None
    assert _find(layout, "_pages_store")["data"] == {"title": "EduLoop · Predict"}
    assert _find(layout, "nav-predict")["children"] == "予測" and _find(layout, "nav-predict")["active"] is True
    females = scalar(_db(), "SELECT count(*) FROM core.students WHERE gender = 'female'")
    assert _bars(_find(layout, "predict-dist")["figure"]) == females    # the URL's filter applied, served
    assert _find(layout, "predict-kpi-students") is not None


def _ids(tree) -> list:
    if isinstance(tree, dict):
        props = tree.get("props")
        own = [props["id"]] if isinstance(props, dict) and props.get("id") else []   # "" is no id (Dash too)
        return own + [i for value in tree.values() for i in _ids(value)]
    return [i for item in tree for i in _ids(item)] if isinstance(tree, list) else []


def test_served_pages_have_unique_ids(private_client):
    # Dash validates the first request's layout (a served page, when the first visitor asks for one) and
    # refuses duplicate ids; the Predict page once had two `predict-url-sync`.
    for tab in ("predict", "ebpm", "recommend", "operations"):
        ids = [json.dumps(i, sort_keys=True) for i in _ids(_layout(private_client, f"http://localhost/{tab}?lang=en"))]
        assert len(ids) > 20 and sorted({i for i in ids if ids.count(i) > 1}) == [], tab


def test_every_tab_serves_its_first_figure_in_the_layout(private_client):
    first = {"ebpm": "ebpm-estimates-figure", "recommend": "recommend-eval-chart",
             "operations": "operations-exp-looks"}
    for tab, graph in first.items():
        layout = _layout(private_client, f"http://localhost/{tab}?lang=en")
        figure = _find(layout, graph)["figure"]
        assert figure and figure["data"], tab
    ebpm = _layout(private_client, "http://localhost/ebpm?lang=en&outcome=reading_score")
    assert _find(ebpm, "ebpm-spec")["data"]["outcome"] == "reading_score"   # the URL's view, estimated
    assert _find(_layout(private_client, "http://localhost/operations?lang=en"), "operations-ab-time")["figure"]["data"]


def test_without_a_usable_referer_the_shell_is_served_empty_for_the_routing_callback(private_client):
    for referer in (None, "http://elsewhere.example/predict?lang=ja", "http://localhost/no-such-tab"):
        layout = _layout(private_client, referer)
        location = _find(layout, "_pages_location")
        assert "pathname" not in location and "search" not in location   # the Location reports the path
        assert _find(layout, "_pages_content").get("children") is None
        assert _find(layout, "predict-page") is None


def test_a_served_page_is_a_visit_and_the_warm_up_is_not(private_client, private_folder):
    from dashboard.app import app
    from dashboard.common.warmup import PAGES, warm_pages

    visits = "event = 'page_view'"
    before = live_count(_db(), private_folder / "events", visits)
    _layout(private_client, "http://localhost/recommend?lang=en")
    assert live_count(_db(), private_folder / "events", visits) == before + 1
    statuses = warm_pages(app)
    assert set(statuses.values()) == {200} and len(statuses) == 2 * len(PAGES)
    assert live_count(_db(), private_folder / "events", visits) == before + 1
