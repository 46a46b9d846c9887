"""Pure figure builders the Operations tab needs beyond analytics/ops_figures.py (labels passed in)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go


def _empty_note(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def make_daily_counts_figure(daily: pd.DataFrame, labels: Mapping[str, str], *, value: str = "events") -> go.Figure:
    """One bar per UTC day of daily[date, <value>]; labels: title, x, y, no_data."""
    fig = go.Figure(layout={"title_text": labels["title"], "xaxis_title": labels["x"], "yaxis_title": labels["y"],
                            "template": "plotly_white"})
    if daily.empty:
        return _empty_note(fig, labels["no_data"])
    fig.add_trace(go.Bar(x=daily["date"], y=daily[value], hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>"))
    fig.update_yaxes(rangemode="tozero")
    return fig


def make_performance_figure(perf: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """RMSE per period, one line per model version, from perf[model_version, period_start, rmse, n]."""
    fig = go.Figure(layout={"title_text": labels["title"], "xaxis_title": labels["x"], "yaxis_title": labels["y"],
                            "template": "plotly_white"})
    if perf.empty:
        return _empty_note(fig, labels["no_data"])
    for version, rows in perf.groupby(perf["model_version"].fillna("?"), sort=True):
        fig.add_trace(go.Scatter(x=rows["period_start"], y=rows["rmse"], mode="lines+markers", name=str(version),
                                 customdata=rows["n"],
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} (n=%{customdata:,})<extra>"
                                               + str(version) + "</extra>"))
    fig.update_yaxes(rangemode="tozero")
    return fig
