"""Operations-tab figure builders: data mapped correctly, titles/units present, labels override."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.abtest import ctr_over_time, summarize_ab
from analytics.ops_figures import (
    DEFAULT_LABELS,
    make_ctr_by_variant_figure,
    make_ctr_over_time_figure,
    make_model_metrics_figure,
    make_page_views_figure,
    make_psi_figure,
)

COUNTS = pd.DataFrame({"variant": ["A", "B"], "impressions": [1_000, 800], "clicks": [50, 64]})


def _titles(fig):
    return fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


def test_ctr_by_variant_bars_carry_wilson_error_bars_in_percent():
    fig = make_ctr_by_variant_figure(summarize_ab(COUNTS).table)
    bar = fig.data[0]
    np.testing.assert_allclose(bar.y, [5.0, 8.0])
    low, high = proportion_confint(np.array([50, 64]), np.array([1_000, 800]), method="wilson")
    np.testing.assert_allclose(np.array(bar.y) + bar.error_y.array, high * 100)
    np.testing.assert_allclose(np.array(bar.y) - bar.error_y.arrayminus, low * 100)
    assert "%" in fig.layout.yaxis.title.text


def test_labels_override_defaults():
    labels = {"ctr_by_variant.title": "バリアント別CTR", "ctr_by_variant.y": "CTR (%)"}
    fig = make_ctr_by_variant_figure(summarize_ab(COUNTS).table, labels)
    assert _titles(fig) == ("バリアント別CTR", DEFAULT_LABELS["ctr_by_variant.x"], "CTR (%)")


def test_ctr_over_time_has_one_line_per_variant_daily_or_cumulative():
    daily = pd.DataFrame({
        "date": pd.to_datetime(["2024-05-01", "2024-05-02"] * 2),
        "variant": ["A", "A", "B", "B"],
        "impressions": [100, 300, 100, 100],
        "clicks": [10, 6, 5, 7],
    })
    over_time = ctr_over_time(daily)
    fig = make_ctr_over_time_figure(over_time)
    assert [t.name for t in fig.data] == ["A", "B"]
    np.testing.assert_allclose(fig.data[0].y, [10.0, 2.0])
    cumulative = make_ctr_over_time_figure(over_time, cumulative=True)
    np.testing.assert_allclose(cumulative.data[0].y, [10.0, 4.0])
    assert cumulative.layout.title.text == DEFAULT_LABELS["ctr_over_time.title_cumulative"]


def test_page_views_stack_one_trace_per_tab():
    views = pd.DataFrame({"date": ["2024-05-01", "2024-05-01", "2024-05-02"],
                          "page": ["ops", "ebpm", "ops"], "views": [3, 4, 5]})
    fig = make_page_views_figure(views, {"page.ops": "運用"})
    assert fig.layout.barmode == "stack"
    assert sorted(t.name for t in fig.data) == ["ebpm", "運用"]
    assert "count" in fig.layout.yaxis.title.text


def test_psi_figure_marks_band_edges_and_colours_bars_by_band():
    drift = pd.DataFrame({"feature": ["a", "b", "c"], "psi": [0.3, 0.02, 0.15],
                          "band": ["major", "stable", "moderate"]})
    fig = make_psi_figure(drift)
    edges = sorted({round(x, 6) for s in fig.layout.shapes for x in (s.x0, s.x1)})
    assert 0.1 in edges and 0.25 in edges
    assert list(fig.data[0].y) == ["b", "c", "a"]  # sorted by PSI
    assert len(set(fig.data[0].marker.color)) == 3


def test_model_metrics_one_panel_per_metric_with_units():
    metrics = pd.DataFrame({"model_version": ["v1", "v2", "v1", "v2"],
                            "metric": ["rmse", "rmse", "latency_ms", "latency_ms"],
                            "value": [12.0, 11.0, 30.0, 28.0]})
    fig = make_model_metrics_figure(metrics)
    assert len(fig.data) == 2
    assert fig.layout.yaxis.title.text == DEFAULT_LABELS["metric.rmse"]
    assert "(ms)" in fig.layout.yaxis2.title.text
    assert fig.layout.title.text == DEFAULT_LABELS["model_metrics.title"]


@pytest.mark.parametrize("builder,columns", [
    (make_ctr_by_variant_figure, ["variant", "ctr", "ctr_low", "ctr_high"]),
    (make_ctr_over_time_figure, ["date", "variant", "ctr", "cum_ctr"]),
    (make_page_views_figure, ["date", "page", "views"]),
    (make_psi_figure, ["feature", "psi", "band"]),
    (make_model_metrics_figure, ["model_version", "metric", "value"]),
])
def test_empty_input_gives_titled_figure_with_no_data_note(builder, columns):
    fig = builder(pd.DataFrame(columns=columns))
    assert fig.layout.title.text and not fig.data
    assert fig.layout.annotations[0].text == DEFAULT_LABELS["no_data"]
