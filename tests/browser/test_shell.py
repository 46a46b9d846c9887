"""Headless Chromium: the shell loads, tabs and languages switch, a filter changes a figure."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def plotted_count(dash_duo, graph_id: str) -> int:
    """Students counted in a distribution graph: the bar heights over all traces (plotly 7 encodes arrays;
    read _fullData)."""
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g._fullData ? g._fullData.reduce((n, t) => n + Array.from(t.y || []).reduce((a, b) => a + b, 0),"
        " 0) : -1;")


def test_shell_tabs_language_and_filters(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_text_to_equal("#nav-predict", "Predict", timeout=20)
    dash_duo.wait_for_element("#predict-dist .js-plotly-plot", timeout=20)
    dash_duo.wait_for_text_to_equal("#predict-kpi-students h4", "1,000", timeout=20)
    before = plotted_count(dash_duo, "predict-dist")
    assert before == 1000

    # Filter: female only -> fewer students plotted, and the URL keeps the filter.
    dash_duo.select_dcc_dropdown("#predict-f-gender", index=0)
    dash_duo.wait_for_text_to_equal("#predict-kpi-students h4", "{:,}".format(
        _count("SELECT count(*) FROM core.students WHERE gender = 'female'")), timeout=20)
    assert 0 < plotted_count(dash_duo, "predict-dist") < before
    assert "gender=female" in dash_duo.driver.current_url

    # Tab switch keeps the language; language switch translates the navbar.
    dash_duo.find_element("#nav-ebpm").click()
    dash_duo.wait_for_element("#ebpm-page", timeout=20)
    dash_duo.find_element("#lang-ja").click()
    dash_duo.wait_for_text_to_equal("#nav-predict", "予測", timeout=20)
    assert "lang=ja" in dash_duo.driver.current_url
    dash_duo.wait_for_element("#ebpm-dist .js-plotly-plot", timeout=20)
    assert dash_duo.get_logs() == []


def test_shared_link_restores_language_and_filters(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/recommend?lang=ja&lunch=standard")
    dash_duo.wait_for_text_to_equal("#nav-recommend", "教材推薦", timeout=20)
    expected = _count("SELECT count(*) FROM core.students WHERE lunch = 'standard'")
    dash_duo.wait_for_text_to_equal("#recommend-kpi-students h4", f"{expected:,}", timeout=20)
    Path(ROOT / "docs").mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(ROOT / "docs" / "screenshot.png"))
    assert dash_duo.get_logs() == []


def _count(sql: str) -> int:
    import os

    from tests.helpers.files import scalar

    return scalar(Path(os.environ["EDULOOP_DB"]), sql)


# Records the outputs named by every callback request the page sends (Dash posts them as JSON through fetch).
RECORD_CALLBACKS = """
window.__callbackOutputs = [];
const originalFetch = window.fetch;
window.fetch = function (url, options) {
    if (String(url).includes('_dash-update-component') && options && options.body) {
        try { window.__callbackOutputs.push(JSON.parse(options.body).output); } catch (e) { /* not ours */ }
    }
    return originalFetch.apply(this, arguments);
};
"""


@pytest.mark.parametrize("tab, graph, later", [("predict", "predict-dist", "predict-roc"),
                                               ("ebpm", "ebpm-estimates-figure", "ebpm-dist"),
                                               ("operations", "operations-exp-looks", "operations-usage-views")])
def test_first_figure_needs_no_callback_and_plotly_is_the_cartesian_bundle(dash_duo, app, tab, graph, later):
    """The page and its first figure come in the served layout: the figure is plotted although no callback asked
    for the page (Dash's routing) or for that figure; plotly.js is the small bundle the page loads itself. The
    figures further down still arrive (by callback, after the first)."""
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_CALLBACKS})
    dash_duo.driver.get(f"{dash_duo.server_url}/{tab}?lang=en")
    dash_duo.wait_for_element(f"#{graph} .js-plotly-plot .main-svg", timeout=30)
    outputs = dash_duo.driver.execute_script("return window.__callbackOutputs;")
    assert not [o for o in outputs if "_pages_content" in o or "navbar.children" in o or f"{graph}.figure" in o]
    assert dash_duo.driver.execute_script(f"return document.querySelector('#{graph} .js-plotly-plot')"
                                          "._fullData.length;") > 0
    scripts = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('plotly'));")
    assert any("plotly-cartesian.min.js" in s for s in scripts)
    assert not any("plotly.min.js" in s and "cartesian" not in s for s in scripts)   # the 4.8 MB bundle: never
    assert dash_duo.find_element("#nav-" + tab).get_attribute("class").split().count("active") == 1
    dash_duo.wait_for_element(f"#{later} .js-plotly-plot .main-svg", timeout=30)
    assert any(f"{later}.figure" in o for o in dash_duo.driver.execute_script("return window.__callbackOutputs;"))
    assert dash_duo.get_logs() == []
