"""EBPM tab: does the test-prep course (or an uploaded treatment) work, and for whom?

Callbacks are thin: inputs -> data (dashboard.ebpm.data: warehouse query or the upload kept in
the browser) -> analytics.causal -> panels (dashboard.ebpm.view). The estimates callback hands a
validated spec to the sensitivity and forest callbacks through the `ebpm-spec` store.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import asdict

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from analytics.causal import EffectInputError, e_values, estimate_subgroup_effects, primary_estimate
from analytics.causal.effect_io import EffectOptions, column_kinds, effect_options, read_effect_csv
from analytics.causal.messages import describe
from analytics.student_schema import CATEGORIES
from dashboard.common.context import log_event, request_lang, settings
from dashboard.common.i18n import t
from dashboard.ebpm import view
from dashboard.ebpm.data import (
    EffectSpec,
    effect_result,
    encode_upload,
    input_errors,
    load_frame,
    planted_effect,
    sensitivity,
    warehouse_source,
)
from dashboard.overview.page import overview_layout, register_overview_callbacks
from warehouse.effect_queries import (
    DEFAULT_OUTCOME,
    PRE_TREATMENT_COVARIATES,
    SUBGROUP_COLUMNS,
    TREATMENT,
    post_treatment_columns,
)
from warehouse.queries import SCORE_COLUMNS

PAGE = "ebpm"
TRIMS = {"none": None, "0.01": (0.01, 0.99), "0.05": (0.05, 0.95), "0.1": (0.1, 0.9)}
DEFAULT_FOREST_BY = "lunch"
dash.register_page(__name__, path="/ebpm", order=1, name="EBPM", title="EduLoop · EBPM")
register_overview_callbacks(PAGE)


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _warehouse_controls(lang: str, outcome: str, covariates: list[str]) -> dict:
    """Dropdown options and values for the warehouse students."""
    others = [c for c in SCORE_COLUMNS if c != outcome]
    return {
        "treatment": ([{"label": t("ebpm.treatment.test_prep", lang), "value": TREATMENT}], TREATMENT),
        "outcome": ([{"label": t(f"subject.{c}", lang), "value": c} for c in SCORE_COLUMNS], outcome),
        "covariates": ([{"label": view.column_label(c, lang), "value": c}
                        for c in (*PRE_TREATMENT_COVARIATES, *others)], [c for c in covariates if c != outcome]),
        "forest": ([{"label": view.column_label(c, lang), "value": c} for c in SUBGROUP_COLUMNS], None),
    }


def _upload_controls(source: str, treatment: str | None, outcome: str | None, covariates: list[str] | None,
                     forest_by: str | None) -> dict:
    """Options from an upload's columns; keep the current choices where they still fit."""
    kinds = column_kinds(load_frame(source))
    treatment = treatment if treatment in kinds["binary"] else next(iter(kinds["binary"]), None)
    outcomes = [c for c in kinds["numeric"] + kinds["binary"] if c != treatment]
    outcome = outcome if outcome in outcomes else next(iter(reversed(kinds["numeric"])), None)
    usable = [c for c in kinds["covariates"] if c not in (treatment, outcome)]
    after = post_treatment_columns(treatment, outcome)   # e.g. the other scores of a Kaggle-format file
    chosen = [c for c in covariates if c in usable] if covariates is not None else [c for c in usable
                                                                                   if c not in after]
    groups = [c for c in kinds["grouping"] if c not in (treatment, outcome)]
    options = lambda names: [{"label": c, "value": c} for c in names]
    return {"treatment": (options(kinds["binary"]), treatment), "outcome": (options(outcomes), outcome),
            "covariates": (options(usable), chosen),
            "forest": (options(groups), forest_by if forest_by in groups else next(iter(groups), None))}


def _dropdown(name: str, label: str, options, value, md: int = 3, **kwargs) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=_id(name)),
                    dcc.Dropdown(id=_id(name), options=options, value=value, **kwargs)], md=md)


def _source(data: dict | None) -> str:
    """The data source key: the upload in the store, else the current warehouse file."""
    return data["source"] if data else warehouse_source(settings().db_path)


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout; ?outcome=, ?cov=a,b and ?by= preselect the analysis of the warehouse students."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    outcome = query.get("outcome") if query.get("outcome") in SCORE_COLUMNS else DEFAULT_OUTCOME
    allowed = (*PRE_TREATMENT_COVARIATES, *SCORE_COLUMNS)
    covariates = [c for c in (query.get("cov") or "").split(",") if c in allowed] or list(PRE_TREATMENT_COVARIATES)
    controls = _warehouse_controls(lang, outcome, covariates)
    forest_by = query.get("by") if query.get("by") in SUBGROUP_COLUMNS else DEFAULT_FOREST_BY
    limit_mb = settings().max_upload_bytes / 2**20
    graph = lambda name: dcc.Loading(dcc.Graph(id=_id(name), config={"displaylogo": False}))
    filters = [_dropdown(f"sub-{c}", view.column_label(c, lang), [{"label": view.level_label(v, lang), "value": v}
                                                                    for v in CATEGORIES[c]], None,
                         placeholder=t("common.all", lang)) for c in SUBGROUP_COLUMNS]
    return html.Div([
        html.H3(t("ebpm.title", lang)),
        html.P(t("ebpm.intro", lang), className="text-muted"),
        dbc.Card(dbc.CardBody([
            dbc.Row([
                dbc.Col(dcc.Upload(id=_id("upload"), children=html.Div(t("ebpm.upload.prompt", lang,
                                                                        limit=f"{limit_mb:g}")),
                                   # The browser drops files far over the limit silently; up to twice the
                                   # limit the server answers with a clear "too large" message.
                                   accept=".csv,text/csv,text/plain", max_size=2 * settings().max_upload_bytes,
                                   className="border border-2 rounded p-3 text-center text-muted",
                                   style={"borderStyle": "dashed", "cursor": "pointer"}), md=9),
                dbc.Col(dbc.Button(t("ebpm.upload.reset", lang), id=_id("reset"), color="secondary", outline=True),
                        md=3, className="d-flex align-items-center"),
            ], className="g-2"),
            html.Div(t("ebpm.data.warehouse", lang), id=_id("source"), className="small mt-2"),
            dbc.Alert(id=_id("upload-status"), is_open=False, className="mt-2 mb-0"),
        ]), className="mb-3"),
        dbc.Row([_dropdown("treatment", t("ebpm.treatment", lang), *controls["treatment"], clearable=False),
                 _dropdown("outcome", t("ebpm.outcome", lang), *controls["outcome"], clearable=False),
                 _dropdown("covariates", t("ebpm.covariates", lang), *controls["covariates"], multi=True, md=6)],
                className="g-2 mb-2"),
        html.Div([dbc.Label(t("ebpm.filters", lang), className="fw-bold"), dbc.Row(filters, className="g-2")],
                 id=_id("filters"), className="mb-2"),
        html.Details([html.Summary(t("ebpm.options", lang)), dbc.Row([
            dbc.Col([dbc.Label(t("ebpm.psm_k", lang), html_for=_id("psm-k")),
                     dbc.Input(id=_id("psm-k"), type="number", min=1, max=20, step=1, value=1, debounce=True)], md=3),
            dbc.Col([dbc.Label(t("ebpm.caliper", lang), html_for=_id("caliper")),
                     dbc.Input(id=_id("caliper"), type="number", min=0, step=0.05, value=0.2, debounce=True)], md=3),
            dbc.Col(dbc.Switch(id=_id("replace"), label=t("ebpm.replace", lang), value=True), md=3,
                    className="d-flex align-items-end"),
            _dropdown("trim", t("ebpm.trim", lang), [
                {"label": t("ebpm.trim.none", lang) if bounds is None else
                 t("ebpm.trim.range", lang, low=bounds[0], high=bounds[1]), "value": key}
                for key, bounds in TRIMS.items()], "none", clearable=False),
        ], className="g-2 mt-1")], className="mb-3"),
        dcc.Loading(html.Div(id=_id("messages"))),
        html.Div(id=_id("headline")),
        html.H4(t("ebpm.estimates", lang)),
        html.Div(id=_id("estimates"), className="mb-2"),
        graph("estimates-figure"),
        html.H4(t("ebpm.diagnostics", lang), className="mt-3"),
        html.Div(id=_id("diagnostics")),
        graph("overlap"),
        graph("love"),
        html.H4(t("ebpm.sensitivity", lang), className="mt-3"),
        dcc.Loading(html.Div(id=_id("sensitivity"))),
        html.H4(t("ebpm.assumptions", lang), className="mt-3"),
        dcc.Loading(html.Div(id=_id("assumptions"))),
        html.H4(t("ebpm.forest", lang), className="mt-3"),
        dbc.Row(_dropdown("forest-by", t("ebpm.forest.by", lang), controls["forest"][0], forest_by,
                          clearable=False), className="mb-2"),
        graph("forest"),
        dcc.Store(id=_id("data")),        # None = warehouse students, else {name, source: base64 Parquet}
        dcc.Store(id=_id("spec")),        # the last spec that passed validation
        dcc.Store(id=_id("ui-lang"), data=lang),
        html.Hr(className="my-4"),
        overview_layout(PAGE, lang, query),
    ], id=f"{PAGE}-page")


@callback(
    Output(_id("data"), "data"), Output(_id("upload-status"), "children"), Output(_id("upload-status"), "color"),
    Output(_id("upload-status"), "is_open"),
    Input(_id("upload"), "contents"), Input(_id("reset"), "n_clicks"),
    State(_id("upload"), "filename"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def load_upload(contents, _reset, filename, lang):
    """Read an uploaded CSV in memory into the page's store (or go back to the warehouse)."""
    if ctx.triggered_id == _id("reset") or not contents:
        return None, "", "info", False
    name = str(filename or "upload.csv")[:200]
    try:
        data = base64.b64decode(contents.split(",", 1)[-1], validate=False)
        frame = read_effect_csv(data, name, max_bytes=settings().max_upload_bytes)
    except (binascii.Error, ValueError) as exc:
        errors = exc.errors if isinstance(exc, EffectInputError) else [{"code": "not_text", "name": name}]
        return no_update, t("ebpm.upload.error", lang, message=" ".join(describe(e, lang) for e in errors)), \
            "danger", True
    status = t("ebpm.upload.ok", lang, name=name, n_rows=f"{len(frame):,}", n_cols=len(frame.columns))
    return {"name": name, "source": encode_upload(frame)}, status, "success", True


CONTROLS = {"treatment": "treatment", "outcome": "outcome", "covariates": "covariates", "forest": "forest-by"}


@callback(
    output={**{name: {"options": Output(_id(element), "options"), "value": Output(_id(element), "value")}
                  for name, element in CONTROLS.items()},
            "filters_hidden": Output(_id("filters"), "hidden"), "source": Output(_id("source"), "children")},
    inputs={"data": Input(_id("data"), "data"), "outcome": Input(_id("outcome"), "value"),
            "treatment": Input(_id("treatment"), "value"), "covariates": State(_id("covariates"), "value"),
            "forest_by": State(_id("forest-by"), "value"), "lang": State(_id("ui-lang"), "data")},
    prevent_initial_call=True,
)
def update_controls(data, outcome, treatment, covariates, forest_by, lang):
    """New data resets the choices; a new outcome or treatment drops it from the covariates."""
    new_data = ctx.triggered_id == _id("data")
    if data:
        keep = not new_data
        controls = _upload_controls(data["source"], treatment if keep else None, outcome if keep else None,
                                    covariates if keep else None, forest_by)
        source = t("ebpm.data.upload", lang, name=data["name"], n_rows=f"{len(load_frame(data['source'])):,}")
    else:
        outcome = DEFAULT_OUTCOME if new_data or outcome not in SCORE_COLUMNS else outcome
        controls = _warehouse_controls(lang, outcome, list(PRE_TREATMENT_COVARIATES) if new_data else covariates or [])
        controls["forest"] = (controls["forest"][0], forest_by if forest_by in SUBGROUP_COLUMNS else DEFAULT_FOREST_BY)
        source = t("ebpm.data.warehouse", lang)
    return {**{name: dict(zip(("options", "value"), controls[name])) for name in CONTROLS},
            "filters_hidden": bool(data), "source": source}


def _spec(treatment, outcome, covariates, filters: tuple, options: EffectOptions) -> EffectSpec:
    # A column fixed by a subgroup filter is constant in the subset, so it cannot adjust anything.
    fixed = {treatment, outcome, *(column for column, _ in filters)}
    return EffectSpec(treatment, outcome, tuple(c for c in covariates or [] if c not in fixed), options, filters)


ESTIMATE_OUTPUTS = {"messages": Output(_id("messages"), "children"), "headline": Output(_id("headline"), "children"),
                    "estimates": Output(_id("estimates"), "children"),
                    "estimates_figure": Output(_id("estimates-figure"), "figure"),
                    "overlap": Output(_id("overlap"), "figure"), "love": Output(_id("love"), "figure"),
                    "diagnostics": Output(_id("diagnostics"), "children"), "spec": Output(_id("spec"), "data")}


@callback(
    output=ESTIMATE_OUTPUTS,
    inputs={"data": Input(_id("data"), "data"), "treatment": Input(_id("treatment"), "value"),
            "outcome": Input(_id("outcome"), "value"), "covariates": Input(_id("covariates"), "value"),
            "levels": {c: Input(_id(f"sub-{c}"), "value") for c in SUBGROUP_COLUMNS},
            "psm_k": Input(_id("psm-k"), "value"), "caliper": Input(_id("caliper"), "value"),
            "replace": Input(_id("replace"), "value"), "trim": Input(_id("trim"), "value"),
            "lang": State(_id("ui-lang"), "data")},
)
def update_estimates(data, treatment, outcome, covariates, levels, psm_k, caliper, replace, trim, lang):
    """Validate the choices, estimate with every method, and draw the table, figures and diagnostics."""
    source = _source(data)
    filters = () if data else tuple((c, v) for c, v in levels.items() if v in CATEGORIES[c])
    names = view.column_names([treatment, outcome, *(covariates or [])], lang)
    blank = view.empty_figure()
    try:
        options = effect_options(psm_k=int(psm_k) if psm_k else 1, caliper=float(caliper) if caliper else None,
                                 replace=bool(replace), trim=TRIMS.get(trim))
        spec = _spec(treatment, outcome, covariates, filters, options)
        errors = input_errors(source, spec) if treatment and outcome else [{"code": "no_treatment"}]
    except EffectInputError as exc:
        errors = exc.errors
    if errors:
        return {"messages": view.errors_panel(errors, lang, names), "headline": [], "estimates": [],
                "estimates_figure": blank, "overlap": blank, "love": blank, "diagnostics": [], "spec": None}
    result = effect_result(source, spec)
    truth = planted_effect(source, treatment, outcome)
    estimates_figure, overlap_figure, love_figure = view.figures(result, lang, truth)
    return {"messages": view.messages_panel(result.warnings, lang, names),
            "headline": view.headline_cards(result, lang, truth), "estimates": view.estimates_table(result, lang),
            "estimates_figure": estimates_figure, "overlap": overlap_figure, "love": love_figure,
            "diagnostics": view.diagnostics_cards(result, lang),
            "spec": {**asdict(spec), "options": asdict(spec.options)}}


def _stored_spec(spec_data: dict) -> EffectSpec:
    options = spec_data["options"]
    trim = tuple(options["trim"]) if options["trim"] else None
    return EffectSpec(spec_data["treatment"], spec_data["outcome"], tuple(spec_data["covariates"]),
                      EffectOptions(options["psm_k"], options["caliper"], options["replace"], trim),
                      tuple(tuple(pair) for pair in spec_data["filters"]))


@callback(
    Output(_id("sensitivity"), "children"), Output(_id("assumptions"), "children"),
    Input(_id("spec"), "data"), State(_id("data"), "data"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def update_sensitivity(spec_data, data, lang):
    """E-values, placebo and random-common-cause checks, and the assumptions they inform."""
    if not spec_data:
        return [], []
    source, spec = _source(data), _stored_spec(spec_data)
    refutations, assumptions = sensitivity(source, spec)
    names = view.column_names([spec.outcome, *spec.covariates], lang)
    return (view.sensitivity_panel(e_values(effect_result(source, spec)), refutations, lang),
            view.assumptions_panel(assumptions, lang, names))


@callback(
    Output(_id("forest"), "figure"),
    Input(_id("spec"), "data"), Input(_id("forest-by"), "value"), State(_id("data"), "data"),
    State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def update_forest(spec_data, by, data, lang):
    """Doubly robust effect within each level of the chosen dimension."""
    if not spec_data:
        return view.empty_figure()
    if not by:
        return view.empty_figure(t("ebpm.forest.none", lang))
    source, spec = _source(data), _stored_spec(spec_data)
    frame = load_frame(source, spec.filters)
    if by not in frame.columns or by in (spec.treatment, spec.outcome):
        return view.empty_figure()
    try:
        subgroups = estimate_subgroup_effects(frame, spec.treatment, spec.outcome, list(spec.covariates), by=by,
                                              **spec.options.kwargs())
    except EffectInputError as exc:
        return view.empty_figure(" ".join(describe(e, lang) for e in exc.errors))
    overall = primary_estimate(effect_result(source, spec).table)
    return view.forest_figure(subgroups, overall["estimate"] if overall else None, lang)
