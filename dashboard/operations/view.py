"""Pure builders of each Operations section: loaded data -> figures and components, translated."""
from __future__ import annotations

import json
import math
from collections.abc import Mapping

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import html

from analytics.ops_figures import (
    make_ctr_by_variant_figure,
    make_ctr_over_time_figure,
    make_model_metrics_figure,
    make_page_views_figure,
    make_psi_figure,
)
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import labels, t

PAGE = "operations"
UIREVISION = "operations"   # keep zoom and legend choices across live refreshes


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


def _labels(lang: str) -> dict[str, str]:
    return labels("operations.fig.", lang)


def _cols(lang: str, *names: str) -> dict[str, str]:
    return {name: t(f"operations.col.{name}", lang) for name in names}


def _fmt_ts(value) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _pct(value, digits: int = 2):
    return None if value is None or pd.isna(value) else round(100 * float(value), digits)


def _live(fig):
    fig.update_layout(uirevision=UIREVISION, margin={"t": 50, "l": 60, "r": 20, "b": 50})
    return fig


# ---- A/B ------------------------------------------------------------------------------------
def draw_ab(data, lang: str, mde_pct: float, power: float, cumulative: bool):
    text = _labels(lang)
    counts = data.counts
    kpis = [dbc.Col(kpi_card(t("operations.ab.kpi.impressions", lang), f"{int(counts['impressions'].sum()):,}",
                             f"{PAGE}-kpi-impressions"), md=True),
            dbc.Col(kpi_card(t("operations.ab.kpi.clicks", lang), f"{int(counts['clicks'].sum()):,}",
                             f"{PAGE}-kpi-clicks"), md=True)]
    summary = data.summary
    if summary is None:
        empty = pd.DataFrame(columns=["variant", "ctr", "ctr_low", "ctr_high"])
        return (dbc.Row(kpis, className="g-2"), _live(make_ctr_by_variant_figure(empty, text)),
                _live(make_ctr_over_time_figure(data.over_time, text, cumulative=cumulative)),
                dbc.Alert(t("operations.ab.no_data", lang), color="secondary"), html.Div())
    table = summary.table
    for row in table.itertuples(index=False):
        kpis.append(dbc.Col(kpi_card(t("operations.ab.kpi.ctr", lang, variant=row.variant),
                                     "–" if pd.isna(row.ctr) else f"{100 * row.ctr:.2f} %",
                                     f"{PAGE}-kpi-ctr-{row.variant}",
                                     note=f"[{_pct(row.ctr_low)} – {_pct(row.ctr_high)}] %"), md=True))
    best = table.loc[table["prob_best"].idxmax()]
    kpis.append(dbc.Col(kpi_card(t("operations.ab.kpi.best", lang), f"{best['variant']}",
                                 f"{PAGE}-kpi-best", note=f"P = {100 * best['prob_best']:.1f} %"), md=True))
    shown = pd.DataFrame({
        "variant": table["variant"], "users": table["users"], "impressions": table["impressions"],
        "clicks": table["clicks"], "ctr_pct": table["ctr"].map(_pct),
        "ctr_ci": [f"{_pct(lo)} – {_pct(hi)}" for lo, hi in zip(table["ctr_low"], table["ctr_high"])],
        "lift_pct": table["lift"].map(lambda v: _pct(v, 1)),
        "lift_ci": ["" if pd.isna(lo) else f"{_pct(lo, 1)} – {_pct(hi, 1)}"
                    for lo, hi in zip(table["lift_low"], table["lift_high"])],
        "test": table["test"].fillna(""), "p_value": table["p_value"].round(4),
        "p_value_adj": table["p_value_adj"].round(4), "prob_best": table["prob_best"].map(lambda v: _pct(v, 1)),
    })
    return (dbc.Row(kpis, className="g-2"), _live(make_ctr_by_variant_figure(table, text)),
            _live(make_ctr_over_time_figure(data.over_time, text, cumulative=cumulative)),
            _ab_checks(summary, lang, mde_pct, power),
            csv_table(f"{PAGE}-ab-table", shown, lang, columns=_cols(lang, *shown.columns)))


def _ab_checks(summary, lang: str, mde_pct: float, power: float) -> html.Div:
    srm = summary.srm
    share = lambda shares: " / ".join(f"{k} {100 * v:.1f}%" for k, v in shares.items())
    if srm.mismatch:
        srm_msg = dbc.Alert(t("operations.ab.srm_bad", lang, observed=share(srm.observed_share),
                              planned=share(srm.planned_share), p=srm.p_value), color="danger", id=f"{PAGE}-srm")
    else:
        p = srm.p_value if srm.p_value is not None and not math.isnan(srm.p_value) else 1.0
        srm_msg = dbc.Alert(t("operations.ab.srm_ok", lang, p=p), color="success", id=f"{PAGE}-srm")
    if summary.required_n_per_variant is None:
        size = t("operations.ab.sample_size_na", lang)
    else:
        size = t("operations.ab.sample_size", lang, mde=mde_pct, power=100 * power, alpha=summary.alpha,
                 required=f"{summary.required_n_per_variant:,}", current=f"{summary.min_n_per_variant:,}")
    verdict = dbc.Alert([html.Div(size), html.Strong(t("operations.ab.peeking", lang) if summary.peeking
                                                     else t("operations.ab.ready", lang))],
                        color="warning" if summary.peeking else "info", id=f"{PAGE}-peeking")
    return html.Div([srm_msg, verdict])


# ---- usage ----------------------------------------------------------------------------------
def _trend(now: int, before: int, days: int, lang: str) -> str:
    if before == 0:
        return t("operations.usage.no_previous", lang, days=days)
    return t("operations.usage.trend", lang, change=f"{100 * (now - before) / before:+.1f} %", days=days)


def draw_usage(data, lang: str):
    text = _labels(lang)
    days = (data.end - data.start).days + 1
    kpis = dbc.Row([dbc.Col(kpi_card(t(f"operations.usage.kpi.{key}", lang), f"{data.totals[key]:,}",
                                     f"{PAGE}-kpi-{key.replace('_', '-')}",
                                     note=_trend(data.totals[key], data.previous[key], days, lang)), md=True)
                    for key in ("page_views", "sessions", "predictions")], className="g-2")
    pred_labels = {k.removeprefix("predictions."): v for k, v in text.items() if k.startswith("predictions.")}
    predictions = make_daily_counts_figure(data.predictions, {**pred_labels, "no_data": text["no_data"]})
    rec = data.rec_totals
    ctr = "–" if rec["shown"] == 0 else f"{100 * rec['ctr']:.1f} %"
    note = None if rec["shown"] == 0 else f"[{100 * rec['ctr_low']:.1f} – {100 * rec['ctr_high']:.1f}] %"
    recs = data.recommendations.assign(ctr_pct=data.recommendations["ctr"].map(lambda v: _pct(v, 1)))
    recs = recs[["date", "shown", "clicks", "ctr_pct"]].assign(date=recs["date"].map(lambda d: str(d)[:10]))
    rec_block = html.Div([
        html.H5(t("operations.usage.rec_title", lang)),
        dbc.Row([dbc.Col(kpi_card(t("operations.usage.rec_shown", lang), f"{rec['shown']:,}",
                                  f"{PAGE}-kpi-rec-shown"), md=True),
                 dbc.Col(kpi_card(t("operations.usage.rec_clicks", lang), f"{rec['clicks']:,}",
                                  f"{PAGE}-kpi-rec-clicks"), md=True),
                 dbc.Col(kpi_card(t("operations.usage.rec_ctr", lang), ctr, f"{PAGE}-kpi-rec-ctr", note=note),
                         md=True)], className="g-2 mb-2"),
        csv_table(f"{PAGE}-rec-table", recs, lang, page_size=10, columns=_cols(lang, *recs.columns)),
    ])
    return {"kpis": kpis, "views": _live(make_page_views_figure(data.page_views, text)),
            "predictions": _live(predictions), "rec": rec_block,
            "start_date": data.start.isoformat(), "end_date": data.end.isoformat()}


# ---- errors ---------------------------------------------------------------------------------
def draw_errors(data, lang: str):
    messages = data.messages.assign(last_seen=data.messages["last_seen"].map(_fmt_ts))
    latest = data.latest.assign(ts=data.latest["ts"].map(_fmt_ts))
    return html.Div([
        dbc.Row([dbc.Col(kpi_card(t("operations.errors.kpi", lang), f"{data.total:,}", f"{PAGE}-kpi-errors"),
                         md=3)], className="g-2 mb-2"),
        html.H6(t("operations.errors.messages", lang)),
        csv_table(f"{PAGE}-error-messages", messages, lang, page_size=10, columns=_cols(lang, *messages.columns)),
        html.H6(t("operations.errors.latest", lang), className="mt-2"),
        csv_table(f"{PAGE}-error-latest", latest, lang, page_size=10, columns=_cols(lang, *latest.columns)),
    ])


# ---- model and data health ------------------------------------------------------------------
def draw_health(data, lang: str):
    text = _labels(lang)
    unknown = t("operations.unknown", lang)
    meta = t("operations.meta", lang, **{k: v or unknown for k, v in data.meta.items()})
    prod = data.production
    cards = dbc.Row([
        dbc.Col(kpi_card(t("operations.health.production", lang), prod["version"] if prod else "–",
                         f"{PAGE}-kpi-model", note=None if prod else t("operations.health.none", lang)), md=4),
        dbc.Col(kpi_card(t("operations.health.trained_at", lang), _fmt_ts(prod["created_at"]) if prod else "–"),
                md=4),
    ], className="g-2 mb-2")
    versions = data.versions.drop(columns=["test_metrics"]).assign(
        created_at=data.versions["created_at"].map(_fmt_ts))
    perf_labels = {k.removeprefix("performance."): v for k, v in text.items() if k.startswith("performance.")}
    model = html.Div([
        cards,
        _graph(make_model_metrics_figure(data.metrics, text), f"{PAGE}-model-metrics"),
        _graph(make_performance_figure(data.performance, {**perf_labels, "no_data": text["no_data"]}),
               f"{PAGE}-performance"),
        html.H6(t("operations.health.versions", lang)),
        csv_table(f"{PAGE}-model-versions", versions, lang, page_size=8, columns=_cols(lang, *versions.columns)),
    ])
    if data.drift.empty:
        drift = dbc.Alert(t("operations.drift.none", lang), color="secondary")
    else:
        run = data.last_run or {}
        rows = data.drift[["feature", "kind", "psi", "band", "test", "statistic", "p_value", "drifted"]].round(4)
        drift = html.Div([
            html.Div(t("operations.drift.window", lang, run_id=run.get("run_id", "?"),
                       when=_fmt_ts(run.get("run_at")), current=f"{run.get('current_rows', 0):,}",
                       reference=f"{run.get('reference_rows', 0):,}"), className="small text-muted"),
            _graph(make_psi_figure(data.drift, text), f"{PAGE}-psi"),
            csv_table(f"{PAGE}-drift-table", rows, lang, columns=_cols(lang, *rows.columns)),
        ])
    return meta, model, drift


def _graph(fig, graph_id: str):
    from dash import dcc

    return dcc.Graph(figure=_live(fig), id=graph_id)


# ---- alerts ---------------------------------------------------------------------------------
def alert_message(row, lang: str) -> str:
    """Translate an alert (message key + JSON params) into the user's language."""
    try:
        params = json.loads(row["params"]) if isinstance(row["params"], str) else dict(row["params"] or {})
    except ValueError:
        params = {}
    params.setdefault("reason", "–")
    threshold = row.get("threshold")
    params["limit"] = 0.0 if threshold is None or pd.isna(threshold) else float(threshold)
    for src, dst in (("latest_ctr", "latest_pct"), ("trailing_ctr", "trailing_pct")):
        if src in params:
            params[dst] = 100 * float(params[src])
    try:
        return t(f"operations.{row['message_key']}", lang, **params)
    except (KeyError, ValueError, IndexError):
        return f"{row['rule']}: {row['subject']}"


def _severity(row, lang: str) -> html.Strong:
    return html.Strong(t(f"operations.alerts.severity.{row['severity']}", lang) + ":", className="me-2")


def draw_alerts(data, lang: str, admin: bool):
    items = []
    for row in data.recorded.to_dict("records"):
        button = dbc.Button(t("operations.alerts.ack", lang), id={"type": f"{PAGE}-ack", "alert": row["alert_id"]},
                            size="sm", color="light", className="ms-3") if admin else None
        items.append(dbc.Alert([_severity(row, lang), alert_message(row, lang), button],
                               color="danger" if row["severity"] == "critical" else "warning",
                               className="d-flex align-items-center mb-2", id=f"{PAGE}-alert-{row['alert_id']}"))
    for row in data.live.to_dict("records"):
        items.append(dbc.Alert([_severity(row, lang), alert_message(row, lang),
                                dbc.Badge(t("operations.alerts.live_badge", lang), color="secondary",
                                          className="ms-2")],
                               color="danger" if row["severity"] == "critical" else "warning",
                               className="mb-2 operations-live-alert"))
    if not items:
        items = [dbc.Alert(t("operations.alerts.none", lang), color="success", className="mb-2",
                           id=f"{PAGE}-no-alerts")]
    return items
