"""Headless Chromium, ja and en: what-if with a loaded student, the cutoff slider, a copied link in a new
browser, and a variant that stays the same for the session."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from selenium import webdriver
from selenium.webdriver.common.keys import Keys

from analytics.experiments import ADVICE_SPEC, assign_variant
from dashboard.common.i18n import t
from tests.conftest import pytest_setup_options
from tests.helpers import free_port, live_query
from tests.helpers.browser import wait_for_plotted

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
STUDENT = "S0000042"
LANGS = ["en", "ja"]


def _open(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    wait_for_plotted(dash_duo, "predict-importance")


def _click(dash_duo, selector: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)
    element.click()


def _type(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.find_element(selector)
    dash_duo.clear_input(element)
    element.send_keys(text)


def _text(dash_duo, selector: str) -> str:
    """An element's text read in one script call (a re-render between find and read cannot go stale)."""
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';", selector)


def _wait(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (value := fn()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def _batch_score(student: str) -> float:
    (score,), = live_query("SELECT predicted_math FROM ml.risk_scores WHERE student_id = ?", [student])
    return score


@pytest.mark.parametrize("lang", LANGS)
def test_whatif_loads_a_student_and_shows_before_and_after(dash_duo, app, lang):
    (reading,), = live_query("SELECT reading_score FROM core.students WHERE student_id = ?", [STUDENT])
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo, f"/predict?lang={lang}")
    _type(dash_duo, "#predict-student", STUDENT)
    _click(dash_duo, "#predict-load")
    before = _batch_score(STUDENT)
    dash_duo.wait_for_text_to_equal("#predict-score h4", f"{before:.1f}", timeout=20)
    # the student's own data is now in the form
    assert dash_duo.find_element("#predict-in-reading_score").get_attribute("value") == str(reading)
    assert STUDENT in _text(dash_duo, "#predict-loaded")

    # out of range: a range message, not "required"
    _type(dash_duo, "#predict-in-reading_score", "150")
    _click(dash_duo, "#predict-go")
    expected = t("predict.invalid", lang, field=t("predict.feature.reading_score", lang),
                 problem=t("predict.problem.out_of_range", lang))
    dash_duo.wait_for_text_to_equal("#predict-error", expected, timeout=20)

    # an edit is kept while the id stays in the box, and compared with the student's own prediction
    edited = 100 if reading < 100 else 0
    _type(dash_duo, "#predict-in-reading_score", str(edited))
    _click(dash_duo, "#predict-go")
    dash_duo.wait_for_element("#predict-compare-cards", timeout=20)
    cards = dash_duo.find_elements("#predict-compare-cards h4")
    after = float(_text(dash_duo, "#predict-score h4"))
    assert [c.text for c in cards] == [f"{before:.1f}", f"{after:.1f}"]
    assert after != pytest.approx(before, abs=0.05)
    assert _text(dash_duo, "#predict-error") == ""
    query = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert query["student"] == [STUDENT] and query["in_reading_score"] == [str(edited)]
    # the language switch keeps the view
    other = "ja" if lang == "en" else "en"
    switch = parse_qs(urlparse(dash_duo.find_element(f"#lang-{other}").get_attribute("href")).query)
    assert switch["student"] == [STUDENT] and switch["in_reading_score"] == [str(edited)] and switch["lang"] == [other]
    assert dash_duo.get_logs() == []


def _confusion(dash_duo):
    return dash_duo.driver.execute_script(
        "const g = document.querySelector('#predict-cutoff-confusion .js-plotly-plot');"
        "const t = g && g._fullData && g._fullData[0]; return t ? JSON.stringify(t.z) : null;")


@pytest.mark.parametrize("lang", LANGS)
def test_cutoff_slider_changes_the_confusion_matrix(dash_duo, app, lang):
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo, f"/predict?lang={lang}")
    first = _wait(lambda: _confusion(dash_duo))
    flagged = _wait(lambda: _text(dash_duo, "#predict-cutoff-flagged_per_100 h4"))
    handle = dash_duo.find_element("#predict-cutoff [role=slider]")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", handle)
    time.sleep(0.3)
    handle.send_keys(*[Keys.ARROW_RIGHT] * 15)   # the keyboard moves a slider like a drag does
    changed = _wait(lambda: (z := _confusion(dash_duo)) != first and z)
    assert changed and changed != first
    # a higher cutoff flags fewer students
    _wait(lambda: _text(dash_duo, "#predict-cutoff-flagged_per_100 h4") != flagged)
    assert float(_text(dash_duo, "#predict-cutoff-flagged_per_100 h4")) < float(flagged)
    assert t("predict.cutoff.production", lang, threshold="")[:3] in _text(dash_duo, "#predict-cutoff")
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("lang", LANGS)
def test_copied_link_opens_the_same_prediction_in_a_new_browser(dash_duo, app, lang):
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo, f"/predict?lang={lang}")
    _type(dash_duo, "#predict-in-writing_score", "41")
    _click(dash_duo, "#predict-go")
    score = _wait(lambda: (text := _text(dash_duo, "#predict-score h4")) != "–" and text)
    _click(dash_duo, "#predict-advice-share")
    dash_duo.wait_for_element("#predict-share-qr", timeout=20)
    link = dash_duo.find_element("#predict-share-url").get_attribute("value")
    assert dash_duo.find_element("#predict-share-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert parse_qs(urlparse(link).query)["in_writing_score"] == ["41"]

    other = webdriver.Chrome(options=pytest_setup_options())   # a new browser: no cookies, no state
    try:
        other.get(link)
        deadline = time.monotonic() + 30
        shown = ""
        while time.monotonic() < deadline and shown != score:
            time.sleep(0.3)
            shown = other.execute_script("const e = document.querySelector('#predict-score h4');"
                                         "return e ? e.textContent : '';")
        assert shown == score
        assert other.find_element("css selector", "#predict-in-writing_score").get_attribute("value") == "41"
    finally:
        other.quit()
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("lang", LANGS)
def test_advice_variant_is_stable_for_a_session(dash_duo, app, lang):
    dash_duo.start_server(app, port=free_port())
    _open(dash_duo, f"/predict?lang={lang}")
    for writing in ("35", "80", "55"):
        _type(dash_duo, "#predict-in-writing_score", writing)
        _click(dash_duo, "#predict-go")
        dash_duo.wait_for_element("#predict-advice-text", timeout=20)
        time.sleep(0.5)
    session = dash_duo.driver.get_cookie("eduloop_sid")["value"]
    expected = assign_variant(session, ADVICE_SPEC["key"], ADVICE_SPEC["variants"], ADVICE_SPEC["allocation"])
    rows = _wait(lambda: (r := live_query(
        "SELECT variant, json_extract_string(payload, '$.experiment') FROM live_events "
        "WHERE event = 'impression' AND session_id = ?", [session], live=True)) and len(r) >= 3 and r)
    assert rows == [(expected, "advice-v1")] * 3
    _click(dash_duo, "#predict-advice-another")
    clicks = _wait(lambda: live_query(
        "SELECT variant, json_extract_string(payload, '$.action'), json_extract_string(payload, '$.experiment') "
        "FROM live_events WHERE event = 'click' AND session_id = ?", [session], live=True))
    assert clicks == [(expected, "another", "advice-v1")]   # a secondary action, under its own name
    assert dash_duo.get_logs() == []
