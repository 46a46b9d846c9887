"""Learning filters and recommendation figures."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.recsys import ContentBased
from analytics.recsys.figures import make_method_comparison_figure, make_metric_vs_k_figure
from analytics.recsys.filters import filter_items, learning_filter, level_for_score, weakest_subject
from analytics.recsys.synthetic import make_synthetic_recsys_data

ITEMS = pd.DataFrame({
    "material_id": ["M1", "M2", "M3", "M4", "M5"],
    "subject": ["math", "math", "reading", "math", "writing"],
    "difficulty": [1, 3, 3, 5, 2],
    "format": ["video", "quiz", "quiz", "article", "video"],
})


def test_weakest_subject_and_levels():
    assert weakest_subject({"math_score": 40, "reading_score": 70, "writing_score": 55}) == "math"
    assert weakest_subject({"math_score": 60, "reading_score": 60, "writing_score": 60}) == "math"
    assert [level_for_score(s) for s in (0, 19, 20, 59, 60, 80, 100)] == [1, 1, 2, 3, 4, 5, 5]
    with pytest.raises(ValueError):
        weakest_subject({"science": 3})


def test_filter_items_by_subject_and_level():
    assert filter_items(ITEMS, "math", level=2, tolerance=1).tolist() == ["M1", "M2"]
    assert filter_items(ITEMS, level=3, tolerance=0).tolist() == ["M2", "M3"]
    scores = {"math_score": 95, "reading_score": 72, "writing_score": 88}
    assert learning_filter(ITEMS, scores).tolist() == ["M3"]  # reading, level 4 ± 1


def test_filtered_recommendations_stay_inside_the_filter():
    data = make_synthetic_recsys_data(100, 90, 10, seed=9)
    allowed = learning_filter(data.items, {"math_score": 30, "reading_score": 80, "writing_score": 75})
    model = ContentBased().fit(data.interactions, data.items)
    recs = model.recommend(data.interactions["student_id"].iloc[0], n=50, allowed_items=allowed)
    assert 0 < len(recs) <= len(allowed)
    chosen = data.items.set_index("material_id").loc[recs["material_id"]]
    assert (chosen["subject"] == "math").all() and chosen["difficulty"].between(1, 3).all()


CURVE = pd.DataFrame({"method": ["pop", "pop", "uknn", "uknn"], "k": [5, 10, 5, 10],
                      "ndcg": [0.1, 0.12, 0.2, 0.22], "precision": [0.1, 0.09, 0.2, 0.18]})
LABELS = {"title": "T", "x": "K (materials)", "y": "NDCG@K (0–1)", "methods": {"uknn": "User kNN"}}


def test_metric_vs_k_figure():
    figure = make_metric_vs_k_figure(CURVE, "ndcg", LABELS)
    assert isinstance(figure, go.Figure)
    assert [t.name for t in figure.data] == ["pop", "User kNN"]
    assert list(figure.data[1].y) == [0.2, 0.22]
    assert figure.layout.title.text == "T" and figure.layout.xaxis.title.text == "K (materials)"
    with pytest.raises(KeyError):
        make_metric_vs_k_figure(CURVE, "ndcg", {"title": "T"})


def test_method_comparison_figure():
    table = CURVE[CURVE["k"] == 10]
    figure = make_method_comparison_figure(table, ["ndcg", "precision"], LABELS)
    assert len(figure.data) == 2 and list(figure.data[0].y) == [0.12, 0.09]
    assert figure.layout.yaxis.title.text == "NDCG@K (0–1)"
