"""Pure Plotly figure builders for the Operations tab; all display text comes from `labels`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.drift import PSI_MAJOR, PSI_MODERATE

# English defaults; the dashboard passes its translated strings under the same keys.
DEFAULT_LABELS: dict[str, str] = {
    "no_data": "No data yet",
    "ctr_by_variant.title": "Click-through rate by variant (95% Wilson interval)",
    "ctr_by_variant.x": "Variant",
    "ctr_by_variant.y": "CTR (%)",
    "ctr_over_time.title": "Click-through rate over time",
    "ctr_over_time.title_cumulative": "Cumulative click-through rate over time",
    "ctr_over_time.x": "Date (UTC)",
    "ctr_over_time.y": "CTR (%)",
    "page_views.title": "Page views by tab and day",
    "page_views.x": "Date (UTC)",
    "page_views.y": "Page views (count)",
    "psi.title": "Feature drift (PSI)",
    "psi.x": "PSI (index, unitless)",
    "psi.y": "Feature",
    "psi.band.stable": "stable",
    "psi.band.moderate": "moderate",
    "psi.band.major": "major",
    "model_metrics.title": "Metrics across model versions",
    "model_metrics.x": "Model version",
    "metric.rmse": "RMSE (score points)",
    "metric.mae": "MAE (score points)",
    "metric.r2": "R² (unitless)",
    "metric.auc": "ROC AUC (unitless)",
    "metric.latency_ms": "Latency (ms)",
}
BAND_COLOURS = {"stable": "#2ca02c", "moderate": "#ff7f0e", "major": "#d62728"}


def make_ctr_by_variant_figure(table: pd.DataFrame, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Bar per variant of table[variant, ctr, ctr_low, ctr_high] with Wilson error bars, in %."""
    text = _labels(labels)
    fig = _base_figure(text, "ctr_by_variant", empty=table.empty)
    if table.empty:
        return fig
    ctr = table["ctr"] * 100
    fig.add_trace(go.Bar(
        x=table["variant"].astype(str),
        y=ctr,
        error_y=dict(
            type="data",
            array=table["ctr_high"] * 100 - ctr,
            arrayminus=ctr - table["ctr_low"] * 100,
        ),
        hovertemplate="%{x}: %{y:.2f}%<extra></extra>",
    ))
    fig.update_yaxes(rangemode="tozero", ticksuffix="%")
    return fig


def make_ctr_over_time_figure(
    over_time: pd.DataFrame, labels: Mapping[str, str] | None = None, *, cumulative: bool = False,
    min_n: int = 0, partial_day=None,
) -> go.Figure:
    """One line per variant from ctr_over_time() output: daily CTR, or cumulative CTR if asked.

    Points resting on fewer than `min_n` impressions are grey and a `partial_day` point is hollow, so a
    handful of events cannot pass for a 100 % day; the hover shows the counts behind every rate.
    """
    text = _labels(labels)
    fig = _base_figure(text, "ctr_over_time", empty=over_time.empty)
    if cumulative:
        fig.update_layout(title_text=text["ctr_over_time.title_cumulative"])
    column, n_column = ("cum_ctr", "cum_impressions") if cumulative else ("ctr", "impressions")
    for variant, rows in over_time.groupby("variant", sort=True):
        n, clicks = rows[n_column], rows["cum_clicks" if cumulative else "clicks"]
        tiny = (n < min_n).to_numpy()
        partial = (pd.to_datetime(rows["date"]).dt.date == partial_day).to_numpy()
        fig.add_trace(go.Scatter(
            x=rows["date"], y=rows[column] * 100, mode="lines+markers", name=str(variant),
            marker={"opacity": [0.25 if small else 1.0 for small in tiny],
                    "symbol": ["circle-open" if p else "circle" for p in partial]},
            customdata=list(zip(clicks, n)),
            hovertemplate="%{x|%Y-%m-%d}: %{y:.2f}% (%{customdata[0]:,} / %{customdata[1]:,})<extra>"
                          + str(variant) + "</extra>",
        ))
    fig.update_yaxes(rangemode="tozero", ticksuffix="%")
    return fig


def make_page_views_figure(views: pd.DataFrame, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Stacked bars of views[date, page, views]: one colour per tab, one bar per day."""
    text = _labels(labels)
    fig = _base_figure(text, "page_views", empty=views.empty)
    for page, rows in views.groupby("page", sort=True):
        fig.add_trace(go.Bar(x=rows["date"], y=rows["views"], name=text.get(f"page.{page}", str(page))))
    fig.update_layout(barmode="stack")
    return fig


def make_psi_figure(drift: pd.DataFrame, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Horizontal PSI bar per feature of drift[feature, psi, band], over shaded 0.1 / 0.25 bands."""
    text = _labels(labels)
    fig = _base_figure(text, "psi", empty=drift.empty)
    if drift.empty:
        return fig
    ordered = drift.sort_values("psi")
    x_max = max(float(ordered["psi"].max()) * 1.1, PSI_MAJOR * 1.4)
    for band, x0, x1 in (("stable", 0, PSI_MODERATE), ("moderate", PSI_MODERATE, PSI_MAJOR),
                         ("major", PSI_MAJOR, x_max)):
        fig.add_vrect(x0=x0, x1=x1, fillcolor=BAND_COLOURS[band], opacity=0.08, line_width=0,
                      layer="below", annotation_text=text[f"psi.band.{band}"],
                      annotation_position="top left")
    fig.add_trace(go.Bar(
        x=ordered["psi"],
        y=ordered["feature"].astype(str),
        orientation="h",
        marker_color=[BAND_COLOURS.get(band, "#7f7f7f") for band in ordered["band"]],
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    ))
    fig.update_xaxes(range=[0, x_max])
    return fig


def make_model_metrics_figure(metrics: pd.DataFrame, labels: Mapping[str, str] | None = None) -> go.Figure:
    """One panel per metric of metrics[model_version, metric, value], versions in given order."""
    text = _labels(labels)
    names = list(dict.fromkeys(metrics["metric"])) if not metrics.empty else []
    if not names:
        return _base_figure(text, "model_metrics", empty=True)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for row, name in enumerate(names, start=1):
        rows = metrics[metrics["metric"] == name]
        fig.add_trace(go.Scatter(
            x=rows["model_version"].astype(str), y=rows["value"], mode="lines+markers",
            name=text.get(f"metric.{name}", str(name)),
        ), row=row, col=1)
        fig.update_yaxes(title_text=text.get(f"metric.{name}", str(name)), row=row, col=1)
    fig.update_xaxes(type="category")
    fig.update_xaxes(title_text=text["model_metrics.x"], row=len(names), col=1)
    fig.update_layout(title_text=text["model_metrics.title"], showlegend=False)
    return fig


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    """Defaults overlaid with the caller's labels."""
    return {**DEFAULT_LABELS, **(labels or {})}


def _base_figure(text: Mapping[str, str], key: str, *, empty: bool) -> go.Figure:
    """Figure with the title and axis titles of `key`, and a 'no data' note when empty."""
    fig = go.Figure()
    fig.update_layout(
        title_text=text[f"{key}.title"],
        xaxis_title=text[f"{key}.x"],
        yaxis_title=text.get(f"{key}.y", ""),
        template="plotly_white",
    )
    if empty:
        fig.add_annotation(text=text["no_data"], showarrow=False, xref="paper", yref="paper",
                           x=0.5, y=0.5)
    return fig


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


def make_performance_figure(perf: pd.DataFrame, labels: Mapping[str, str],
                            change_points: pd.DataFrame | None = None) -> go.Figure:
    """RMSE per period, one line per model version, from perf[model_version, period_start, rmse, n];
    change_points[detector, ts] (ADWIN/DDM) as dashed vertical lines named by labels[detector]."""
    fig = go.Figure(layout={"title_text": labels["title"], "xaxis_title": labels["x"], "yaxis_title": labels["y"],
                            "template": "plotly_white"})
    if perf.empty:
        return _empty_note(fig, labels["no_data"])
    for version, rows in perf.groupby(perf["model_version"].fillna("?"), sort=True):
        fig.add_trace(go.Scatter(x=rows["period_start"], y=rows["rmse"], mode="lines+markers", name=str(version),
                                 customdata=rows["n"],
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} (n=%{customdata:,})<extra>"
                                               + str(version) + "</extra>"))
    colours = {"adwin": "#9467bd", "ddm": "#d62728"}
    for point in ([] if change_points is None else change_points.to_dict("records")):
        fig.add_vline(x=pd.Timestamp(point["ts"]).timestamp() * 1000, line={"dash": "dash",
                      "color": colours.get(point["detector"], "#555")})
        fig.add_annotation(x=point["ts"], y=1, yref="paper", showarrow=False, textangle=-90, xanchor="left",
                           yanchor="top", text=labels.get(point["detector"], point["detector"]), font={"size": 10})
    fig.update_yaxes(rangemode="tozero")
    return fig


def make_looks_figure(looks: pd.DataFrame, labels: Mapping[str, str], *, partial_day=None) -> go.Figure:
    """Cumulative daily looks of looks[day, variant, lift, lift_low/high, seq_lift_low/high], in %:
    the lift with its fixed-horizon band and its always-valid band; a `partial_day` look is drawn hollow.

    labels: title, x, y, no_data, fixed, sequential, lift, partial.
    """
    fig = go.Figure(layout={"title_text": labels["title"], "xaxis_title": labels["x"], "yaxis_title": labels["y"],
                            "template": "plotly_white"})
    rows = looks.dropna(subset=["lift"]) if not looks.empty else looks
    if rows.empty:
        fig.add_annotation(text=labels["no_data"], showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        return fig
    for variant, part in rows.groupby("variant", sort=True):
        day = pd.to_datetime(part["day"])
        for low, high, name, colour in (("seq_lift_low", "seq_lift_high", labels["sequential"], "rgba(44,160,44,0.18)"),
                                        ("lift_low", "lift_high", labels["fixed"], "rgba(214,39,40,0.25)")):
            fig.add_trace(go.Scatter(x=day, y=100 * part[high], mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip", legendgroup=f"{variant}-{name}"))
            fig.add_trace(go.Scatter(x=day, y=100 * part[low], mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=colour, name=f"{variant}: {name}", legendgroup=f"{variant}-{name}",
                                     hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}%<extra>" + name + "</extra>"))
        partial = (day.dt.date == partial_day) if partial_day is not None else pd.Series(False, index=part.index)
        fig.add_trace(go.Scatter(
            x=day, y=100 * part["lift"], mode="lines+markers", name=f"{variant}: {labels['lift']}",
            marker={"symbol": ["circle-open" if p else "circle" for p in partial], "size": 8},
            customdata=[labels["partial"] if p else "" for p in partial],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}% %{customdata}<extra>" + str(variant) + "</extra>"))
    fig.add_hline(y=0, line={"color": "#888", "dash": "dot"})
    fig.update_yaxes(ticksuffix="%")
    return fig


def make_latency_figure(hourly: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """p50/p95 latency (ms, left axis) and server error rate (%, right axis) per hour of
    requests_by_hour() output; labels: title, x, y, y2, p50, p95, error_rate, requests, no_data."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(title_text=labels["title"], template="plotly_white", xaxis_title=labels["x"])
    fig.update_yaxes(title_text=labels["y"], rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text=labels["y2"], rangemode="tozero", ticksuffix="%", secondary_y=True)
    if hourly.empty:
        fig.add_annotation(text=labels["no_data"], showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        return fig
    hover = "%{x|%Y-%m-%d %H:00}: %{y:.1f} ms (n=%{customdata:,})<extra>"
    for column in ("p50_ms", "p95_ms"):
        name = labels[column.removesuffix("_ms")]
        fig.add_trace(go.Scatter(x=hourly["hour"], y=hourly[column], mode="lines+markers", name=name,
                                 customdata=hourly["requests"], hovertemplate=hover + name + "</extra>"),
                      secondary_y=False)
    fig.add_trace(go.Bar(x=hourly["hour"], y=100 * hourly["error_rate"].astype(float), name=labels["error_rate"],
                         opacity=0.35, customdata=hourly["requests"],
                         hovertemplate="%{x|%Y-%m-%d %H:00}: %{y:.1f}% (n=%{customdata:,})<extra></extra>"),
                  secondary_y=True)
    return fig


def make_challenger_figure(periods: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """RMSE per period, one line per role, from Comparison.by_period[period_start, role, n, rmse]."""
    fig = go.Figure(layout={"title_text": labels["title"], "template": "plotly_white",
                            "xaxis_title": labels["x"], "yaxis_title": labels["y"]})
    for role, rows in periods.groupby("role", sort=False):
        fig.add_trace(go.Scatter(x=rows["period_start"], y=rows["rmse"], mode="lines+markers", name=str(role),
                                 customdata=rows["n"], hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} (n=%{customdata:,})"))
    fig.update_yaxes(rangemode="tozero")
    return fig
