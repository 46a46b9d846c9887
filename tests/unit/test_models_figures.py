"""Model-card figure builders: data wired through, totals exact, titles/units present, labels override."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.models.estimators import make_regressor
from analytics.models.explain import Explanation, ModelExplainer, sample_background
from analytics.models.features import feature_frame
from analytics.models.figures import (
    make_confusion_matrix_figure,
    make_dependence_figure,
    make_importance_figure,
    make_pr_figure,
    make_predicted_vs_actual_figure,
    make_residuals_figure,
    make_roc_figure,
    make_shap_waterfall_figure,
    merge_labels,
)
from analytics.models.risk import classification_report, curve_frames
from analytics.models.schema import FEATURES, TARGET
from analytics.models.synthetic import make_synthetic_students


@pytest.fixture(scope="module")
def explainer():
    students = make_synthetic_students(300, seed=2)
    model = make_regressor("linear").fit(feature_frame(students), students[TARGET])
    return ModelExplainer(model, sample_background(students, size=100)), students


def _titled(figure: go.Figure) -> None:
    assert isinstance(figure, go.Figure)
    assert figure.layout.title.text
    assert figure.layout.xaxis.title.text


def test_waterfall_runs_from_base_to_prediction(explainer):
    model_explainer, students = explainer
    explanation = model_explainer.explain(students.iloc[[0]])
    figure = make_shap_waterfall_figure(explanation)
    _titled(figure)
    trace = figure.data[0]
    assert isinstance(trace, go.Bar)   # bars from a base: the served plotly.js bundle has no waterfall trace
    assert trace.base[0] == 0 and trace.base[-1] == 0   # the average and the prediction are drawn from 0
    # each contribution starts where the running total stands, and the last one ends at the prediction
    running = list(pd.Series([trace.x[0], *trace.x[1:-1]]).cumsum())
    assert list(trace.base[1:-1]) == pytest.approx(running[:-1])
    assert trace.base[-2] + trace.x[-2] == pytest.approx(trace.x[-1])
    assert trace.x[0] + sum(trace.x[1:-1]) == pytest.approx(trace.x[-1])
    assert trace.x[-1] == pytest.approx(explanation.prediction)
    shap_order = [abs(v) for v in trace.x[1:-1]]
    assert shap_order == sorted(shap_order, reverse=True)
    assert "points" in figure.layout.xaxis.title.text


def test_waterfall_folds_tail_and_keeps_total():
    contributions = pd.DataFrame(
        {
            "feature": list(FEATURES),
            "value": ["male"] * 5 + [70.0, 71.0],
            "shap": [5, -4, 3, -2, 1, 0.5, -0.25],
        }
    )
    explanation = Explanation(contributions, base_value=60.0, prediction=63.25, output="log_odds")
    figure = make_shap_waterfall_figure(explanation, max_features=3)
    trace = figure.data[0]
    assert len(trace.x) == 1 + 3 + 1 + 1
    assert trace.x[4] == pytest.approx(-0.75)  # -2 + 1 + 0.5 - 0.25
    assert trace.x[0] + sum(trace.x[1:-1]) == pytest.approx(63.25)
    assert "log-odds" in figure.layout.xaxis.title.text


def test_labels_override_defaults_including_feature_names(explainer):
    model_explainer, students = explainer
    labels = {"waterfall_title": "予測の理由", "features": {"gender": "性別"}}
    figure = make_shap_waterfall_figure(model_explainer.explain(students.iloc[[1]]), labels=labels)
    assert figure.layout.title.text == "予測の理由"
    assert any(str(name).startswith("性別 = ") for name in figure.data[0].y)
    assert merge_labels(labels)["features"]["lunch"] == "Lunch"


def test_importance_and_dependence_figures(explainer):
    model_explainer, students = explainer
    importance = model_explainer.global_importance()
    figure = make_importance_figure(importance)
    _titled(figure)
    assert figure.data[0].x[-1] == pytest.approx(importance["mean_abs_shap"].max())  # largest on top
    dependence = model_explainer.dependence("reading_score")
    numeric = make_dependence_figure(dependence, "reading_score")
    _titled(numeric)
    np.testing.assert_allclose(numeric.data[0].y, dependence["shap"])
    categorical = make_dependence_figure(model_explainer.dependence("lunch"), "lunch")
    assert categorical.layout.xaxis.type == "category"
    assert list(categorical.layout.xaxis.categoryarray) == ["standard", "free/reduced"]


def test_fit_and_residual_figures():
    predictions = pd.DataFrame({"actual": [50.0, 70.0], "predicted": [55.0, 68.0], "residual": [-5.0, 2.0]})
    fit = make_predicted_vs_actual_figure(predictions)
    _titled(fit)
    assert list(fit.data[0].x) == [50.0, 70.0] and list(fit.data[1].x) == [0, 100]
    residuals = make_residuals_figure(predictions)
    _titled(residuals)
    assert list(residuals.data[0].y) == [-5.0, 2.0]
    assert "points" in residuals.layout.yaxis.title.text


def test_classifier_figures_mark_threshold_and_counts():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    proba = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.3, 0.1, 0.1, 0.05, 0.0])
    report = classification_report(y, proba, threshold=0.5)
    roc, pr = curve_frames(y, proba)
    roc_figure = make_roc_figure(roc, report=report)
    _titled(roc_figure)
    marker = roc_figure.data[-1]
    assert (marker.x[0], marker.y[0]) == pytest.approx((1 / 6, 3 / 4))  # FPR, recall at the cut
    pr_figure = make_pr_figure(pr, report=report)
    _titled(pr_figure)
    assert (pr_figure.data[-1].x[0], pr_figure.data[-1].y[0]) == pytest.approx((0.75, 0.75))
    assert list(pr_figure.data[1].y) == [0.4, 0.4]
    confusion = make_confusion_matrix_figure(report)
    _titled(confusion)
    assert [list(row) for row in confusion.data[0].z] == [[5, 1], [1, 3]]
