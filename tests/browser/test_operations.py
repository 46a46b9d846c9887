"""Headless Chromium: the Operations tab renders every section and live-refreshes a click logged elsewhere."""
from __future__ import annotations

import time

import pytest

from tests.helpers import free_port
from tests.helpers.ops import build_data_only, point_app_at
from warehouse.events import EventWriter

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def ops_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ops-browser")
    build_data_only(folder, scale=300, seed=3)
    return folder


@pytest.fixture
def app(ops_folder, monkeypatch):
    from dashboard.app import app as dash_app

    point_app_at(monkeypatch, ops_folder)
    monkeypatch.delenv("EDULOOP_ADMIN_PASSWORD", raising=False)
    return dash_app


def count(dash_duo, selector: str) -> int:
    return int(dash_duo.find_element(selector).text.replace(",", ""))


def test_click_logged_in_another_window_shows_within_seconds(dash_duo, app, ops_folder):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/operations?lang=en")
    dash_duo.wait_for_element("#operations-kpi-clicks h4", timeout=30)
    for section in ("#operations-exp-looks .js-plotly-plot", "#operations-usage-views .js-plotly-plot",
                    "#operations-kpi-errors", "#operations-kpi-model", "#operations-no-alerts",
                    "#operations-demo-mode"):
        dash_duo.wait_for_element(section, timeout=20)
    before = count(dash_duo, "#operations-kpi-clicks h4")
    assert before > 0

    # Another window (here: the same event writer the Predict tab uses) logs an advice click; no ingest.
    EventWriter(ops_folder / "events").write({"event": "click", "page": "predict", "variant": "B",
                                              "session_id": "presenter-window"})
    start = time.monotonic()
    dash_duo.wait_for_text_to_equal("#operations-kpi-clicks h4", f"{before + 1:,}", timeout=5)
    assert time.monotonic() - start <= 5

    # Live refresh switched off: a further click does not show until it is switched on again.
    toggle_live = "document.getElementById('operations-live').click()"
    dash_duo.driver.execute_script(toggle_live)
    time.sleep(0.5)
    EventWriter(ops_folder / "events").write({"event": "click", "page": "predict", "variant": "A"})
    time.sleep(4)
    assert count(dash_duo, "#operations-kpi-clicks h4") == before + 1
    dash_duo.driver.execute_script(toggle_live)
    dash_duo.wait_for_text_to_equal("#operations-kpi-clicks h4", f"{before + 2:,}", timeout=10)
    assert dash_duo.get_logs() == []
