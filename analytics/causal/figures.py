"""Pure Plotly builders for the causal diagnostics. All visible text comes from `labels`
(English defaults below; the dashboard passes translated strings)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DEFAULT_LABELS = {
    "overlap_title": "Propensity score overlap",
    "overlap_x": "Propensity score (probability, 0–1)",
    "overlap_y": "Density (per unit of score)",
    "love_title": "Covariate balance",
    "love_x": "Absolute standardized mean difference (SD units)",
    "love_y": "Covariate",
    "estimates_title": "Estimated effect by method (95% CI)",
    "estimates_x": "Effect (outcome units)",
    "estimates_y": "Method",
    "forest_title": "Effect by subgroup (95% CI)",
    "forest_x": "Effect (outcome units)",
    "forest_y": "Subgroup",
    "treated": "Treated",
    "control": "Control",
    "truth": "Planted truth",
    "overall": "Overall",
    "threshold": "0.1 threshold",
    "unadjusted": "Before adjustment",
    "matched": "After matching",
    "weighted_ate": "IPW (ATE weights)",
    "weighted_att": "IPW (ATT weights)",
    "difference_in_means": "Difference in means",
    "psm": "Propensity score matching",
    "ipw": "Inverse probability weighting",
    "regression_adjustment": "Regression adjustment",
    "aipw": "Doubly robust (AIPW)",
}
GROUP_COLOURS = {"treated": "#d62728", "control": "#1f77b4"}
SAMPLE_SYMBOLS = {"unadjusted": "circle-open", "matched": "diamond", "weighted_ate": "square",
                  "weighted_att": "triangle-up"}
SMD_THRESHOLD = 0.1


def _labels(labels: dict | None) -> dict:
    return {**DEFAULT_LABELS, **(labels or {})}


def _layout(figure: go.Figure, text: dict, prefix: str) -> go.Figure:
    figure.update_layout(title=text[f"{prefix}_title"], template="plotly_white")
    return figure


def make_overlap_figure(overlap: pd.DataFrame, labels: dict | None = None) -> go.Figure:
    """Propensity histograms (treated vs control), one panel per sample (before/matched/weighted)."""
    text = _labels(labels)
    samples = list(dict.fromkeys(overlap["sample"]))
    figure = make_subplots(rows=1, cols=max(len(samples), 1), shared_yaxes=True,
                           subplot_titles=[text.get(sample, sample) for sample in samples])
    for column, sample in enumerate(samples, start=1):
        for group in ("treated", "control"):
            bins = overlap[(overlap["sample"] == sample) & (overlap["group"] == group)]
            figure.add_trace(go.Bar(
                x=(bins["bin_left"] + bins["bin_right"]) / 2, y=bins["density"],
                width=bins["bin_right"] - bins["bin_left"], name=text[group], legendgroup=group,
                showlegend=column == 1, marker_color=GROUP_COLOURS[group], opacity=0.55,
            ), row=1, col=column)
        figure.update_xaxes(title_text=text["overlap_x"], range=[0, 1], row=1, col=column)
    figure.update_yaxes(title_text=text["overlap_y"], row=1, col=1)
    figure.update_layout(barmode="overlay", bargap=0)
    return _layout(figure, text, "overlap")


def make_love_plot_figure(smd_df: pd.DataFrame, labels: dict | None = None,
                          threshold: float = SMD_THRESHOLD) -> go.Figure:
    """Absolute SMD per covariate and sample, sorted by imbalance before adjustment, with a threshold line."""
    text = _labels(labels)
    before = smd_df[smd_df["sample"] == "unadjusted"].sort_values("smd")
    order = list(before["covariate"]) or list(dict.fromkeys(smd_df["covariate"]))
    figure = go.Figure()
    for sample, rows in smd_df.groupby("sample", sort=False):
        rows = rows.set_index("covariate").reindex(order)
        figure.add_trace(go.Scatter(x=rows["smd"], y=order, mode="markers", name=text.get(sample, sample),
                                    marker={"symbol": SAMPLE_SYMBOLS.get(sample, "circle"), "size": 9}))
    figure.add_vline(x=threshold, line_dash="dash", line_color="grey",
                     annotation_text=text["threshold"], annotation_position="top")
    figure.update_layout(xaxis_title=text["love_x"], yaxis_title=text["love_y"],
                         height=max(320, 28 * len(order) + 140))
    figure.update_xaxes(rangemode="tozero")
    return _layout(figure, text, "love")


def _interval_trace(estimates: pd.DataFrame, names: list[str], colour: str = "#333333") -> go.Scatter:
    return go.Scatter(
        x=estimates["estimate"], y=names, mode="markers", showlegend=False,
        marker={"size": 10, "color": colour},
        error_x={"type": "data", "symmetric": False, "array": estimates["ci_high"] - estimates["estimate"],
                 "arrayminus": estimates["estimate"] - estimates["ci_low"]},
    )


def _interval_figure(table: pd.DataFrame, name_of, reference: float | None, reference_style: dict,
                     text: dict, prefix: str) -> go.Figure:
    # Point + 95% CI per finite row (first row on top), a zero line and an optional reference line.
    shown = table[table["estimate"].map(lambda value: math.isfinite(value))].iloc[::-1]
    figure = go.Figure(_interval_trace(shown, [name_of(row) for row in shown.itertuples()]))
    figure.add_vline(x=0, line_color="lightgrey")
    if reference is not None:
        figure.add_vline(x=reference, annotation_position="top", **reference_style)
    figure.update_layout(xaxis_title=text[f"{prefix}_x"], yaxis_title=text[f"{prefix}_y"])
    return _layout(figure, text, prefix)


def make_estimates_figure(table: pd.DataFrame, truth: float | None = None,
                          labels: dict | None = None) -> go.Figure:
    """Point estimate and 95% CI per method/estimand; the planted truth as a vertical line if given."""
    text = _labels(labels)
    return _interval_figure(
        table, lambda row: f"{text.get(row.method, row.method)} ({row.estimand})", truth,
        {"line_dash": "dash", "line_color": GROUP_COLOURS["treated"], "annotation_text": text["truth"]},
        text, "estimates")


def make_forest_figure(subgroup_table: pd.DataFrame, overall: float | None = None,
                       labels: dict | None = None) -> go.Figure:
    """Forest plot of subgroup effects (point + 95% CI), with zero and optional overall lines."""
    text = _labels(labels)
    return _interval_figure(
        subgroup_table, lambda row: f"{row.variable} = {row.subgroup} (n={row.n})", overall,
        {"line_dash": "dot", "line_color": GROUP_COLOURS["control"], "annotation_text": text["overall"]},
        text, "forest")
