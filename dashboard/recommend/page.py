"""Recommend tab: pick a student (search by id or filters), see their profile, history and top-N with reasons;
sliders for K (neighbours) and N; the offline evaluation table and metric-vs-K chart of every method.

Callbacks are thin: inputs -> dashboard.recommend.data (warehouse reads, recommender) -> view.
Showing a list logs one 'recommendation' event (items, k, method); clicking a material logs a 'click'
(material_id, rank), so the list's click-through shows in Operations.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from analytics.student_schema import CATEGORIES
from dashboard.common.context import log_event, request_lang, settings
from dashboard.common.data import current_provenance
from dashboard.common.i18n import t
from dashboard.common.provenance import demo_badge, empty_kind, empty_state
from dashboard.overview.page import overview_layout, register_overview_callbacks
from dashboard.recommend import data as recsys_store
from dashboard.recommend import view
from warehouse.connection import WarehouseMissing
from warehouse.recsys_queries import EVAL_METRICS

PAGE = "recommend"
# The lists, neighbours and evaluation are computed from learning activity over the material catalogue.
DATA_KINDS = ("interactions", "materials")
dash.register_page(__name__, path="/recommend", order=2, name="Recommend", title="EduLoop · Recommend")
register_overview_callbacks(PAGE, drawn_in_layout=False)   # below the recommender and its evaluation
SUBJECTS = ("math", "reading", "writing")
FILTERS = ("school_id", "weakest_subject", "test_prep", "lunch")
MAX_LISTED = 200
K_RANGE, N_RANGE = (5, 100), (1, 20)
EVAL_K = 10


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _bounded(value, low: int, high: int, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _filter_options(name: str, lang: str, schools: list[str]) -> list[dict]:
    if name == "school_id":
        return [{"label": s, "value": s} for s in schools]
    if name == "weakest_subject":
        return [{"label": t(f"recommend.subject.{s}", lang), "value": s} for s in SUBJECTS]
    return [{"label": t(f"cat.{v}", lang), "value": v} for v in CATEGORIES[name]]


def _picker(lang: str, query: dict, schools: list[str], k: int, n: int) -> dbc.Card:
    filters = [dbc.Col([dbc.Label(t(f"recommend.filter.{name}", lang), html_for=_id(f"filter-{name}")),
                        dcc.Dropdown(id=_id(f"filter-{name}"), options=_filter_options(name, lang, schools),
                                     placeholder=t("common.all", lang))], md=6) for name in FILTERS]
    student = (query.get("student") or "")[:64] or None
    return dbc.Card(dbc.CardBody([
        html.H5(t("recommend.pick.title", lang)),
        dbc.Label(t("recommend.search", lang), html_for=_id("search")),
        dbc.Input(id=_id("search"), debounce=True, placeholder=t("recommend.search.placeholder", lang)),
        dbc.Row(filters, className="g-2 mt-1"),
        dbc.Label(t("recommend.student", lang), html_for=_id("student"), className="mt-2"),
        dcc.Dropdown(id=_id("student"), value=student, placeholder=t("recommend.student.placeholder", lang),
                     options=[student] if student else []),
        html.Div(id=_id("matches"), className="small text-muted"),
        dbc.Label(t("recommend.k", lang), html_for=_id("k"), className="mt-3"),
        dcc.Slider(id=_id("k"), min=K_RANGE[0], max=K_RANGE[1], step=5, value=k,
                   marks={v: str(v) for v in (5, 25, 50, 75, 100)}),
        dbc.Label(t("recommend.n", lang), html_for=_id("n")),
        dcc.Slider(id=_id("n"), min=N_RANGE[0], max=N_RANGE[1], step=1, value=n,
                   marks={v: str(v) for v in (1, 5, 10, 15, 20)}),
        dbc.Checklist(id=_id("learning"), options=[{"label": t("recommend.learning", lang), "value": "on"}],
                      value=[], switch=True, className="mt-2"),
    ]))


def _evaluation(lang: str, row: dict | None) -> html.Div:
    if row is None:
        return html.Div()
    frame = recsys_store.eval_frame(settings().db_path, row["version"])
    if frame.empty:
        body = [html.P(t("recommend.eval.none", lang), className="text-muted")]
    else:
        students = int(frame.loc[frame["k"] == EVAL_K, "n_users"].max())
        body = [
            html.P(t("recommend.eval.intro", lang, version=row["version"], students=f"{students:,}", k=EVAL_K),
                   className="text-muted"),
            html.Div(view.eval_table(frame, EVAL_K, lang), id=_id("eval")),
            dbc.Row(dbc.Col([dbc.Label(t("recommend.eval.metric", lang), html_for=_id("eval-metric")),
                             dcc.Dropdown(id=_id("eval-metric"), value="ndcg", clearable=False,
                                          options=[{"label": view.metric_name(m, lang), "value": m}
                                                   for m in EVAL_METRICS])], md=3), className="mt-3"),
            dcc.Graph(id=_id("eval-chart"), figure=view.eval_figure(frame, "ndcg", lang)),
            dcc.Store(id=_id("eval-version"), data=row["version"]),
        ]
    return html.Div([html.H4(t("recommend.eval.title", lang), className="mt-4"), *body])


def _recommender_panel(lang: str, query: dict, schools: list[str], k: int, n: int) -> dbc.Row:
    return dbc.Row([
        dbc.Col(_picker(lang, query, schools, k, n), md=4),
        dbc.Col([html.Div(id=_id("profile")),
                 html.H5(t("recommend.list.title", lang), className="mt-3"),
                 dcc.Loading(html.Div(t("recommend.choose_hint", lang), id=_id("list"))),
                 html.Div(id=_id("click-status"), className="small text-success mt-2"),
                 dbc.Row([dbc.Col(html.Div(id=_id("neighbours")), md=5),
                          dbc.Col(html.Div(id=_id("history")), md=7)], className="mt-3")], md=8),
    ], className="g-3")


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout from the URL query (lang, student, k, n and the overview filters)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    notice, schools, row, k_default, badge, missing = None, [], None, 50, None, None
    try:
        provenance = current_provenance(settings().db_path)
        badge = demo_badge(provenance, DATA_KINDS, lang, _id("demo-badge"))
        missing = empty_kind(provenance, ("interactions",))
        schools, row = recsys_store.page_state(settings().db_path)
        if row is None and missing is None:
            notice = t("recommend.no_model", lang)
        elif row is not None:
            k_default = int(row["params"]["k_neighbours"])
    except WarehouseMissing:
        notice = t("common.warehouse_missing", lang)
    k = _bounded(query.get("k"), *K_RANGE, min(max(k_default, K_RANGE[0]), K_RANGE[1]))
    n = _bounded(query.get("n"), *N_RANGE, 10)
    # A real warehouse without learning activity: say what to load instead of empty lists and metrics.
    body = ([empty_state(missing, lang, _id("empty"))] if missing else
            [_recommender_panel(lang, query, schools, k, n), _evaluation(lang, row) if notice is None else None])
    return html.Div([
        html.H3([t("recommend.title", lang), badge]),
        html.P(t("recommend.intro", lang), className="text-muted"),
        dbc.Alert(notice, color="warning", id=_id("notice")) if notice else None,
        *body,
        html.Hr(className="my-4"),
        overview_layout(PAGE, lang, query),
        dcc.Store(id=_id("ui-lang"), data=lang),
        dcc.Store(id=_id("last")),
        html.Div(id=_id("url-state"), hidden=True),
    ], id=f"{PAGE}-page")


@callback(
    Output(_id("student"), "options"), Output(_id("student"), "value"), Output(_id("matches"), "children"),
    inputs={"search": Input(_id("search"), "value"),
            "filters": {name: Input(_id(f"filter-{name}"), "value") for name in FILTERS},
            "current": State(_id("student"), "value"), "lang": State(_id("ui-lang"), "data")},
)
def update_student_options(search, filters, current, lang):
    """Student ids matching the search prefix and filters; an exact id typed in the search is picked."""
    filters = {name: value if isinstance(value, str) else None for name, value in filters.items()}
    prefix = (search or "").strip().upper()[:64]
    pairs, total = recsys_store.matching_students(settings().db_path, filters, prefix, MAX_LISTED)
    ids = [student_id for student_id, _ in pairs]
    value = prefix if prefix in ids else no_update
    chosen = prefix if prefix in ids else current
    options = view.student_options(pairs if not chosen or chosen in ids else [(chosen, None), *pairs], lang)
    return options, value, t("recommend.matches", lang, shown=f"{len(ids):,}", total=f"{total:,}")


RESULT = ("profile", "list", "neighbours", "history", "last", "click_status")


def _result(**shown) -> dict:
    """All outputs of show_recommendations: the ones given, the others emptied ('' for the click status)."""
    return {name: shown.get(name, "" if name == "click_status" else None) for name in RESULT}


@callback(
    output={name: Output(_id(name.replace("_", "-")), "data" if name == "last" else "children") for name in RESULT},
    inputs={"student_id": Input(_id("student"), "value"), "k": Input(_id("k"), "value"),
            "n": Input(_id("n"), "value"), "learning": Input(_id("learning"), "value"),
            "lang": State(_id("ui-lang"), "data")},
)
def show_recommendations(student_id, k, n, learning, lang):
    """Profile, history and the top-N with reasons for one student; logs one 'recommendation' event."""
    if not isinstance(student_id, str) or not student_id:
        return _result(list=t("recommend.choose_hint", lang))
    k, n = _bounded(k, *K_RANGE, 50), _bounded(n, *N_RANGE, 10)
    db = settings().db_path
    profile, history = recsys_store.student_profile(db, student_id)
    if profile is None:
        return _result(list=t("recommend.student_not_found", lang, student_id=student_id[:64]))
    try:
        rec = recsys_store.production(db)
    except recsys_store.NoRecommender:
        return _result(profile=view.profile_block(profile, lang), list=t("recommend.no_model", lang))
    allowed = recsys_store.allowed_for(rec, profile) if learning else None
    result = recsys_store.recommend_student(db, student_id, n, k, allowed)
    completed = recsys_store.neighbour_completions(db, result)
    items = result.items["material_id"].tolist()
    log_event("recommendation", page=PAGE, student_id=student_id, model_version=result.model_version,
              payload={"items": items, "k": k, "method": result.method, "n": n, "learning_filter": bool(learning)})
    last = {"student_id": student_id, "items": items, "model_version": result.model_version}
    return _result(profile=view.profile_block(profile, lang), list=view.recommendation_list(result, lang, completed),
                   neighbours=view.neighbours_table(
                       result.neighbours, lang,
                       recsys_store.line_numbers(db, result.neighbours.get("student_id", []).tolist())),
                   history=view.history_table(history, lang), last=last)


@callback(
    Output(_id("click-status"), "children", allow_duplicate=True),
    Input({"type": f"{PAGE}-item", "index": ALL}, "n_clicks"),
    State(_id("last"), "data"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def recommendation_click(_clicks, last, lang):
    """Log a 'click' (material_id, rank) on a shown recommendation."""
    trigger = ctx.triggered_id
    if not last or not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update
    rank = int(trigger.get("index", 0))
    if not 1 <= rank <= len(last["items"]):
        return no_update
    material = last["items"][rank - 1]
    log_event("click", page=PAGE, student_id=last["student_id"], model_version=last.get("model_version"),
              payload={"material_id": material, "rank": rank})
    return t("recommend.clicked", lang, material=material)


@callback(
    Output(_id("eval-chart"), "figure"),
    Input(_id("eval-metric"), "value"), State(_id("eval-version"), "data"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def update_eval_chart(metric, version, lang):
    """The stored metric-vs-K curves of every method for another metric."""
    metric = metric if metric in EVAL_METRICS else "ndcg"
    frame = recsys_store.eval_frame(settings().db_path, version)
    return view.eval_figure(frame, metric, lang)


# Keep the chosen student, K and N in the address bar (replaceState: no reload), like the overview filters.
clientside_callback(
    """function(student, k, n) {
        const params = new URLSearchParams(window.location.search);
        [["student", student], ["k", k], ["n", n]].forEach(([name, v]) => {
            if (v !== null && v !== undefined && v !== '') { params.set(name, v); } else { params.delete(name); } });
        const query = params.toString();
        window.history.replaceState(null, '', window.location.pathname + (query ? '?' + query : ''));
        return '';
    }""",
    Output(_id("url-state"), "children"),
    Input(_id("student"), "value"), Input(_id("k"), "value"), Input(_id("n"), "value"),
)
