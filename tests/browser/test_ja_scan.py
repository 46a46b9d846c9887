"""Complete Japanese: every page rendered with ?lang=ja holds no English word outside a short allowlist
(acronyms, units, product names, ids), including figure texts, placeholders, dropdown texts and tooltips;
graphs use Plotly's "ja" locale (served from assets/), and Dash's dropdown texts are Japanese."""
from __future__ import annotations

import re
import time

import pytest

from tests.helpers import ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = {   # path -> an element that exists once the page's callbacks have filled it
    "/predict": "#predict-kpi-students h4",
    "/ebpm": "#ebpm-page",
    "/recommend": "#recommend-kpi-students h4",
    "/operations": "#operations-page",
}
# Acronyms, units, product and method names an official reads as such in Japanese text too.
ALLOWED = {
    "EduLoop", "CSV", "Excel", "EBPM", "ID", "API", "URL", "QR", "SHAP", "AUC", "ROC", "RMSE", "MAE", "PSI",
    "CTR", "NDCG", "MAP", "MRR", "HR", "kNN", "ATE", "ATT", "IPW", "AIPW", "OLS", "CI", "SE", "JSD", "ADWIN",
    "DDM", "mSPRT", "xAPI", "LMS", "JSON", "POST", "GET", "Plotly", "ms", "pt", "vs", "SMD", "LightGBM",
    "CUPED", "DML", "AB", "p", "n", "K", "N", "k", "x", "y", "z", "A", "B", "C", "D", "E", "S", "M",
    "python", "pipelines", "English", "PNG", "UTC", "MB", "PSM", "SD", "SUTVA", "PR", "R", "KS", "SRM", "P",
    "Holm", "Wilson",
}   # "English" is the language switch's own name for English
# Every text a person can read: the DOM's visible text, the SVG text of figures, placeholders and titles.
COLLECT_TEXT = """
const texts = [document.body.innerText];
document.querySelectorAll('svg text').forEach(e => texts.push(e.textContent));
document.querySelectorAll('[placeholder]').forEach(e => texts.push(e.getAttribute('placeholder')));
document.querySelectorAll('[title]').forEach(e => texts.push(e.getAttribute('title')));
document.querySelectorAll('[aria-label]').forEach(e => texts.push(e.getAttribute('aria-label')));
return texts.join('\\n');
"""
WORD = re.compile(r"(?<![A-Za-z0-9_\-./])[A-Za-z]+(?![A-Za-z0-9_]|[-./][A-Za-z0-9])")


def english_words(text: str) -> set[str]:
    """Latin-letter words that are not allowlisted and not part of an id, path, command or number."""
    return {w for w in WORD.findall(text) if w not in ALLOWED and w.upper() not in ALLOWED}


def test_english_word_finder():
    assert english_words("生徒 S0000042 の AUC は 0.81、Search 4 selected.") == {"Search", "selected"}
    assert english_words("python -m pipelines ingest-students FILE.csv, v2026-11 M0012") == set()


def _settle(dash_duo, selector: str) -> None:
    dash_duo.wait_for_element(selector, timeout=30)
    deadline = time.monotonic() + 20   # until Dash has no callback in flight
    while time.monotonic() < deadline and dash_duo.driver.execute_script(
            "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"):
        time.sleep(0.2)
    time.sleep(1.0)


def _screenshot(dash_duo, name: str) -> None:
    """The whole page in Japanese, for docs/<tab>.png (README links them)."""
    height = dash_duo.driver.execute_script("return document.documentElement.scrollHeight")
    dash_duo.driver.set_window_size(1280, min(max(int(height), 900), 2400))
    time.sleep(0.5)   # let Plotly re-lay out the graphs for the new size
    dash_duo.driver.save_screenshot(str(ROOT / "docs" / f"{name}.png"))


def _graph_locales(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g._context && g._context.locale);")


SCANNED = list(PAGES)


@pytest.mark.parametrize("path", SCANNED)
def test_page_in_japanese_has_no_english_words(dash_duo, app, path):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}{path}?lang=ja", timeout=30)
    _settle(dash_duo, PAGES[path])
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "ja"
    locales = _graph_locales(dash_duo)
    assert locales and set(locales) == {"ja"}
    found = english_words(dash_duo.driver.execute_script(COLLECT_TEXT))
    _screenshot(dash_duo, path.strip("/"))
    assert sorted(found) == [], f"English words on {path} in ja: {sorted(found)}"


def test_dropdown_texts_and_plotly_dates_in_japanese(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/predict?lang=ja", timeout=30)
    _settle(dash_duo, PAGES["/predict"])
    dash_duo.find_element("#predict-f-gender").click()   # an open dropdown shows its search box
    search = dash_duo.wait_for_element("input.dash-dropdown-search", timeout=10)
    assert search.get_attribute("placeholder") == "検索"
    ticks = dash_duo.driver.execute_script(   # a date axis drawn with the page's default config
        "const d = document.createElement('div'); document.body.appendChild(d);"
        "return Plotly.newPlot(d, [{x: ['2026-10-08', '2026-12-08'], y: [1, 2]}]).then(g => "
        "Array.from(g.querySelectorAll('.xtick text')).map(e => e.textContent).join(' '));")
    assert "月" in ticks and not re.search(r"Oct|Nov|Dec", ticks), ticks
    buttons = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title'));")
    assert buttons and "PNGファイルでダウンロード" in buttons and not any("Share" in (b or "") for b in buttons)
