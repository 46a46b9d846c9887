"""Pure builders of dashboard/<tab>/view.py that had no unit test: figures and the overview KPI row."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.models.explain import global_importance
from analytics.ops_figures import make_daily_counts_figure, make_performance_figure
from analytics.student_summary import StudentKpis, student_kpis
from dashboard.overview.view import kpi_row, make_score_distribution_figure

LABELS = {"title": "T", "x": "X", "y": "Y", "no_data": "nothing yet"}


def test_score_distribution_has_one_histogram_per_level_with_translated_names():
    df = pd.DataFrame({"math_score": [10, 20, 30, 90, 95], "test_prep": ["none", "none", "none", "completed",
                                                                         "completed"]})
    fig = make_score_distribution_figure(df, "math_score", "test_prep", title="T", x_title="X", y_title="Y",
                                         level_names={"completed": "受講済み"})
    assert [trace.name for trace in fig.data] == ["受講済み", "none"]          # sorted levels, names mapped
    assert [sorted(np.asarray(trace.x).tolist()) for trace in fig.data] == [[90, 95], [10, 20, 30]]
    assert fig.layout.barmode == "overlay" and tuple(fig.layout.xaxis.range) == (0, 100)


def test_daily_counts_one_bar_per_day_and_a_note_when_empty():
    daily = pd.DataFrame({"date": [date(2026, 10, 1), date(2026, 10, 2)], "events": [3, 5]})
    fig = make_daily_counts_figure(daily, LABELS)
    assert len(fig.data) == 1 and np.asarray(fig.data[0].y).tolist() == [3, 5]
    assert fig.layout.title.text == "T" and fig.layout.xaxis.title.text == "X"
    empty = make_daily_counts_figure(daily.iloc[:0], LABELS)
    assert empty.data == () and empty.layout.annotations[0].text == "nothing yet"


def test_performance_one_line_per_model_version():
    perf = pd.DataFrame({"model_version": ["v1", "v1", "v2", None], "period_start": pd.to_datetime(
        ["2026-10-05", "2026-10-12", "2026-10-12", "2026-10-12"]), "rmse": [5.0, 6.0, 4.0, 7.0], "n": [10, 11, 12, 1]})
    fig = make_performance_figure(perf, LABELS)
    assert [trace.name for trace in fig.data] == ["?", "v1", "v2"]           # unknown version shown as '?'
    assert np.asarray(fig.data[1].y).tolist() == [5.0, 6.0]
    assert make_performance_figure(perf.iloc[:0], LABELS).layout.annotations[0].text == "nothing yet"


def _card_values(row) -> list[str]:
    return [col.children.children.children[1].children for col in row.children]


def test_kpi_row_counts_means_and_share_below_the_pass_mark():
    students = pd.DataFrame({"math_score": [40, 60, 80, 45], "reading_score": [50, 70, 90, 60],
                             "writing_score": [55, 65, 75, 85]})
    row = kpi_row("predict", students, 50, "en")
    assert _card_values(row) == ["4", "56.2", "67.5", "70.0", "50.0 %"]
    assert _card_values(kpi_row("predict", students.iloc[:0], 50, "en")) == ["0", "–", "–", "–", "–"]


def test_student_kpis_against_pandas_by_hand():
    students = pd.DataFrame({"math_score": [40, 60, 80, 45], "reading_score": [50, 70, 90, 60],
                             "writing_score": [55, 65, 75, 85]})
    kpis = student_kpis(students, 50)
    assert (kpis.n, kpis.below_pass_share) == (4, 0.5)
    assert kpis.means == {"math_score": 56.25, "reading_score": 67.5, "writing_score": 70.0}
    assert student_kpis(students.iloc[:0], 50) == StudentKpis(0, dict.fromkeys(kpis.means), None)


def test_global_importance_is_mean_absolute_shap_per_feature():
    shap_values = pd.DataFrame({"a": [1.0, -3.0], "b": [0.5, 0.5]})
    got = global_importance(shap_values).set_index("feature")["mean_abs_shap"].to_dict()
    assert got == {"a": 2.0, "b": 0.5}
