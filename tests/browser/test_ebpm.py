"""Headless Chromium: the EBPM tab estimates on the warehouse students and reacts to the covariates."""
from __future__ import annotations

import pytest
from dash.testing.wait import until

from tests.helpers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def app(built_warehouse):
    from dashboard.app import app as dash_app

    return dash_app


def love_categories(dash_duo) -> list[str]:
    """Covariate names on the love plot's y axis (plotly 7 encodes arrays; read _fullData)."""
    return dash_duo.driver.execute_script(
        "const g = document.querySelector('#ebpm-love .js-plotly-plot');"
        "if (!g || !g._fullData || !g._fullData.length) { return []; }"
        "return Array.from(new Set(g._fullData.flatMap(t => Array.from(t.y || []))));")


def estimate_cells(dash_duo) -> list[str]:
    """The text of the estimates table's cells, row by row."""
    return [cell.text for cell in dash_duo.find_elements("#ebpm-estimates td")]


def test_changing_covariates_updates_estimates_and_love_plot(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/ebpm")
    dash_duo.wait_for_element("#ebpm-estimates td", timeout=30)
    dash_duo.wait_for_element("#ebpm-love .js-plotly-plot", timeout=30)
    before_cells, before_love = estimate_cells(dash_duo), love_categories(dash_duo)
    assert "Difference in means" in before_cells
    assert any(name.startswith("Lunch=") for name in before_love)
    assert not any(name.startswith("Reading") for name in before_love)
    dash_duo.wait_for_element("#ebpm-assumption-overlap", timeout=30)
    dash_duo.wait_for_element("#ebpm-forest .js-plotly-plot", timeout=30)

    # Adding a score from the same exam as a covariate: new love-plot row, new estimates, a warning.
    dash_duo.select_dcc_dropdown("#ebpm-covariates", value="Reading")
    dash_duo.wait_for_contains_text("#ebpm-warnings", "measured after the treatment", timeout=30)
    until(lambda: "Reading" in love_categories(dash_duo), timeout=30)
    after_cells = estimate_cells(dash_duo)
    assert len(after_cells) == len(before_cells) and after_cells != before_cells
    assert after_cells[:2] == before_cells[:2]   # the naive difference ignores covariates
    assert dash_duo.get_logs() == []


@pytest.mark.slow
def test_uploaded_csv_is_analysed_in_memory(dash_duo, app, tmp_path, built_warehouse):
    from tests.helpers.files import sha256, write_upload

    before = sha256(built_warehouse)
    csv = write_upload(tmp_path / "trial.csv", n=800)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/ebpm?lang=ja")
    dash_duo.wait_for_element("#ebpm-estimates td", timeout=30)
    dash_duo.find_element("#ebpm-upload input[type=file]").send_keys(str(csv))
    dash_duo.wait_for_contains_text("#ebpm-upload-status", "800 行", timeout=30)
    dash_duo.wait_for_text_to_equal("#ebpm-kpi-n h4", "800", timeout=30)
    # The upload's columns fill the dropdowns: treat is the only 0/1 column, y the last number.
    assert dash_duo.find_element("#ebpm-treatment").text.startswith("treat")
    assert dash_duo.find_element("#ebpm-outcome").text.startswith("y")
    until(lambda: set(love_categories(dash_duo)) == {"motivation", "baseline"}, timeout=30)
    assert dash_duo.find_element("#ebpm-filters").get_attribute("hidden") is not None
    assert sha256(built_warehouse) == before   # nothing was written to the warehouse
    assert dash_duo.get_logs() == []
