"""Headless Chromium: each tab paints the first figure of its served layout before Dash's initial callbacks go out
(dashboard/assets/eduloop-first-paint.js), and those callbacks still fill every panel afterwards."""
from __future__ import annotations

import pytest

from tests.helpers import free_port
from tests.helpers.browser import wait_for_plotted

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Before any page script: the time of the first frame showing a plotted figure with data.
WATCH = """
window.__firstFigure = null;
(function tick() {
  const drawn = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .some(g => g._fullData && g._fullData.length && g.querySelector('.main-svg'));
  if (drawn) { window.__firstFigure = performance.now(); return; }
  requestAnimationFrame(tick);
})();
"""
CALLBACK_STARTS = ("return performance.getEntriesByType('resource')"
                   ".filter(e => e.name.includes('_dash-update-component')).map(e => e.startTime);")
# Per tab: a graph only an initial callback fills (its figure is not in the served layout).
FILLED_LATER = {"predict": "predict-fit", "ebpm": "ebpm-forest", "operations": "operations-usage-views"}


@pytest.mark.parametrize("tab", sorted(FILLED_LATER))
def test_the_first_figure_paints_before_the_initial_callbacks_and_the_panels_still_fill(dash_duo, app, tab):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    dash_duo.driver.get(f"{dash_duo.server_url}/{tab}?lang=ja")
    wait_for_plotted(dash_duo, FILLED_LATER[tab])
    first_figure = dash_duo.driver.execute_script("return window.__firstFigure;")
    starts = dash_duo.driver.execute_script(CALLBACK_STARTS)
    assert first_figure is not None and starts                          # a figure was painted; callbacks ran
    assert min(starts) >= first_figure, (first_figure, sorted(starts))  # none went out before it
    assert dash_duo.get_logs() == []
