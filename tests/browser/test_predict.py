"""Headless Chromium: predict a student, see the waterfall and risk level, click the advice; the click is live."""
from __future__ import annotations

import time

import pytest

from analytics.experiments import ADVICE_SPEC, assign_variant
from tests.helpers import free_port, live_query
from tests.helpers.browser import wait_for_plotted

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
STUDENT = "S0000042"


_query = live_query


def _click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window, then click it like a user."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)   # let smooth scrolling and late layout (graphs) settle
    element.click()


def _open(dash_duo, path: str = "/") -> None:
    """Load a page and wait until its graphs have rendered (so nothing moves under a click)."""
    dash_duo.driver.get(dash_duo.server_url + path)
    wait_for_plotted(dash_duo, "predict-importance")
    dash_duo.wait_for_element("#predict-dist .js-plotly-plot", timeout=30)


def _waterfall_bars(dash_duo, timeout: float = 10.0) -> int:
    script = ("const g = document.querySelector('#predict-waterfall .js-plotly-plot');"
              "const t = g && g._fullData && g._fullData[0];"
              "return t && t.type === 'bar' ? t.y.length : -1;")
    deadline = time.monotonic() + timeout
    while (bars := dash_duo.driver.execute_script(script)) < 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return bars


def _wait_rows(sql: str, params, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        rows = _query(sql, params, live=True)
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_predict_explain_and_click_advice(dash_duo, app):
    (predicted, level, version), = _query(
        "SELECT predicted_math, risk_level, model_version FROM ml.risk_scores WHERE student_id = ?", [STUDENT])
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo)
    student = dash_duo.find_element("#predict-student")
    student.send_keys(STUDENT)
    _click(dash_duo, "#predict-go")

    # UI == batch scoring: the same student, the same score and risk level.
    dash_duo.wait_for_text_to_equal("#predict-score h4", f"{predicted:.1f}", timeout=20)
    dash_duo.wait_for_text_to_equal("#predict-risk h4", level.capitalize(), timeout=10)
    # The waterfall shows the base value, one bar per feature and the total.
    assert _waterfall_bars(dash_duo) == 7 + 2
    assert version in dash_duo.find_element("#predict-score").text
    dash_duo.wait_for_element("#predict-advice-text", timeout=10)
    assert dash_duo.find_element("#predict-advice-text").text.strip() != ""

    _click(dash_duo, "#predict-advice-follow")
    dash_duo.wait_for_text_to_equal("#predict-advice-status", "Recorded: this advice will be followed.", timeout=10)

    session = dash_duo.driver.get_cookie("eduloop_sid")["value"]
    variant = assign_variant(session, ADVICE_SPEC["key"], ADVICE_SPEC["variants"], ADVICE_SPEC["allocation"])
    clicks = _wait_rows("""
        SELECT variant, model_version, predicted, json_extract_string(payload, '$.action')
        FROM live_events WHERE event = 'click' AND page = 'predict' AND session_id = ? AND student_id = ?""",
                        [session, STUDENT])
    assert clicks == [(variant, version, pytest.approx(predicted), "follow")]
    impressions = _query("SELECT variant, model_version FROM live_events WHERE event = 'impression' "
                         "AND session_id = ? AND student_id = ?", [session, STUDENT], live=True)
    assert impressions == [(variant, version)]           # one impression per prediction
    inputs = _query("SELECT json_extract_string(payload, '$.inputs.gender') FROM live_events "
                    "WHERE event = 'prediction' AND session_id = ?", [session], live=True)
    assert len(inputs) == 1 and inputs[0][0] in ("female", "male")
    assert dash_duo.get_logs() == []


def test_form_input_errors_are_named_and_model_views_render(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo, "/predict?lang=ja")
    dash_duo.wait_for_element("#predict-interventions table", timeout=20)
    reading = dash_duo.find_element("#predict-in-reading_score")
    dash_duo.clear_input(reading)
    _click(dash_duo, "#predict-go")
    dash_duo.wait_for_text_to_equal("#predict-error", "「読解の得点」を確認してください: 入力が必要です", timeout=20)
    reading.send_keys("88")
    _click(dash_duo, "#predict-go")
    assert _waterfall_bars(dash_duo, timeout=20) == 9
    assert dash_duo.find_element("#predict-risk h4").text in ("低", "中", "高")
    assert dash_duo.get_logs() == []
