"""Operations tab: A/B test, usage, errors, model and data health, alerts; live refresh; admin only.

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
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.common.admin_actions import AdminActionError, acknowledge_alert, run_monitor_job
from dashboard.common.auth import auth_enabled, is_admin
from dashboard.common.cache import LiveCache
from dashboard.common.context import log_event, request_lang, settings
from dashboard.common.i18n import t
from dashboard.operations import data, view
from warehouse.settings import Settings

PAGE = "operations"
REFRESH_MS = 3000
DEFAULT_MDE_PCT = 10
POWERS = (0.8, 0.9)
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


def render_ab(cfg: Settings, lang: str, mde_pct: float, power: float, cumulative: bool):
    """KPIs, CTR-by-variant figure, CTR-over-time figure, checks (SRM, sample size, peeking), table."""
    return _section(cfg, ("ab", lang, mde_pct, power, cumulative),
                    lambda: data.load_ab(cfg, mde=mde_pct / 100, power=power),
                    lambda loaded: view.draw_ab(loaded, lang, mde_pct, power, cumulative))


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


def _card(title_key: str, body, lang: str, card_id: str) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H5(t(title_key, lang), className="mb-0")), dbc.CardBody(body)],
                    className="mb-3", id=card_id)


def _login_required(lang: str) -> html.Div:
    return html.Div([
        html.H3(t("nav.operations", lang)),
        dbc.Alert([html.Div(t("operations.login_required", lang)),
                   dbc.Button(t("operations.login", lang), href=f"/operations?lang={lang}", external_link=True,
                              color="primary", className="mt-2", id=_id("login"))],
                  color="warning", id=_id("login-required")),
    ], id=f"{PAGE}-page")


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout (or the login notice when a password is set and the request has no valid login)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    if not is_admin():
        return _login_required(lang)
    graph = lambda name: dcc.Graph(id=_id(name), config={"displaylogo": False})
    ab = html.Div([
        dbc.Row([
            dbc.Col([dbc.Label(t("operations.ab.mde", lang), html_for=_id("mde")),
                     dbc.Input(id=_id("mde"), type="number", min=1, max=100, step=1, value=DEFAULT_MDE_PCT,
                               debounce=True)], md=3),
            dbc.Col([dbc.Label(t("operations.ab.power", lang), html_for=_id("power")),
                     dcc.Dropdown(id=_id("power"), value=POWERS[0], clearable=False,
                                  options=[{"label": f"{int(p * 100)} %", "value": p} for p in POWERS])], md=2),
            dbc.Col(dbc.Switch(id=_id("cumulative"), label=t("operations.ab.cumulative", lang), value=False),
                    md=3, className="d-flex align-items-end"),
        ], className="g-2 mb-2"),
        html.Div(id=_id("ab-kpis"), className="mb-2"),
        dbc.Row([dbc.Col(graph("ab-ctr"), md=5), dbc.Col(graph("ab-time"), md=7)]),
        html.Div(id=_id("ab-checks")),
        html.Div(id=_id("ab-table")),
    ])
    usage = html.Div([
        dbc.Row([
            dbc.Col([dbc.Label(t("operations.usage.range", lang), html_for=_id("dates")),
                     html.Div(dcc.DatePickerRange(id=_id("dates"), display_format="YYYY-MM-DD"))], md="auto"),
            dbc.Col([dbc.Button(t("operations.usage.last7", lang), id=_id("last7"), size="sm", outline=True,
                                color="primary", className="me-1"),
                     dbc.Button(t("operations.usage.last30", lang), id=_id("last30"), size="sm", outline=True,
                                color="primary")], md="auto", className="d-flex align-items-end"),
        ], className="g-2 mb-2"),
        html.Div(id=_id("usage-kpis"), className="mb-2"),
        dbc.Row([dbc.Col(graph("usage-views"), md=7), dbc.Col(graph("usage-predictions"), md=5)]),
        html.Div(id=_id("usage-rec")),
    ])
    return html.Div([
        html.H3(t("nav.operations", lang)),
        html.P(t("operations.intro", lang), className="text-muted"),
        dbc.Alert(t("common.demo_mode", lang), color="info", id=_id("demo-mode")) if not auth_enabled() else None,
        html.Div(id=_id("meta"), className="small text-muted mb-2"),
        dbc.Row([
            dbc.Col(dbc.Switch(id=_id("live"), label=t("operations.live", lang), value=True), md="auto"),
            dbc.Col(dbc.Button(t("operations.alerts.run_monitor", lang), id=_id("run-monitor"), size="sm",
                               color="secondary"), md="auto"),
            dbc.Col(dcc.Loading(html.Div(id=_id("monitor-status"), className="small")), md=True),
        ], className="g-2 mb-2 align-items-center"),
        html.Div(id=_id("alerts")),
        _card("operations.ab.title", ab, lang, _id("ab-card")),
        _card("operations.usage.title", usage, lang, _id("usage-card")),
        _card("operations.errors.title", html.Div(id=_id("errors")), lang, _id("errors-card")),
        _card("operations.health.title", html.Div([html.Div(id=_id("model")), html.H6(
            t("operations.drift.title", lang), className="mt-3"), html.Div(id=_id("drift"))]), lang,
              _id("health-card")),
        dcc.Interval(id=_id("interval"), interval=REFRESH_MS, disabled=False),
        dcc.Store(id=_id("lang"), data=lang),
        dcc.Store(id=_id("ack-store")),
    ], id=f"{PAGE}-page")


def _guard() -> None:
    """Refuse a callback request without a valid admin login (Dash answers 204, nothing changes)."""
    if not is_admin():
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


@callback(Output(_id("ab-kpis"), "children"), Output(_id("ab-ctr"), "figure"), Output(_id("ab-time"), "figure"),
          Output(_id("ab-checks"), "children"), Output(_id("ab-table"), "children"),
          Input(_id("interval"), "n_intervals"), Input(_id("mde"), "value"), Input(_id("power"), "value"),
          Input(_id("cumulative"), "value"), State(_id("lang"), "data"))
def update_ab(_n, mde, power, cumulative, lang):
    """A/B panel."""
    _guard()
    mde = float(mde) if isinstance(mde, (int, float)) and 0 < mde <= 100 else DEFAULT_MDE_PCT
    power = power if power in POWERS else POWERS[0]
    return render_ab(settings(), lang, mde, power, bool(cumulative))


@callback(output={"kpis": Output(_id("usage-kpis"), "children"), "views": Output(_id("usage-views"), "figure"),
                  "predictions": Output(_id("usage-predictions"), "figure"),
                  "rec": Output(_id("usage-rec"), "children"),
                  "start_date": Output(_id("dates"), "start_date"), "end_date": Output(_id("dates"), "end_date")},
          inputs={"_n": Input(_id("interval"), "n_intervals"), "start": Input(_id("dates"), "start_date"),
                  "end": Input(_id("dates"), "end_date"), "_last7": Input(_id("last7"), "n_clicks"),
                  "_last30": Input(_id("last30"), "n_clicks"), "lang": State(_id("lang"), "data")})
def update_usage(_n, start, end, _last7, _last30, lang):
    """Usage panel; the 7 / 30 day buttons reset the range to end at the last day with data."""
    _guard()
    preset = {_id("last7"): 7, _id("last30"): 30}.get(ctx.triggered_id)
    if preset:
        return render_usage(settings(), lang, None, None, days=preset)
    return render_usage(settings(), lang, _day(start), _day(end))


@callback(Output(_id("errors"), "children"), Input(_id("interval"), "n_intervals"), State(_id("lang"), "data"))
def update_errors(_n, lang):
    """Errors panel."""
    _guard()
    return render_errors(settings(), lang)


@callback(Output(_id("meta"), "children"), Output(_id("model"), "children"), Output(_id("drift"), "children"),
          Input(_id("interval"), "n_intervals"), Input(_id("monitor-status"), "children"),
          State(_id("lang"), "data"))
def update_health(_n, _status, lang):
    """Meta line, model health and drift (straight after a monitor run, never a cached view of before)."""
    _guard()
    return render_health(settings(), lang, exact=ctx.triggered_id == _id("monitor-status"))


@callback(Output(_id("alerts"), "children"), Input(_id("interval"), "n_intervals"), Input(_id("ack-store"), "data"),
          Input(_id("monitor-status"), "children"), State(_id("lang"), "data"))
def update_alerts(_n, _ack, _status, lang):
    """Alerts banner (straight after an acknowledgement or monitor run, never a cached view of before)."""
    _guard()
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
