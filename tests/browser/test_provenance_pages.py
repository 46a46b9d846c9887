"""Issue 10 in the browser: on a real warehouse (students only) Recommend shows the "no learning activity"
empty state instead of lists and evaluation, and the students overview shows real data without a demo
badge; on the demo warehouse both say "demo data"."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_recommend_on_a_real_warehouse_shows_the_interactions_empty_state(dash_duo, real_app):
    dash_duo.start_server(real_app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/recommend?lang=ja", timeout=20)
    empty = dash_duo.wait_for_element("#recommend-empty", timeout=20)
    assert "学習履歴はまだありません" in empty.text and "ingest-interactions" in empty.text
    assert dash_duo.find_elements("#recommend-student") == []       # no picker, no lists
    assert dash_duo.find_elements("#recommend-eval") == []          # no evaluation of invented rows
    assert dash_duo.find_elements("#recommend-demo-badge") == []
    dash_duo.wait_for_element("#recommend-kpi-students", timeout=20)   # the real students are shown
    assert dash_duo.find_elements("#recommend-overview-demo") == []
    assert dash_duo.get_logs() == []


def test_demo_warehouse_says_demo_data(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/recommend?lang=ja", timeout=20)
    dash_duo.wait_for_text_to_equal("#recommend-demo-badge", "デモデータ（生成）", timeout=20)
    dash_duo.wait_for_text_to_equal("#recommend-overview-demo", "デモデータ（生成）", timeout=20)
    assert dash_duo.find_elements("#recommend-empty") == []
    assert dash_duo.get_logs() == []
