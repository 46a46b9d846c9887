"""Plotly figures for recommender evaluation (text comes from the caller's labels)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.recsys.metrics import METRIC_NAMES


def _label(labels: dict, key: str) -> str:
    """A required caption from labels, with a clear error when it is missing."""
    if key not in labels:
        raise KeyError(f"labels needs {key!r}")
    return labels[key]


def make_metric_vs_k_figure(curve: pd.DataFrame, metric: str, labels: dict) -> go.Figure:
    """Line per method of metric@K against K (from metric_vs_k).

    labels: title, x (e.g. "K (recommended materials)"), y (e.g. "NDCG@K (0–1)"),
    optional methods: {method: display name}.
    """
    if metric not in (*METRIC_NAMES, "coverage"):
        raise ValueError(f"unknown metric {metric!r}")
    names = labels.get("methods", {})
    figure = go.Figure()
    for method, part in curve.sort_values("k").groupby("method", sort=False):
        figure.add_trace(go.Scatter(x=part["k"], y=part[metric], mode="lines+markers",
                                    name=names.get(method, method)))
    figure.update_layout(title=_label(labels, "title"), xaxis_title=_label(labels, "x"),
                         yaxis_title=_label(labels, "y"), yaxis_rangemode="tozero")
    return figure


def make_method_comparison_figure(table: pd.DataFrame, metrics: Sequence[str], labels: dict) -> go.Figure:
    """Grouped bars: one group per metric, one bar per method (from evaluate_methods).

    labels: title, x (axis caption for the metric groups), y (e.g. "value (0–1)"),
    optional metrics: {metric: display name}, methods: {method: display name}.
    """
    metric_names = labels.get("metrics", {})
    method_names = labels.get("methods", {})
    figure = go.Figure()
    for _, row in table.iterrows():
        figure.add_trace(go.Bar(x=[metric_names.get(m, m) for m in metrics], y=[row[m] for m in metrics],
                                name=method_names.get(row["method"], row["method"])))
    figure.update_layout(barmode="group", title=_label(labels, "title"),
                         xaxis_title=_label(labels, "x"), yaxis_title=_label(labels, "y"))
    return figure
