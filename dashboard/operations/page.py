"""Operations tab: experiments (session-level), usage, errors, model and data health, monitoring, alerts;
live refresh; audience mode (?audience=1: the experiment panel in large type, a QR code, reset demo); admin only.
The URL holds the view (exp, mode, mde, start, end), so a copied link or a language switch restores it.

Each section is load (dashboard.operations.data) -> draw (dashboard.operations.view) through two caches
that keep live refresh cheap for many viewers: CACHE reuses a section while the data state it read is
unchanged (dashboard/common/cache.py), and DRAWN reuses the figures and tables of a section whose
freshly loaded data equal what was drawn before (a click changes the A/B panel, not the usage charts).
The bench times the render_* functions directly.

With EDULOOP_ADMIN_PASSWORD set, the layout and every callback check the request's HTTP Basic
credentials (Dash fetches both through POSTs, so guarding the page's HTML alone is not enough).
"""
from __future__ import annotations

import hashlib
import pickle
from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.common.admin_actions import AdminActionError, acknowledge_alert, run_monitor_job, run_reset_demo_job
from dashboard.common.auth import auth_enabled, is_admin
from dashboard.common.cache import LiveCache
from dashboard.common.context import log_event, request_lang, settings
from dashboard.common.data import current_provenance
from dashboard.common.i18n import t
from dashboard.common.provenance import demo_badge, empty_kind, empty_state
from dashboard.operations import data, view
from warehouse.settings import Settings

PAGE = "operations"
REFRESH_MS = 3000
AUDIENCE_REFRESH_MS = 1000   # the big screen: a phone click shows within ~2 s on an idle machine
DEFAULT_MDE_PCT = 10
MODES = ("sequential", "fixed")
EVENT_KINDS = ("events",)
dash.register_page(__name__, path="/operations", order=3, name="Operations", title="EduLoop · Operations")


# ---- sections: load (data) -> draw (view), through two caches -----------------------------------
CACHE = LiveCache(max_age_s=1.0, refresh_every_s=0.5)
DRAWN = LiveCache(max_age_s=0, maxsize=64)


def _section(cfg: Settings, key: tuple, load, draw, *, per_minute: bool = False, exact: bool = False,
             reads_events: bool = True):
    """load() -> data -> draw(data), through both caches; time-windowed sections also depend on the minute."""
    def state():
        minute = data.utc_now().strftime("%Y%m%d%H%M") if per_minute else None
        return minute, data.data_state(cfg, events=reads_events)

    def compute():
        loaded = load()
        digest = hashlib.blake2b(pickle.dumps(loaded, protocol=5), digest_size=16).hexdigest()
        return DRAWN.get((*key, digest), lambda: None, lambda: draw(loaded))

    return CACHE.get((str(cfg.db_path), str(cfg.events_dir), *key), state, compute, exact=exact)


def clear_caches() -> None:
    """Forget every cached section (benchmarks time the full path with it)."""
    CACHE.clear()
    DRAWN.clear()


def render_ab(cfg: Settings, lang: str, cumulative: bool):
    """Advice impression and click counts, CTR-over-time figure (tiny days greyed, today hollow)."""
    today = data.utc_now().date()
    return _section(cfg, ("ab", lang, cumulative, today), lambda: data.load_ab(cfg),
                    lambda loaded: view.draw_ab(loaded, lang, cumulative, today))


def render_experiment(cfg: Settings, lang: str, key: str | None, mde_pct: float, mode: str, *, big: bool = False):
    """Session-level result of one experiment (sequential and fixed-horizon) and its peeking chart."""
    return _section(cfg, ("experiment", lang, key, mde_pct, mode, big),
                    lambda: data.load_experiment(cfg, key, mde=mde_pct / 100),
                    lambda loaded: view.draw_experiment(loaded, lang, mode, big=big), per_minute=True)


def render_monitoring(cfg: Settings, lang: str):
    """/predict latency and errors per hour, champion vs challenger, alert history."""
    # hourly latency and daily RMSE need no per-click freshness: once a minute (or on a new warehouse) is enough,
    # and keeps this section out of the per-click refresh work
    return _section(cfg, ("monitoring", lang), lambda: data.load_monitoring(cfg),
                    lambda loaded: view.draw_monitoring(loaded, lang), per_minute=True, reads_events=False)


def render_usage(cfg: Settings, lang: str, start: date | None, end: date | None, *, days: int = 30):
    """KPIs with trends, page views and predictions figures, recommendation click-through, the range used."""
    return _section(cfg, ("usage", lang, start, end, days), lambda: data.load_usage(cfg, start, end, days=days),
                    lambda loaded: view.draw_usage(loaded, lang))


def render_errors(cfg: Settings, lang: str):
    """Error count of the last 24 h, messages grouped, and the newest error events (tables)."""
    return _section(cfg, ("errors", lang), lambda: data.load_errors(cfg), lambda loaded: view.draw_errors(loaded, lang),
                    per_minute=True)


def render_health(cfg: Settings, lang: str, *, exact: bool = False):
    """Meta line, model block (production, versions, metrics, performance), drift block (PSI + table)."""
    return _section(cfg, ("health", lang), lambda: data.load_health(cfg), lambda loaded: view.draw_health(loaded, lang),
                    exact=exact, reads_events=False)


def render_alerts(cfg: Settings, lang: str, admin: bool, *, exact: bool = False):
    """The banner: recorded open alerts (with Acknowledge for admins) and live ones not yet recorded."""
    return _section(cfg, ("alerts", lang, admin), lambda: data.load_alerts(cfg),
                    lambda loaded: view.draw_alerts(loaded, lang, admin), per_minute=True, exact=exact)


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _card(title_key: str, body, lang: str, card_id: str, badge=None) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H5([t(title_key, lang), badge], className="mb-0")), dbc.CardBody(body)],
                    className="mb-3", id=card_id)


def _events_body(body, provenance: dict, lang: str, name: str) -> html.Div:
    """The panel, or (real warehouse without events) the events empty state with the panel hidden."""
    empty = empty_kind(provenance, EVENT_KINDS) is not None
    return html.Div([empty_state("events", lang, _id(f"{name}-empty")) if empty else None,
                     html.Div(body, style={"display": "none"} if empty else None)])


def _predict_url(lang: str) -> str:
    """The Predict page on this server, as phones in the room reach it."""
    return (flask.request.host_url if flask.has_request_context() else "/") + f"predict?lang={lang}"


def _experiment_options(experiments, lang: str) -> list[dict]:
    return [{"label": f"{key} ({t(f'experiments.status.{status}', lang)})", "value": key}
            for key, status in experiments.itertuples(index=False)]


def _float(value, default: float, low: float, high: float) -> float:
    try:
        return float(value) if low < float(value) <= high else default
    except (TypeError, ValueError):
        return default


def _login_required(lang: str) -> html.Div:
    return html.Div([
        html.H3(t("nav.operations", lang)),
        dbc.Alert([html.Div(t("operations.login_required", lang)),
                   dbc.Button(t("operations.login", lang), href=f"/operations?lang={lang}", external_link=True,
                              color="primary", className="mt-2", id=_id("login"))],
                  color="warning", id=_id("login-required")),
    ], id=f"{PAGE}-page")


def layout(lang: str | None = None, exp: str | None = None, mode: str | None = None, mde=None,
           start: str | None = None, end: str | None = None, audience: str | None = None, **query) -> html.Div:
    """Page layout from the URL (experiment, result mode, MDE, period; audience=1 is the big-screen view),
    or the login notice when a password is set and the request has no valid login."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    if not is_admin():
        return _login_required(lang)
    cfg = settings()
    prov = current_provenance(cfg.db_path)
    big = audience == "1"
    badge = lambda name, kinds=EVENT_KINDS: demo_badge(prov, kinds, lang, _id(f"{name}-demo"))
    experiments = data.list_experiments(cfg)
    exp = data.pick_experiment(experiments, exp)
    mode, mde = mode if mode in MODES else MODES[0], _float(mde, DEFAULT_MDE_PCT, 0, 100)
    # The A/B panel's first view is rendered here (the callbacks then run on the first refresh or a change), so
    # the page's first figure needs no callback round trip.
    summary, looks = render_experiment(cfg, lang, exp, mde, mode, big=big)
    ab_kpis, ab_time = (None, None) if big else render_ab(cfg, lang, False)
    graph = lambda name, figure=None: dcc.Graph(id=_id(name), config={"displaylogo": False}, figure=figure)
    ab = html.Div([
        dbc.Row([
            dbc.Col([dbc.Label(t("experiments.pick", lang), html_for=_id("exp")),
                     dcc.Dropdown(id=_id("exp"), value=exp, clearable=False,
                                  options=_experiment_options(experiments, lang))], md=3),
            dbc.Col([dbc.Label(t("experiments.mode", lang), html_for=_id("mode")),
                     dbc.RadioItems(id=_id("mode"), value=mode, inline=True,
                                    options=[{"label": t(f"experiments.mode.{m}", lang), "value": m}
                                             for m in MODES])], md=4),
            dbc.Col([dbc.Label(t("operations.ab.mde", lang), html_for=_id("mde")),
                     dbc.Input(id=_id("mde"), type="number", min=1, max=100, step=1, debounce=True,
                               value=mde)], md=2),
            dbc.Col(dbc.Switch(id=_id("cumulative"), label=t("operations.ab.cumulative", lang), value=False),
                    md=3, className="d-flex align-items-end"),
        ], className="g-2 mb-2"),
        html.Div(summary, id=_id("exp-summary"), className="mb-2"),
        dbc.Row([dbc.Col(graph("exp-looks", looks), md=7), dbc.Col(graph("ab-time", ab_time), md=5)]),
        html.Div(ab_kpis, id=_id("ab-kpis"), className="mt-2"),
    ], className="fs-5" if big else None)
    usage = html.Div([
        dbc.Row([
            dbc.Col([dbc.Label(t("operations.usage.range", lang), html_for=_id("dates")),
                     html.Div(dcc.DatePickerRange(id=_id("dates"), display_format="YYYY-MM-DD",
                                                  start_date=start, end_date=end))], md="auto"),
            dbc.Col([dbc.Button(t("operations.usage.last7", lang), id=_id("last7"), size="sm", outline=True,
                                color="primary", className="me-1"),
                     dbc.Button(t("operations.usage.last30", lang), id=_id("last30"), size="sm", outline=True,
                                color="primary")], md="auto", className="d-flex align-items-end"),
        ], className="g-2 mb-2"),
        html.Div(id=_id("usage-kpis"), className="mb-2"),
        dbc.Row([dbc.Col(graph("usage-views"), md=7), dbc.Col(graph("usage-predictions"), md=5)]),
        html.Div(id=_id("usage-rec")),
    ])
    hidden = {"display": "none"} if big else None   # audience: only the experiment panel; _guard(big) skips the rest
    return html.Div([
        html.H3(t("nav.operations", lang)),
        html.P(t("operations.intro", lang), className="text-muted", style=hidden),
        dbc.Alert(t("common.demo_mode", lang), color="info", id=_id("demo-mode"), style=hidden)
        if not auth_enabled() else None,
        html.Div(id=_id("meta"), className="small text-muted mb-2", style=hidden),
        dbc.Row([
            dbc.Col(dbc.Switch(id=_id("live"), label=t("operations.live", lang), value=True), md="auto"),
            dbc.Col(dbc.Button(t("operations.alerts.run_monitor", lang), id=_id("run-monitor"), size="sm",
                               color="secondary"), md="auto"),
            dbc.Col(dbc.Button(t("audience.open", lang), id=_id("audience-link"), size="sm", color="primary",
                               outline=True, external_link=True, href=f"/operations?lang={lang}&audience=1&exp={exp}"),
                    md="auto"),
            dbc.Col(dcc.Loading(html.Div(id=_id("monitor-status"), className="small")), md=True),
        ], className="g-2 mb-2 align-items-center", style=hidden),
        html.Div(html.Div(id=_id("alerts")), style=hidden),
        view.audience_card(_predict_url(lang), lang) if big else None,
        _card("operations.ab.title", _events_body(ab, prov, lang, "ab"), lang, _id("ab-card"), badge("ab")),
        html.Div([
            _card("operations.usage.title", _events_body(usage, prov, lang, "usage"), lang, _id("usage-card"),
                  badge("usage")),
            _card("operations.errors.title", _events_body(html.Div(id=_id("errors")), prov, lang, "errors"), lang,
                  _id("errors-card"), badge("errors")),
            _card("operations.health.title", html.Div([html.Div(id=_id("model")), html.H6(
                t("operations.drift.title", lang), className="mt-3"), html.Div(id=_id("drift"))]), lang,
                  _id("health-card"), badge("health", ("students", "events"))),
            _card("monitoring.title", html.Div(id=_id("monitoring")), lang, _id("monitoring-card"),
                  badge("monitoring")),
        ], style=hidden),
        dcc.Interval(id=_id("interval"), interval=AUDIENCE_REFRESH_MS if big else REFRESH_MS, disabled=False),
        dcc.Store(id=_id("lang"), data=lang),
        dcc.Store(id=_id("big"), data=big),
        dcc.Store(id=_id("ack-store")),
        html.Div(id=_id("url-sync"), hidden=True),
    ], id=f"{PAGE}-page", className="operations-audience" if big else None)


def _guard(audience: bool = False) -> None:
    """No admin login (Dash answers 204), or a panel the audience view hides: nothing changes."""
    if audience or not is_admin():
        raise PreventUpdate


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@callback(Output(_id("interval"), "disabled"), Input(_id("live"), "value"))
def toggle_live(live):
    """Live refresh on or off."""
    return not bool(live)


# prevent_initial_call (this and the experiment panel): the layout renders their first view.
@callback(Output(_id("ab-kpis"), "children"), Output(_id("ab-time"), "figure"),
          Input(_id("interval"), "n_intervals"), Input(_id("cumulative"), "value"), State(_id("lang"), "data"),
          State(_id("big"), "data"), prevent_initial_call=True)
def update_ab(_n, cumulative, lang, big):
    """Advice counts and CTR per day."""
    _guard(big)
    return render_ab(settings(), lang, bool(cumulative))


@callback(Output(_id("exp-summary"), "children"), Output(_id("exp-looks"), "figure"),
          Input(_id("interval"), "n_intervals"), Input(_id("exp"), "value"), Input(_id("mode"), "value"),
          Input(_id("mde"), "value"), State(_id("lang"), "data"), State(_id("big"), "data"), prevent_initial_call=True)
def update_experiment(_n, key, mode, mde, lang, big):
    """Experiment panel: session-level results, sequential first by default, and the peeking chart."""
    _guard()
    return render_experiment(settings(), lang, key if isinstance(key, str) else None,
                             _float(mde, DEFAULT_MDE_PCT, 0, 100), mode if mode in MODES else MODES[0],
                             big=bool(big))


@callback(Output(_id("monitoring"), "children"), Input(_id("interval"), "n_intervals"), State(_id("lang"), "data"),
          State(_id("big"), "data"))
def update_monitoring(_n, lang, big):
    """Latency, challenger and alert-history panel."""
    _guard(big)
    return render_monitoring(settings(), lang)


# Keep experiment, mode, MDE and period in the address bar (replaceState: no reload, no history spam) and in
# the language buttons, so a copied link or a language switch restores the same view.
clientside_callback(
    """function(exp, mode, mde, start, end) {
        const vals = {exp: exp, mode: mode, mde: mde, start: start, end: end};
        const params = new URLSearchParams(window.location.search);
        Object.entries(vals).forEach(([k, v]) => {
            if (v !== null && v !== undefined && v !== '') { params.set(k, v); } else { params.delete(k); } });
        window.history.replaceState(null, '', window.location.pathname + '?' + params.toString());
        ['ja', 'en'].forEach(l => {
            const b = document.getElementById('lang-' + l);
            if (b) { params.set('lang', l); b.setAttribute('href', window.location.pathname + '?' + params); }
        });
        return '';
    }""",
    Output(_id("url-sync"), "children"), Input(_id("exp"), "value"), Input(_id("mode"), "value"),
    Input(_id("mde"), "value"), Input(_id("dates"), "start_date"), Input(_id("dates"), "end_date"))


@callback(output={"kpis": Output(_id("usage-kpis"), "children"), "views": Output(_id("usage-views"), "figure"),
                  "predictions": Output(_id("usage-predictions"), "figure"),
                  "rec": Output(_id("usage-rec"), "children"),
                  "start_date": Output(_id("dates"), "start_date"), "end_date": Output(_id("dates"), "end_date")},
          inputs={"_n": Input(_id("interval"), "n_intervals"), "start": Input(_id("dates"), "start_date"),
                  "end": Input(_id("dates"), "end_date"), "_last7": Input(_id("last7"), "n_clicks"),
                  "_last30": Input(_id("last30"), "n_clicks"), "lang": State(_id("lang"), "data"),
                  "big": State(_id("big"), "data")})
def update_usage(_n, start, end, _last7, _last30, lang, big):
    """Usage panel; the 7 / 30 day buttons reset the range to end at the last day with data."""
    _guard(big)
    preset = {_id("last7"): 7, _id("last30"): 30}.get(ctx.triggered_id)
    if preset:
        return render_usage(settings(), lang, None, None, days=preset)
    return render_usage(settings(), lang, _day(start), _day(end))


@callback(Output(_id("errors"), "children"), Input(_id("interval"), "n_intervals"), State(_id("lang"), "data"),
          State(_id("big"), "data"))
def update_errors(_n, lang, big):
    """Errors panel."""
    _guard(big)
    return render_errors(settings(), lang)


@callback(Output(_id("meta"), "children"), Output(_id("model"), "children"), Output(_id("drift"), "children"),
          Input(_id("interval"), "n_intervals"), Input(_id("monitor-status"), "children"),
          State(_id("lang"), "data"), State(_id("big"), "data"))
def update_health(_n, _status, lang, big):
    """Meta line, model health and drift (straight after a monitor run, never a cached view of before)."""
    _guard(big)
    return render_health(settings(), lang, exact=ctx.triggered_id == _id("monitor-status"))


@callback(Output(_id("alerts"), "children"), Input(_id("interval"), "n_intervals"), Input(_id("ack-store"), "data"),
          Input(_id("monitor-status"), "children"), State(_id("lang"), "data"), State(_id("big"), "data"))
def update_alerts(_n, _ack, _status, lang, big):
    """Alerts banner (straight after an acknowledgement or monitor run, never a cached view of before)."""
    _guard(big)
    return render_alerts(settings(), lang, admin=True,
                              exact=ctx.triggered_id in (_id("ack-store"), _id("monitor-status")))


@callback(Output(_id("ack-store"), "data"), Input({"type": _id("ack"), "alert": ALL}, "n_clicks"),
          prevent_initial_call=True)
def acknowledge(clicks):
    """Acknowledge the clicked alert (an admin event; the banner drops it on the next refresh)."""
    _guard()
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate   # a button was (re)rendered, not clicked
    try:
        return acknowledge_alert(str(trigger.get("alert")))
    except AdminActionError:
        raise PreventUpdate from None   # already gone; the banner refreshes anyway


@callback(Output(_id("monitor-status"), "children"), Input(_id("run-monitor"), "n_clicks"),
          State(_id("lang"), "data"), prevent_initial_call=True)
def run_monitor(clicks, lang):
    """Run the monitor pipeline now (a subprocess: the pipeline writes, not the app)."""
    if not clicks:
        raise PreventUpdate
    if not is_admin():
        return t("operations.alerts.admin_only", lang)
    try:
        summary = run_monitor_job()
    except AdminActionError as exc:
        return dbc.Alert(t("operations.alerts.monitor_failed", lang, reason=str(exc)), color="danger")
    return t("operations.alerts.monitor_done", lang, run_id=summary["run_id"],
             drifted=len(summary["drifted_features"]), raised=len(summary["alerts_raised"]))


@callback(Output(_id("reset-status"), "children"), Output(_id("exp"), "options"), Output(_id("exp"), "value"),
          Input(_id("reset-demo"), "n_clicks"), State(_id("lang"), "data"), prevent_initial_call=True)
def reset_demo(clicks, lang):
    """Admin only: declare a fresh demo experiment (a subprocess, like every admin job) and show it."""
    if not clicks:
        raise PreventUpdate
    if not is_admin():
        return t("operations.alerts.admin_only", lang), dash.no_update, dash.no_update
    try:
        key = run_reset_demo_job()["created"]
    except AdminActionError as exc:
        return dbc.Alert(t("audience.reset_failed", lang, reason=str(exc)), color="danger"), dash.no_update, \
            dash.no_update
    options = _experiment_options(data.list_experiments(settings()), lang)
    return t("audience.reset_done", lang, experiment=key), options, key
