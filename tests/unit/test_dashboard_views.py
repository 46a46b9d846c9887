"""Pure builders of dashboard/<tab>/view.py that had no unit test: figures and the overview KPI row."""
from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics.models.explain import global_importance
from analytics.ops_figures import make_daily_counts_figure, make_performance_figure
from analytics.student_summary import StudentKpis
from dashboard.overview.view import kpi_row, make_score_distribution_figure
from warehouse.queries import FILTER_COLUMNS, get_score_bins_df, get_score_kpis

LABELS = {"title": "T", "x": "X", "y": "Y", "no_data": "nothing yet"}


def test_score_distribution_has_one_histogram_per_level_with_translated_names():
    bins = pd.DataFrame({"level": ["none", "none", "completed", "completed"], "bin": [10, 20, 90, 95],
                         "students": [1, 2, 3, 4]})
    fig = make_score_distribution_figure(bins, 5, title="T", x_title="X", y_title="Y",
                                         level_names={"completed": "受講済み"})
    assert [trace.name for trace in fig.data] == ["受講済み", "none"]          # sorted levels, names mapped
    # one bar per bin, centred on it and as wide as it, as tall as its students
    assert [np.asarray(trace.x).tolist() for trace in fig.data] == [[92.5, 97.5], [12.5, 22.5]]
    assert [np.asarray(trace.y).tolist() for trace in fig.data] == [[3, 4], [1, 2]]
    assert {trace.width for trace in fig.data} == {5}
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


def _overview_db(students: pd.DataFrame):
    """An in-memory DuckDB with mart.students_overview holding `students` (missing filter columns: 'x')."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA mart")
    full = students.assign(**{c: "x" for c in FILTER_COLUMNS if c not in students})
    con.register("students_frame", full)
    con.execute("CREATE TABLE mart.students_overview AS SELECT * FROM students_frame")
    return con


def test_kpi_row_counts_means_and_share_below_the_pass_mark():
    kpis = StudentKpis(4, {"math_score": 56.25, "reading_score": 67.5, "writing_score": 70.0}, 0.5)
    assert _card_values(kpi_row("predict", kpis, 50, "en")) == ["4", "56.2", "67.5", "70.0", "50.0 %"]
    empty = StudentKpis(0, dict.fromkeys(kpis.means), None)
    assert _card_values(kpi_row("predict", empty, 50, "en")) == ["0", "–", "–", "–", "–"]


def test_score_kpis_and_bins_against_pandas_by_hand():
    students = pd.DataFrame({"math_score": [40, 60, 80, 45], "reading_score": [50, 70, 90, 60],
                             "writing_score": [55, 65, 75, 100], "gender": ["female", "male", "male", "female"]})
    con = _overview_db(students)
    kpis = StudentKpis(**get_score_kpis(con, {}, 50))
    assert (kpis.n, kpis.below_pass_share) == (4, 0.5)
    assert kpis.means == {"math_score": 56.25, "reading_score": 67.5, "writing_score": 73.75}
    assert StudentKpis(**get_score_kpis(con, {"gender": "other"}, 50)) == StudentKpis(0, dict.fromkeys(kpis.means),
                                                                                       None)
    bins = get_score_bins_df(con, {"gender": "male"}, "gender", "writing_score", 5)
    assert bins.to_dict("records") == [{"level": "male", "bin": 65, "students": 1},
                                       {"level": "male", "bin": 75, "students": 1}]
    # 100 has a bin of its own, [100, 105), as the old histogram's last bin [100, 101] held it
    assert get_score_bins_df(con, {}, "gender", "writing_score", 5)["bin"].tolist() == [55, 100, 65, 75]


def test_global_importance_is_mean_absolute_shap_per_feature():
    shap_values = pd.DataFrame({"a": [1.0, -3.0], "b": [0.5, 0.5]})
    got = global_importance(shap_values).set_index("feature")["mean_abs_shap"].to_dict()
    assert got == {"a": 2.0, "b": 0.5}
