"""Pure builders of each Operations section: loaded data -> figures and components, translated."""
from __future__ import annotations

import json
import math
import re

import dash_bootstrap_components as dbc
import pandas as pd
import segno
from dash import dcc, html

from analytics import ops_figures as figs
from analytics.ab_sessions import significance_label
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import TABLE, labels, t
from dashboard.common.provenance import empty_kind, empty_state
from dashboard.operations.strings import CODE_PREFIXES

PAGE = "operations"
UIREVISION = "operations"   # keep zoom and legend choices across live refreshes


def _cols(lang: str, *names: str) -> dict[str, str]:
    return {name: t(f"operations.col.{name}", lang) for name in names}


def _word(kind: str, value, lang: str):
    """A stored code in words of `lang` ('figure render timeout' -> '..._figure_render_timeout'), else the value."""
    if kind == "pages" and isinstance(value, str):   # a ', '-joined list of page codes
        return ", ".join(_word("page", p, lang) for p in value.split(", "))
    keys = [p + "_".join(re.findall(r"[a-z0-9]+", str(value).lower())) for p in CODE_PREFIXES.get(kind, ())]
    return next((t(k, lang) for k in keys if k in TABLE), value)


def words(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every code column of `df` in words of `lang` (CODE_PREFIXES); other columns unchanged."""
    return df.assign(**{c: df[c].astype(object).map(lambda v, c=c: _word(c, v, lang)) for c in df.columns
                        if c in CODE_PREFIXES or c == "pages"})


def _fmt_ts(value) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def _pct(value, digits: int = 2):
    return None if value is None or pd.isna(value) else round(100 * float(value), digits)


def _live(fig):
    fig.update_layout(uirevision=UIREVISION, margin={"t": 50, "l": 60, "r": 20, "b": 50})
    return fig


# ---- A/B ------------------------------------------------------------------------------------
def draw_ab(data, lang: str, cumulative: bool, today=None):
    """Advice impressions and clicks and the CTR per day (tiny days greyed, today hollow). No test here: impressions
    of a session are not independent, so tests live in the session-level draw_experiment."""
    counts = data.counts
    kpis = [dbc.Col(kpi_card(t(f"operations.ab.kpi.{k}", lang), f"{int(counts[k].sum()):,}", f"{PAGE}-kpi-{k}"),
                    md=True) for k in ("impressions", "clicks")]
    fig = figs.make_ctr_over_time_figure(data.over_time, labels("operations.fig.", lang), cumulative=cumulative,
                                         min_n=MIN_SESSIONS, partial_day=today)
    return dbc.Row(kpis, className="g-2"), _live(fig)


# ---- usage ----------------------------------------------------------------------------------
def trend_text(comparison: dict, key: str, lang: str) -> str:
    """Change vs the previous period on complete days only, or the reason there is no comparison."""
    days = comparison.get("days", 0)
    if comparison.get("previous_totals") is None:
        return t("operations.usage.prev_incomplete", lang, days=days)
    now, before = comparison["current_totals"][key], comparison["previous_totals"][key]
    if before == 0:
        return t("operations.usage.no_previous", lang, days=days)
    return t("operations.usage.trend", lang, change=f"{100 * (now - before) / before:+.1f} %", days=days)


def draw_usage(data, lang: str):
    text = labels("operations.fig.", lang)
    kpis = dbc.Row([dbc.Col(kpi_card(t(f"operations.usage.kpi.{key}", lang), f"{data.totals[key]:,}",
                                     f"{PAGE}-kpi-{key.replace('_', '-')}",
                                     note=trend_text(data.comparison, key, lang)), md=True)
                    for key in ("page_views", "sessions", "predictions")], className="g-2")
    if data.comparison.get("partial_today"):
        kpis = html.Div([kpis, html.Div(t("operations.usage.partial_today", lang), className="small text-muted",
                                        id=f"{PAGE}-partial-today")])
    pred_labels = {k.removeprefix("predictions."): v for k, v in text.items() if k.startswith("predictions.")}
    predictions = figs.make_daily_counts_figure(data.predictions, {**pred_labels, "no_data": text["no_data"]})
    rec = data.rec_totals
    ctr = "–" if rec["shown"] == 0 else f"{100 * rec['ctr']:.1f} %"
    note = None if rec["shown"] == 0 else f"[{100 * rec['ctr_low']:.1f} – {100 * rec['ctr_high']:.1f}] %"
    daily = data.recommendations   # a day of a handful of lists shows counts but no rate (2 of 2 is not 100 %)
    rates = [_pct(v, 1) if n >= MIN_SESSIONS else None for v, n in zip(daily["ctr"], daily["shown"])]
    recs = daily.assign(ctr_pct=pd.Series(rates, index=daily.index, dtype=object))
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
    return {"kpis": kpis, "views": _live(figs.make_page_views_figure(data.page_views, text)),
            "predictions": _live(predictions), "rec": rec_block,
            "start_date": data.start.isoformat(), "end_date": data.end.isoformat()}


# ---- errors ---------------------------------------------------------------------------------
def draw_errors(data, lang: str):
    messages = words(data.messages.assign(last_seen=data.messages["last_seen"].map(_fmt_ts)), lang)
    latest = words(data.latest.assign(ts=data.latest["ts"].map(_fmt_ts)), lang)
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
    text = labels("operations.fig.", lang)
    meta = t("operations.meta", lang, **{k: _word(k, v, lang) or t("operations.unknown", lang)
                                         for k, v in data.meta.items()})
    prod = data.production
    cards = dbc.Row([
        dbc.Col(kpi_card(t("operations.health.production", lang), prod["version"] if prod else "–",
                         f"{PAGE}-kpi-model", note=None if prod else t("operations.health.none", lang)), md=4),
        dbc.Col(kpi_card(t("operations.health.trained_at", lang), _fmt_ts(prod["created_at"]) if prod else "–"),
                md=4),
    ], className="g-2 mb-2")
    versions = words(data.versions.drop(columns=["test_metrics"]).assign(
        created_at=data.versions["created_at"].map(_fmt_ts)), lang)
    perf_labels = {k.removeprefix("performance."): v for k, v in text.items() if k.startswith("performance.")}
    model = html.Div([
        cards,
        _graph(figs.make_model_metrics_figure(data.metrics, text), f"{PAGE}-model-metrics"),
        _performance(data, perf_labels, lang),
        html.H6(t("operations.health.versions", lang)),
        csv_table(f"{PAGE}-model-versions", versions, lang, page_size=8, columns=_cols(lang, *versions.columns)),
    ])
    if data.drift.empty:
        drift = dbc.Alert(t("operations.drift.none", lang), color="secondary")
    else:
        run = data.last_run or {}
        keep = [c for c in ("feature", "kind", "psi", "jsd", "band", "test", "statistic", "p_value", "drifted")
                if c in data.drift.columns]
        named = data.drift.assign(feature=words(data.drift[["feature"]], lang)["feature"])
        rows = words(data.drift[keep].round(4), lang)
        drift = html.Div([
            html.Div(t("operations.drift.window", lang, run_id=run.get("run_id", "?"),
                       when=_fmt_ts(run.get("run_at")), current=f"{run.get('current_rows', 0):,}",
                       reference=f"{run.get('reference_rows', 0):,}"), className="small text-muted"),
            _graph(figs.make_psi_figure(named, text), f"{PAGE}-psi"),
            csv_table(f"{PAGE}-drift-table", rows, lang, columns=_cols(lang, *rows.columns)),
        ])
    return meta, model, drift


def _performance(data, perf_labels: dict, lang: str):
    """RMSE over time with the ADWIN/DDM change points, or the outcomes empty state without real outcomes."""
    if data.performance.empty:
        return empty_state("outcomes", lang, f"{PAGE}-performance-empty")
    names = {d: t(f"monitoring.change.{d}", lang) for d in ("adwin", "ddm")}
    fig = figs.make_performance_figure(data.performance, {**perf_labels, **names}, data.change_points)
    note = None if len(data.change_points) else html.Div(t("monitoring.change.none", lang),
                                                          className="small text-muted", id=f"{PAGE}-no-changes")
    return html.Div([_graph(fig, f"{PAGE}-performance"), note])


def _graph(fig, graph_id: str):
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
    return items or [dbc.Alert(t("operations.alerts.none", lang), color="success", className="mb-2",
                               id=f"{PAGE}-no-alerts")]


# ---- experiments (session-level, issue 13) -----------------------------------------------------
MIN_SESSIONS = 30   # below this per variant a rate is greyed out: a handful of sessions swings it wildly


def _ci(low, high, digits: int = 1) -> str:
    return "–" if low is None or high is None else f"[{_pct(low, digits)}, {_pct(high, digits)}] %"


def _verdict(row: dict, mode: str, mde: float, lang: str) -> str:
    if row.get("ctr_lift") is None:
        return t("experiments.control", lang)
    p = row["ctr_seq_p_value"] if mode == "sequential" else row["ctr_p_value_adj"]
    label = significance_label(row["ctr_lift"], math.nan if p is None else p, mde=mde)
    return t(f"experiments.label.{label}", lang, mde=f"{100 * mde:.0f} %")


def experiment_table(report: dict, mode: str, lang: str) -> pd.DataFrame:
    """One row per variant: sessions, counts, CTR and conversion with CIs, the lift of the chosen mode first
    (with its p-value and verdict), the other mode beside it, and P(best) ('> 99.9 %', never 100 %)."""
    action = _word("action", report.get("primary_action", ""), lang)
    rows = []
    for v in report["variants"]:
        seq = {"seq_lift": _ci(v["ctr_seq_lift_low"], v["ctr_seq_lift_high"]), "seq_p_value": v["ctr_seq_p_value_text"]}
        fixed = {"fixed_lift": _ci(v["ctr_lift_low"], v["ctr_lift_high"]), "p_value": v["ctr_p_value_text"]}
        first, second = (seq, fixed) if mode == "sequential" else (fixed, seq)
        rows.append({"variant": v["variant"], "sessions": v["sessions"], "impressions": v["impressions"],
                     "clicks": v["clicks"], "ctr": f"{_pct(v['ctr'])} % {_ci(v['ctr_low'], v['ctr_high'], 2)}",
                     "conversion": f"{_pct(v['conversion'], 1)} %",
                     "lift": "–" if v["ctr_lift"] is None else f"{_pct(v['ctr_lift'], 1):+} %",
                     **first, "verdict": _verdict(v, mode, report["mde"], lang), **second,
                     "prob_best": v["ctr_prob_best_text"]})
    names = {k: t(f"experiments.col.{k}", lang, action=action) for k in
             ("variant", "sessions", "impressions", "clicks", "ctr", "conversion", "lift", "seq_lift",
              "seq_p_value", "fixed_lift", "p_value", "prob_best")}
    names["verdict"], names["lift"] = t("experiments.verdict", lang), t("operations.col.lift_pct", lang)
    return pd.DataFrame(rows).rename(columns=names)


def actions_table(report: dict, primary: str, lang: str) -> pd.DataFrame:
    """Primary action first, then the secondary ones: clicks, clicks per session, share of sessions."""
    actions = pd.DataFrame(report["actions"], columns=["variant", "action", "clicks", "sessions",
                                                       "clicks_per_session", "session_share"])
    if actions.empty:
        return actions
    actions = actions.assign(order=actions["action"] != primary).sort_values(["order", "action", "variant"])
    return pd.DataFrame({
        t("experiments.col.action", lang): [_word("action", a, lang) + (f" ({t('experiments.primary', lang)})"
                                                                       if a == primary else "")
                                            for a in actions["action"]],
        t("experiments.col.variant", lang): actions["variant"],
        t("operations.col.clicks", lang): actions["clicks"],
        t("experiments.col.sessions", lang): actions["sessions"],
        t("experiments.col.clicks_per_session", lang): actions["clicks_per_session"].round(3),
        t("experiments.col.session_share", lang): actions["session_share"].map(lambda v: f"{_pct(v, 1)} %")})


def _srm_alert(report: dict, lang: str) -> dbc.Alert:
    srm = report["srm"]
    share = lambda shares: " / ".join(f"{k} {100 * v:.1f} %" for k, v in (shares or {}).items())
    if srm["mismatch"]:
        return dbc.Alert(t("experiments.srm", lang, observed=share(srm["observed_share"]),
                           planned=share(srm["planned_share"]), p=srm["p_value_text"]),
                         color="danger", id=f"{PAGE}-exp-srm")
    return dbc.Alert(t("experiments.srm_ok", lang, p=srm["p_value_text"]), color="success", id=f"{PAGE}-exp-srm")


def _plain_table(table_id: str, df: pd.DataFrame, lang: str, page_size: int = 12):
    """csv_table of a frame whose column names are already translated."""
    return csv_table(table_id, df, lang, page_size=page_size, columns=dict(zip(df.columns, df.columns)))


def _big_numbers(report: dict, mode: str, lang: str) -> dbc.Row:
    """Audience mode: per variant its CTR, sessions and verdict in a font the back row can read."""
    cards = [dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(v["variant"], className="fs-3 text-muted"),
        html.Div(f"{_pct(v['ctr'], 1)} %", style={"fontSize": "3.5rem", "fontWeight": 600}),
        html.Div(f"{t('experiments.col.sessions', lang)}: {v['sessions']:,}", className="fs-4"),
        html.Div(_verdict(v, mode, report["mde"], lang), className="fs-4"),
    ]), className="text-center h-100"), md=True) for v in report["variants"]]
    return dbc.Row(cards, className="g-3 mb-3", id=f"{PAGE}-exp-big")


def draw_experiment(data, lang: str, mode: str, *, big: bool = False):
    """(summary children, peeking figure) of one experiment; empty states instead of zeros."""
    looks_text = labels("experiments.fig.looks.", lang)
    empty_fig = figs.make_looks_figure(pd.DataFrame(), looks_text)
    if data.experiment is None:
        return dbc.Alert(t("experiments.none", lang), color="secondary", id=f"{PAGE}-exp-none"), _live(empty_fig)
    report = data.report
    if report is None:
        parts = [dbc.Alert(t("experiments.no_variants", lang), color="secondary", id=f"{PAGE}-exp-no-variants")]
        if data.provenance and empty_kind(data.provenance, ("events",)):
            parts.insert(0, empty_state("events", lang, f"{PAGE}-exp-empty"))
        return html.Div(parts), _live(empty_fig)
    report = {**report, "primary_action": data.experiment["primary_action"]}
    table = experiment_table(report, mode, lang)
    small = min(v["sessions"] for v in report["variants"]) < MIN_SESSIONS
    warning = t("experiments.peeking.fixed", lang,
                n=f"{data.required_sessions:,}" if data.required_sessions else t("experiments.fixed_n_unknown", lang))
    peeking = dbc.Alert([html.Strong(t("experiments.peeking.title", lang)), html.Br(),
                         t("experiments.peeking.sequential", lang), html.Br(), warning],
                        color="warning" if mode == "fixed" else "info", id=f"{PAGE}-exp-peeking")
    summary = html.Div([
        html.Div(t("experiments.unit_note", lang), className="small text-muted mb-2", id=f"{PAGE}-exp-unit"),
        _srm_alert(report, lang),
        _big_numbers(report, mode, lang) if big else None,
        html.Div(_plain_table(f"{PAGE}-exp-table", table, lang, 15), id=f"{PAGE}-exp-results",
                 className="text-muted opacity-50" if small else None),
        html.Div(t("experiments.small_n", lang, n=MIN_SESSIONS), className="small text-muted") if small else None,
        peeking,
        html.H6(t("experiments.secondary", lang), className="mt-2"),
        _plain_table(f"{PAGE}-exp-actions", actions_table(report, report["primary_action"], lang), lang),
    ])
    looks = pd.DataFrame(report["looks"])
    fig = figs.make_looks_figure(looks, looks_text, partial_day=data.today)
    if not looks.empty and (pd.to_datetime(looks["day"]).dt.date == data.today).any():
        fig.add_annotation(text=t("experiments.partial_note", lang), showarrow=False, xref="paper", yref="paper",
                           x=1, y=-0.25, xanchor="right", font={"size": 11})
    return summary, _live(fig)


# ---- monitoring: /predict latency, champion vs challenger, alert history ------------------------
def draw_monitoring(data, lang: str):
    """Latency/error figure, challenger block and alert-history table."""
    lat = {k: t(f"monitoring.latency.{k}", lang) for k in ("title", "x", "y", "p50", "p95", "error_rate")}
    lat |= {"y2": lat["error_rate"], "no_data": t("monitoring.latency.none", lang)}
    latency = _graph(figs.make_latency_figure(data.hourly, lat), f"{PAGE}-latency")
    return html.Div([latency, html.H6(t("challenger.title", lang), className="mt-3"), _challenger(data, lang),
                     html.H6(t("alerts.history.title", lang), className="mt-3"),
                     alert_history_table(data.history, lang)])


def _challenger(data, lang: str):
    if data.challenger is None:
        return dbc.Alert(t("challenger.none", lang), color="secondary", id=f"{PAGE}-challenger-none")
    c = data.comparison
    allocation = (data.challenger.get("experiment") or {}).get("allocation") or [0]   # challenger is last
    mode = t(f"challenger.mode.{data.challenger['mode']}", lang, percent=f"{100 * float(allocation[-1]):.0f}")
    if c is None or not (c.n_champion and c.n_challenger):
        return html.Div([html.Div(mode), dbc.Alert(t("challenger.no_outcomes", lang), color="secondary")])
    periods = c.by_period.assign(role=c.by_period["role"].map(lambda r: t(f"challenger.role.{r}", lang)))
    fig = figs.make_challenger_figure(periods, {k: t(f"challenger.fig.{k}", lang) for k in ("title", "x", "y")})
    summary = t("challenger.summary", lang, champion=c.champion, challenger=c.challenger,
                rmse_champion=f"{c.rmse_champion:.2f}", rmse_challenger=f"{c.rmse_challenger:.2f}",
                n_champion=f"{c.n_champion:,}", n_challenger=f"{c.n_challenger:,}")
    return html.Div([html.Div(mode), html.Div(summary, id=f"{PAGE}-challenger-summary"),
                     _graph(fig, f"{PAGE}-challenger")])


def alert_history_table(history: pd.DataFrame, lang: str):
    """Every alert with its translated message and state (open / acknowledged by whom / resolved)."""
    if history.empty:
        return dbc.Alert(t("alerts.history.none", lang), color="light", id=f"{PAGE}-alert-history-none")
    rows = pd.DataFrame({
        "raised_at": history["raised_at"].map(_fmt_ts),
        "severity": history["severity"].map(lambda s: t(f"operations.alerts.severity.{s}", lang)),
        "message": [alert_message(row, lang) for row in history.to_dict("records")],
        "state": history["state"].map(lambda s: t(f"alerts.state.{s}", lang)),
        "acknowledged_by": history["acknowledged_by"].fillna("–"),
        "acknowledged_at": history["acknowledged_at"].map(_fmt_ts),
        "resolved_at": history["resolved_at"].map(_fmt_ts)})
    return csv_table(f"{PAGE}-alert-history", rows, lang, page_size=10,
                     columns={c: t(f"alerts.col.{c}", lang) for c in rows.columns})


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an inline SVG data URI (no file, no network)."""
    return segno.make(url, error="m").svg_data_uri(scale=8, border=2)


def audience_card(url: str, lang: str) -> dbc.Card:
    """QR code that opens `url` (the Predict page) on phones in the room, and the admin's reset-demo button."""
    return dbc.Card(dbc.CardBody(dbc.Row([
        dbc.Col(html.Img(src=qr_data_uri(url), alt=url, id=f"{PAGE}-qr", style={"width": "220px"}), md="auto"),
        dbc.Col([html.H4(t("audience.scan", lang)), html.Code(url, className="fs-5", id=f"{PAGE}-qr-url")]),
        dbc.Col([dbc.Button(t("audience.reset", lang), id=f"{PAGE}-reset-demo", color="warning", size="sm"),
                 dcc.Loading(html.Div(id=f"{PAGE}-reset-status", className="small mt-1"))], md="auto"),
    ], className="align-items-center")), className="mb-3", id=f"{PAGE}-audience")
