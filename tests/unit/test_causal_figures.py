"""Figure builders: data, reference lines, titles and axis labels (translatable via `labels`)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from analytics.causal import (
    DEFAULT_LABELS,
    estimate_effects,
    estimate_subgroup_effects,
    make_estimates_figure,
    make_forest_figure,
    make_love_plot_figure,
    make_overlap_figure,
    simulate_confounded,
)

COVARIATES = ["x1", "x2", "group"]


@pytest.fixture(scope="module")
def result():
    """One full estimate to draw from."""
    return estimate_effects(simulate_confounded(3000, seed=5), "treat", "y", COVARIATES)


def _vertical_lines(figure):
    return [shape.x0 for shape in figure.layout.shapes if shape.x0 == shape.x1]


def test_overlap_figure_has_one_panel_per_sample(result):
    figure = make_overlap_figure(result.overlap)
    assert isinstance(figure, go.Figure)
    assert figure.layout.title.text == DEFAULT_LABELS["overlap_title"]
    assert len(figure.data) == 2 * 4  # treated + control for unadjusted, matched, ATE and ATT weights
    assert figure.layout.xaxis.title.text == DEFAULT_LABELS["overlap_x"]
    assert figure.layout.yaxis.title.text == DEFAULT_LABELS["overlap_y"]
    first = figure.data[0]
    np.testing.assert_allclose(np.sum(np.asarray(first.y) * np.asarray(first.width)), 1.0)


def test_love_plot_has_threshold_line_and_every_covariate(result):
    figure = make_love_plot_figure(result.smd)
    assert 0.1 in _vertical_lines(figure)
    assert set(figure.data[0].y) == set(result.smd["covariate"])
    unadjusted = next(trace for trace in figure.data if trace.name == DEFAULT_LABELS["unadjusted"])
    assert list(unadjusted.x) == sorted(unadjusted.x)  # sorted by imbalance before adjustment
    assert figure.layout.xaxis.title.text == DEFAULT_LABELS["love_x"]


def test_estimates_figure_draws_truth_and_intervals(result):
    figure = make_estimates_figure(result.table, truth=2.0)
    assert 2.0 in _vertical_lines(figure)
    trace = figure.data[0]
    assert len(trace.x) == len(result.table)
    table = result.table.iloc[::-1]
    np.testing.assert_allclose(np.asarray(trace.x) - np.asarray(trace.error_x.arrayminus), table["ci_low"])
    np.testing.assert_allclose(np.asarray(trace.x) + np.asarray(trace.error_x.array), table["ci_high"])
    assert 2.0 not in _vertical_lines(make_estimates_figure(result.table))


def test_forest_figure_and_translated_labels():
    df = simulate_confounded(3000, seed=6)
    table = estimate_subgroup_effects(df, "treat", "y", COVARIATES, by="group")
    labels = {"forest_title": "サブグループ別の効果", "forest_x": "効果（点）", "forest_y": "サブグループ"}
    figure = make_forest_figure(table, overall=2.0, labels=labels)
    assert figure.layout.title.text == labels["forest_title"]
    assert figure.layout.xaxis.title.text == labels["forest_x"]
    assert figure.layout.yaxis.title.text == labels["forest_y"]
    assert len(figure.data[0].x) == len(table)
    assert {0, 2.0} <= set(_vertical_lines(figure))
