"""Headless Chromium, ja and en: model management on the Predict tab (admin only, with a confirmation), the demo
badge, the empty state of a warehouse without students, and a real warehouse (no badge, CSV line shown)."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from selenium.common.exceptions import ElementClickInterceptedException

from dashboard.common.i18n import t
from tests.helpers import PYTHON, ROOT, free_port, run_env
from tests.helpers.browser import wait_for_plotted
from warehouse.publish import write_transaction

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
LANGS = ["en", "ja"]
HEADER = ("student_id,gender,race/ethnicity,parental level of education,lunch,test preparation course,"
          "math score,reading score,writing score")


def _click(dash_duo, selector: str) -> None:
    """Click like a user once late layout (graphs still drawing above) has stopped moving the element."""
    for attempt in range(5):
        element = dash_duo.find_element(selector)
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        time.sleep(0.5)
        try:
            return element.click()
        except ElementClickInterceptedException:
            if attempt == 4:
                raise


def _point_app_at(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("EDULOOP_DB", str(folder / "warehouse.duckdb"))
    monkeypatch.setenv("EDULOOP_EVENTS_DIR", str(folder / "events"))
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(folder))


@pytest.fixture
def private_copy(built_warehouse, tmp_path, monkeypatch):
    """A copy of the demo warehouse the app may change (rollback must not touch the shared one)."""
    (tmp_path / "events").mkdir()
    shutil.copyfile(built_warehouse, tmp_path / "warehouse.duckdb")
    _point_app_at(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory):
    """A warehouse built from a real-style StudentsPerformance CSV (no generated students)."""
    folder = tmp_path_factory.mktemp("predict-real")
    csv = folder / "students.csv"
    lines = [HEADER]
    for i in range(300):
        reading = 30 + (i * 37) % 70
        lines.append(f"R{i:04d},{'female' if i % 2 else 'male'},group {'ABCDE'[i % 5]},high school,"
                     f"{'standard' if i % 3 else 'free/reduced'},{'none' if i % 4 else 'completed'},"
                     f"{max(0, reading - (i * 7) % 20)},{reading},{min(100, reading + 3)}")
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([PYTHON, "-m", "pipelines", "build", "--students", str(csv)], cwd=ROOT,
                          env=run_env(folder), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize("lang", LANGS)
def test_rollback_asks_first_and_answers_in_words(dash_duo, app, private_copy, lang):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + f"/predict?lang={lang}")
    dash_duo.wait_for_element("#predict-registry-wrap table", timeout=30)
    wait_for_plotted(dash_duo, "predict-cutoff-confusion")
    table = dash_duo.find_element("#predict-registry-wrap").text
    assert t("predict.status.production", lang) in table and "no_production_model" not in table
    _click(dash_duo, "#predict-admin-rollback")
    dash_duo.wait_for_text_to_equal("#predict-admin-question", t("predict.admin.ask.rollback", lang), timeout=10)
    _click(dash_duo, "#predict-admin-confirm")
    # the demo build has one production run: the pipeline refuses, the page says why in the page language
    dash_duo.wait_for_text_to_equal("#predict-admin-result", t("predict.admin.error.conflict.rollback", lang),
                                    timeout=120)
    assert dash_duo.get_logs() == []


def test_model_management_is_hidden_without_admin_login(dash_duo, app, private_copy, monkeypatch):
    monkeypatch.setenv("EDULOOP_ADMIN_PASSWORD", "s3cret-for-test")
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/predict?lang=en")
    wait_for_plotted(dash_duo, "predict-importance")
    assert dash_duo.driver.find_elements("css selector", "#predict-admin") == []
    assert dash_duo.find_element("#predict-demo").text == t("common.demo_badge", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_warehouse_without_students_shows_the_empty_state(dash_duo, app, tmp_path, monkeypatch, lang):
    (tmp_path / "events").mkdir()
    with write_transaction(tmp_path / "warehouse.duckdb"):
        pass
    _point_app_at(monkeypatch, tmp_path)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + f"/predict?lang={lang}")
    dash_duo.wait_for_element("#predict-empty", timeout=30)
    assert t("common.empty.students.title", lang) in dash_duo.find_element("#predict-empty").text
    assert dash_duo.driver.find_elements("css selector", "#predict-go, #predict-demo") == []


@pytest.mark.parametrize("lang", LANGS)
def test_real_warehouse_link_restores_the_student_without_demo_badge(dash_duo, app, real_warehouse,
                                                                     monkeypatch, lang):
    _point_app_at(monkeypatch, real_warehouse)
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + f"/predict?lang={lang}&student=R0005")
    # R0005 is on line 7 of the CSV (header on line 1); the callback fills it after the page's first figure
    dash_duo.wait_for_text_to_equal("#predict-loaded", t(
        "predict.loaded", lang, student_id="R0005",
        where=t("predict.loaded.line", lang, source="students.csv", line=7)), timeout=30)
    dash_duo.wait_for_element("#predict-waterfall .js-plotly-plot", timeout=30)
    assert dash_duo.driver.find_elements("css selector", ".demo-badge") == []
    dash_duo.wait_for_element("#predict-interventions table", timeout=30)
    assert t("predict.col.line_no", lang) in dash_duo.find_element("#predict-interventions").text
    assert dash_duo.get_logs() == []
