"""Headless Chromium: pick a student -> the stored list with reasons; N changes the list length; a click on a
recommendation is in the live event path (with the 'recommendation' events that showed the lists)."""
from __future__ import annotations

import json
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys

from tests.helpers import free_port, live_query

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
STUDENT = "S0000042"


_query = live_query


def _wait_rows(sql: str, params, count: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        rows = _query(sql, params, live=True)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def _wait_items(dash_duo, count: int, timeout: float = 20.0) -> list[str]:
    """Material ids of the shown list once it has `count` entries."""
    deadline = time.monotonic() + timeout
    while True:
        ids = _texts(dash_duo, ".recommend-item .recommend-item-id")
        if len(ids) == count or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)


def _texts(dash_duo, selector: str) -> list[str]:
    """Texts of the matching elements, retrying while Dash re-renders the list under us."""
    for _ in range(50):
        try:
            return [e.text for e in dash_duo.find_elements(selector)]
        except StaleElementReferenceException:
            time.sleep(0.1)
    return []


def test_pick_student_change_n_and_click(dash_duo, app):
    stored = [m for m, in _query("SELECT material_id FROM ml.recommendations WHERE student_id = ? ORDER BY rank",
                                 [STUDENT])]
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/recommend")
    search = dash_duo.wait_for_element("#recommend-search", timeout=20)
    search.send_keys(STUDENT, Keys.ENTER)

    assert _wait_items(dash_duo, 10) == stored                  # the batch's list for this student
    dash_duo.wait_for_contains_text("#recommend-profile", STUDENT, timeout=10)
    reasons = _texts(dash_duo, ".recommend-item")
    assert all("Students with a similar history" in text for text in reasons)
    assert "student=S0000042" in dash_duo.driver.current_url

    n_input = dash_duo.find_element("#recommend-n input")
    n_input.send_keys(Keys.CONTROL, "a")
    n_input.send_keys("5", Keys.TAB)             # the slider commits its typed value on blur
    assert _wait_items(dash_duo, 5) == stored[:5]

    dash_duo.find_elements(".recommend-item")[1].click()
    dash_duo.wait_for_contains_text("#recommend-click-status", stored[1], timeout=10)
    session = dash_duo.driver.get_cookie("eduloop_sid")["value"]
    clicks = _wait_rows("""SELECT student_id, CAST(payload AS VARCHAR) FROM live_events
                           WHERE event = 'click' AND page = 'recommend' AND session_id = ?""", [session], 1)
    assert [(s, json.loads(p)) for s, p in clicks] == [(STUDENT, {"material_id": stored[1], "rank": 2})]
    shown = _query("""SELECT CAST(payload AS VARCHAR) FROM live_events WHERE event = 'recommendation'
                      AND page = 'recommend' AND session_id = ? AND student_id = ? ORDER BY ts""",
                   [session, STUDENT], live=True)
    payloads = [json.loads(p) for p, in shown]
    assert [p["items"] for p in payloads][-2:] == [stored, stored[:5]]
    assert {(p["k"], p["method"]) for p in payloads} == {(50, "user_knn")}

    # The evaluation: one table row and one chart line per method.
    table = dash_duo.find_element("#recommend-eval").text
    assert all(name in table for name in ("Popularity (baseline)", "User-based kNN", "Item-based kNN",
                                          "Content (", "Hybrid ("))
    assert len(dash_duo.find_elements("#recommend-eval tbody tr td.column-0")) == 5
    traces = dash_duo.driver.execute_script(
        "const g = document.querySelector('#recommend-eval-chart .js-plotly-plot');"
        "return g && g._fullData ? g._fullData.length : -1;")
    assert traces == 5
    assert dash_duo.get_logs() == []
