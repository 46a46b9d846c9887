"""Overview: the landing path `/` (shows the Predict tab, the start of the loop) and the students
overview block (filters, KPIs, distribution, group table) that each tab embeds."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from analytics.student_schema import CATEGORIES
from dashboard.common.cache import by_published_version
from dashboard.common.components import csv_table
from dashboard.common.context import settings
from dashboard.common.data import current_provenance
from dashboard.common.i18n import t
from dashboard.common.provenance import demo_badge, empty_kind, empty_state
from dashboard.overview.data import BIN_SIZE, load_overview
from dashboard.overview.view import kpi_row, make_score_distribution_figure
from warehouse.connection import WarehouseMissing
from warehouse.queries import FILTER_COLUMNS, SCORE_COLUMNS

OVERVIEW_FILTERS = ("gender", "lunch", "test_prep", "parental_education")
dash.register_page(__name__, path="/", order=-1, name="Home", title="EduLoop")


def layout(**query):
    """Same as /predict (looked up in the registry, so this module need not import the Predict page)."""
    predict = next(p for p in dash.page_registry.values() if p["path"] == "/predict")
    return predict["layout"](**query)


def clean_filters(query: dict) -> dict[str, str | None]:
    """Keep only known filter columns with allowed values (URL input is untrusted)."""
    return {c: query.get(c) if query.get(c) in CATEGORIES[c] else None for c in FILTER_COLUMNS}


def _choices(query: dict) -> tuple[dict, str, str]:
    """Filters, group-by column and subject from the URL or the controls (untrusted: allowlisted)."""
    group_by = query.get("group") if query.get("group") in FILTER_COLUMNS else "test_prep"
    subject = query.get("subject") if query.get("subject") in SCORE_COLUMNS else "math_score"
    return clean_filters(query), group_by, subject


def overview_content(prefix: str, lang: str, filters: dict, group_by: str, subject: str) -> dict:
    """KPIs, the score distribution and the per-group table of the filtered students (from cached aggregates),
    drawn once per published warehouse, page, language and choice: every page load shows this block."""
    key = ("overview-view", prefix, lang, tuple(sorted((k, v) for k, v in filters.items() if v)), group_by, subject,
           float(settings().pass_mark))
    return by_published_version(settings().db_path, key, lambda: _overview_content(prefix, lang, filters, group_by,
                                                                                   subject))


def _overview_content(prefix: str, lang: str, filters: dict, group_by: str, subject: str) -> dict:
    pass_mark = settings().pass_mark
    provenance = current_provenance(settings().db_path)
    if empty_kind(provenance, ("students",)):   # no students: say what to load, not zeros
        return {"kpis": empty_state("students", lang, f"{prefix}-overview-empty"), "figure": {},
                "table": None, "note": None, "shown": True}
    note = demo_badge(provenance, ("students",), lang, f"{prefix}-overview-demo")
    kpis, bins, summary = load_overview(settings().db_path, filters, group_by, subject, pass_mark)
    subject_name, group_name = t(f"subject.{subject}", lang), t(f"overview.filter.{group_by}", lang)
    fig = make_score_distribution_figure(
        bins, BIN_SIZE,
        title=t("overview.fig.distribution", lang, subject=subject_name, group=group_name),
        x_title=t("overview.fig.score_axis", lang, subject=subject_name),
        y_title=t("overview.fig.count_axis", lang),
        level_names={v: t(f"cat.{v}", lang) for v in CATEGORIES[group_by]})
    summary["level"] = summary["level"].map(lambda v: t(f"cat.{v}", lang))
    table = html.Div([html.H6(t("overview.table.title", lang, group=group_name)),
                      csv_table(f"{prefix}-group-summary", summary, lang,
                                columns={"below_pass_pct": t("overview.kpi.below_pass", lang,
                                                              mark=int(pass_mark)) + " (%)"})])
    return {"kpis": kpi_row(prefix, kpis, pass_mark, lang), "figure": fig, "table": table, "note": note,
            "shown": False}


EMPTY = {"kpis": None, "figure": {}, "table": None, "note": None, "shown": True}
# Per page prefix: whether the block's first view is drawn in the layout (registered with its callbacks).
DRAWN_IN_LAYOUT: dict[str, bool] = {}


def overview_layout(prefix: str, lang: str, query: dict) -> html.Div:
    """The overview block for a page (ids are prefixed with the page name); its first view already filled where
    the page registered it so, else filled by the callback on load."""
    filters, group_by, subject = _choices(query)
    shown = EMPTY
    if DRAWN_IN_LAYOUT[prefix]:
        try:
            shown = overview_content(prefix, lang, filters, group_by, subject)
        except WarehouseMissing:   # the page says so at its top; the block stays empty
            pass

    def dropdown(column):
        return dbc.Col([
            dbc.Label(t(f"overview.filter.{column}", lang), html_for=f"{prefix}-f-{column}"),
            dcc.Dropdown(id=f"{prefix}-f-{column}", value=filters[column], placeholder=t("common.all", lang),
                         options=[{"label": t(f"cat.{v}", lang), "value": v} for v in CATEGORIES[column]]),
        ], md=3)

    return html.Div([
        html.H4([t("overview.title", lang), html.Span(shown["note"], id=f"{prefix}-overview-note")],
                className="mt-2"),
        dbc.Row([dropdown(c) for c in OVERVIEW_FILTERS], className="g-2 mb-2"),
        dbc.Row([
            dbc.Col([dbc.Label(t("overview.group_by", lang)),
                     dcc.Dropdown(id=f"{prefix}-group", value=group_by, clearable=False,
                                  options=[{"label": t(f"overview.filter.{c}", lang), "value": c}
                                           for c in FILTER_COLUMNS])], md=3),
            dbc.Col([dbc.Label(t("overview.subject", lang)),
                     dcc.Dropdown(id=f"{prefix}-subject", value=subject, clearable=False,
                                  options=[{"label": t(f"subject.{c}", lang), "value": c} for c in SCORE_COLUMNS])],
                    md=3),
        ], className="g-2 mb-3"),
        dcc.Loading(html.Div(shown["kpis"], id=f"{prefix}-kpis")),
        dcc.Loading(html.Div(dcc.Graph(id=f"{prefix}-dist", figure=shown["figure"]), id=f"{prefix}-dist-wrap",
                             hidden=shown["shown"])),
        html.Div(shown["table"], id=f"{prefix}-group-table"),
        dcc.Store(id=f"{prefix}-lang", data=lang),
        html.Div(id=f"{prefix}-url-sync", hidden=True),
    ])


def register_overview_callbacks(prefix: str, *, drawn_in_layout: bool) -> None:
    """Create the overview callbacks for one page prefix (call once per page module). `drawn_in_layout`: the
    page's layout draws the block's first view (where it is the page's first figure: no round trip before it);
    else the callback draws it after the page's own figures (below them, it would only delay their paint)."""
    DRAWN_IN_LAYOUT[prefix] = drawn_in_layout
    inputs = [Input(f"{prefix}-f-{c}", "value") for c in OVERVIEW_FILTERS]

    @callback(
        output={"kpis": Output(f"{prefix}-kpis", "children"), "figure": Output(f"{prefix}-dist", "figure"),
                "table": Output(f"{prefix}-group-table", "children"), "note": Output(f"{prefix}-overview-note",
                                                                                     "children"),
                "shown": Output(f"{prefix}-dist-wrap", "hidden")},
        inputs={"filters": dict(zip(OVERVIEW_FILTERS, inputs)), "group_by": Input(f"{prefix}-group", "value"),
                "subject": Input(f"{prefix}-subject", "value"), "lang": State(f"{prefix}-lang", "data")},
        prevent_initial_call=drawn_in_layout,
    )
    def update_overview(filters, group_by, subject, lang):
        """KPIs, the score distribution and the per-group table of the filtered students."""
        return overview_content(prefix, lang, *_choices({**filters, "group": group_by, "subject": subject}))

    # Keep the filters in the address bar (replaceState: no reload, no history spam), so a
    # presenter can share the exact view.
    clientside_callback(
        """function(...vals) {
            const names = %s;
            const params = new URLSearchParams(window.location.search);
            names.forEach((n, i) => { if (vals[i]) { params.set(n, vals[i]); } else { params.delete(n); } });
            const url = window.location.pathname + (params.toString() ? '?' + params.toString() : '');
            window.history.replaceState(null, '', url);
            return '';
        }""" % (list(OVERVIEW_FILTERS) + ["group", "subject"]),
        Output(f"{prefix}-url-sync", "children"),
        *inputs, Input(f"{prefix}-group", "value"), Input(f"{prefix}-subject", "value"),
    )
