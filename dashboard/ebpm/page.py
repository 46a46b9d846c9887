"""EBPM tab: does the test-prep course (or an uploaded treatment) work, and for whom?

Callbacks are thin: inputs -> data (dashboard.ebpm.data: warehouse query or an upload kept
server-side behind a token) -> analytics.causal -> panels (dashboard.ebpm.view). Every control
value is checked on the server (dashboard.ebpm.controls) before anything is read or estimated, and
the view lives in the URL (layout(**query) restores it; a clientside callback writes it back).
"""
from __future__ import annotations

import base64
import binascii
import json

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from analytics.causal import EffectInputError, e_values, estimate_subgroup_effects
from analytics.causal.effect_csv import cell_errors
from analytics.causal.effect_io import MAX_EFFECT_ROWS, read_effect_csv
from analytics.causal.messages import describe
from analytics.student_schema import CATEGORIES
from dashboard.common.cache import by_published_version
from dashboard.common.context import log_event, request_lang, settings
from dashboard.common.data import current_provenance
from dashboard.common.i18n import t
from dashboard.common.provenance import demo_badge, empty_state
from dashboard.ebpm import view
from dashboard.ebpm.data import (
    DEFAULT_FOREST_BY,
    TAB_MAX_BOOTSTRAP,
    TRIMS,
    UPLOAD,
    StoreError,
    auto_bootstrap,
    effect_result,
    has_students,
    input_errors,
    load_frame,
    planted_effect,
    query_state,
    sensitivity,
    source_from_store,
    upload_choices,
    validated_spec,
)
from dashboard.overview.page import overview_layout, register_overview_callbacks
from warehouse.effect_queries import (
    CLUSTER_COLUMNS,
    DEFAULT_OUTCOME,
    PRE_TREATMENT_COVARIATES,
    SCHOOL_TREATMENT,
    SUBGROUP_COLUMNS,
    TREATMENT,
)
from warehouse.queries import SCORE_COLUMNS
from warehouse.uploads import UploadError, expire_uploads, store_upload

PAGE = "ebpm"
WAREHOUSE_STORE = {"source": "warehouse"}
dash.register_page(__name__, path="/ebpm", order=1, name="EBPM", title="EduLoop · EBPM")
register_overview_callbacks(PAGE, drawn_in_layout=False)   # below the estimate


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _source(data):
    """The Source the store names (StoreError for a forged store; nothing is opened before the check)."""
    return source_from_store(data, db_path=settings().db_path, data_dir=settings().data_dir)


def _has_students() -> bool:
    return has_students(settings().db_path)


def _warehouse_treatments() -> list[str]:
    """test_prep always; the school programme only where the warehouse has it (the demo's schools)."""
    if not _has_students():
        return [TREATMENT]
    frame = load_frame(_source(None))
    return [TREATMENT] + ([SCHOOL_TREATMENT] if frame[SCHOOL_TREATMENT].notna().any() else [])


def _warehouse_controls(lang: str, state: dict) -> dict:
    """Dropdown options and values for the warehouse students."""
    outcome = state["outcome"]
    others = [c for c in SCORE_COLUMNS if c != outcome]
    treatments = _warehouse_treatments()
    ids = [{"label": view.column_label(c, lang), "value": c} for c in CLUSTER_COLUMNS]
    return {
        "treatment": ([{"label": t(f"ebpm.treatment.{c}", lang), "value": c} for c in treatments],
                      state["treatment"] if state["treatment"] in treatments else TREATMENT),
        "outcome": ([{"label": t(f"subject.{c}", lang), "value": c} for c in SCORE_COLUMNS], outcome),
        "covariates": ([{"label": view.column_label(c, lang), "value": c}
                        for c in (*PRE_TREATMENT_COVARIATES, *others)],
                       [c for c in state["covariates"] if c != outcome]),
        "forest": ([{"label": view.column_label(c, lang), "value": c} for c in SUBGROUP_COLUMNS], state["by"]),
        "cluster": (ids, state["cluster"]), "fixed-effects": (ids, state["fixed_effects"]),
    }


def _heading(name: str, lang: str, badge=None, **kwargs) -> html.H4:
    return html.H4([t(f"ebpm.{name}", lang), html.Span(badge, id=_id(f"badge-{name}"))], **kwargs)


def _first_values(state: dict, controls: dict) -> dict:
    """The control values the layout shows (CONTROL_INPUTS' shape), as the browser would send them."""
    return {"treatment": controls["treatment"][1], "outcome": controls["outcome"][1],
            "covariates": controls["covariates"][1], "filters": state["filters"],
            "cluster": controls["cluster"][1], "fixed_effects": controls["fixed-effects"][1],
            **{name: state[name] for name in ("psm_k", "caliper", "replace", "trim", "estimand", "bootstrap",
                                              "boot_n", "ci")}}


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout; the URL restores the whole view (see query_state for the keys)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    state = query_state(query)
    controls = _warehouse_controls(lang, state)
    limit_mb = settings().max_upload_bytes / 2**20
    # The estimate of the URL's view is rendered here (cached per spec in dashboard.ebpm.data), so the page's
    # first figures need no callback round trip; the callbacks run when a control changes.
    shown = estimate_outputs(WAREHOUSE_STORE, _first_values(state, controls), lang)
    graph = lambda name, figure=None: dcc.Loading(dcc.Graph(id=_id(name), config={"displaylogo": False},
                                                            figure=figure))
    filters = [view.dropdown(f"sub-{c}", view.column_label(c, lang), [{"label": view.level_label(v, lang), "value": v}
                                                                    for v in CATEGORIES[c]], state["filters"][c],
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
            view.upload_problems([], lang),
        ]), className="mb-3"),
        dbc.Row([view.dropdown("treatment", t("ebpm.treatment", lang), *controls["treatment"], clearable=False),
                 view.dropdown("outcome", t("ebpm.outcome", lang), *controls["outcome"], clearable=False),
                 view.dropdown("covariates", t("ebpm.covariates", lang), *controls["covariates"], multi=True, md=6)],
                className="g-2 mb-2"),
        html.Div([dbc.Label(t("ebpm.filters", lang), className="fw-bold"), dbc.Row(filters, className="g-2")],
                 id=_id("filters"), className="mb-2"),
        view.options_panel(lang, state, controls, trims=TRIMS, max_bootstrap=TAB_MAX_BOOTSTRAP),
        dcc.Loading(html.Div(shown["messages"], id=_id("messages"))),
        html.Div(shown["headline"], id=_id("headline")),
        _heading("estimates", lang, shown["badges"]["estimates"]),
        html.Div(shown["estimates"], id=_id("estimates"), className="mb-2"),
        graph("estimates-figure", shown["estimates_figure"]),
        _heading("diagnostics", lang, shown["badges"]["diagnostics"], className="mt-3"),
        html.Div(shown["diagnostics"], id=_id("diagnostics")),
        graph("overlap", shown["overlap"]),
        graph("love", shown["love"]),
        _heading("sensitivity", lang, shown["badges"]["sensitivity"], className="mt-3"),
        dcc.Loading(html.Div(id=_id("sensitivity"))),
        html.H4(t("ebpm.assumptions", lang), className="mt-3"),
        dcc.Loading(html.Div(id=_id("assumptions"))),
        _heading("forest", lang, shown["badges"]["forest"], className="mt-3"),
        dbc.Row(view.dropdown("forest-by", t("ebpm.forest.by", lang), *controls["forest"], clearable=False),
                className="mb-2"),
        graph("forest"),
        # {source: "warehouse"} or {source: "upload", token, name, rows}: never a path or the data itself.
        dcc.Store(id=_id("data"), data=WAREHOUSE_STORE),
        # the control values of the last estimate (re-validated on read); sensitivity and forest follow it
        dcc.Store(id=_id("spec"), data=shown["spec"]),
        dcc.Store(id=_id("ui-lang"), data=lang),
        html.Div(id=_id("url-state"), hidden=True),
        html.Hr(className="my-4"),
        overview_layout(PAGE, lang, query),
    ], id=f"{PAGE}-page")


def _upload_error(lang: str, message: str):
    return no_update, t("ebpm.upload.error", lang, message=message), "danger", True, no_update


@callback(
    Output(_id("data"), "data"), Output(_id("upload-status"), "children"), Output(_id("upload-status"), "color"),
    Output(_id("upload-status"), "is_open"), Output(_id("upload-problems"), "children"),
    Input(_id("upload"), "contents"), Input(_id("reset"), "n_clicks"),
    State(_id("upload"), "filename"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def load_upload(contents, _reset, filename, lang):
    """Check an uploaded CSV, keep it server-side behind a token, and put only {token, name, rows} in the store."""
    if ctx.triggered_id == _id("reset") or not isinstance(contents, str) or not contents:
        return WAREHOUSE_STORE, "", "info", False, []
    cfg = settings()
    name = str(filename or "upload.csv")[:200]
    try:
        data = base64.b64decode(contents.split(",", 1)[-1], validate=False)
        frame = read_effect_csv(data, name, max_bytes=cfg.max_upload_bytes, max_rows=MAX_EFFECT_ROWS)
        expire_uploads(cfg.data_dir)
        info = store_upload(cfg.data_dir, data, name=name, max_bytes=cfg.max_upload_bytes, max_rows=MAX_EFFECT_ROWS)
    except UploadError as exc:
        return _upload_error(lang, view.store_error(exc.code, exc.params, lang, name))
    except (binascii.Error, ValueError) as exc:
        errors = exc.errors if isinstance(exc, EffectInputError) else [{"code": "not_text", "name": name}]
        return _upload_error(lang, " ".join(describe(e, lang) for e in errors))
    status = t("ebpm.upload.ok", lang, name=info.name, n_rows=f"{len(frame):,}", n_cols=len(frame.columns))
    problems = view.upload_problems(cell_errors(frame, list(frame.columns)), lang).children
    return ({"source": UPLOAD, "token": info.token, "name": info.name, "rows": info.rows}, status, "success", True,
            problems)


CONTROLS = {"treatment": "treatment", "outcome": "outcome", "covariates": "covariates", "forest": "forest-by",
            "cluster": "cluster", "fixed-effects": "fixed-effects"}


@callback(
    output={**{name: {"options": Output(_id(element), "options"), "value": Output(_id(element), "value")}
                  for name, element in CONTROLS.items()},
            "filters_hidden": Output(_id("filters"), "hidden"), "source": Output(_id("source"), "children")},
    inputs={"data": Input(_id("data"), "data"), "outcome": Input(_id("outcome"), "value"),
            "treatment": Input(_id("treatment"), "value"), "covariates": State(_id("covariates"), "value"),
            "by": State(_id("forest-by"), "value"), "cluster": State(_id("cluster"), "value"),
            "fixed_effects": State(_id("fixed-effects"), "value"), "lang": State(_id("ui-lang"), "data")},
    prevent_initial_call=True,
)
def update_controls(data, outcome, treatment, covariates, by, cluster, fixed_effects, lang):
    """New data resets the choices; a new outcome or treatment drops it from the covariates."""
    new_data = ctx.triggered_id == _id("data")
    try:
        source = _source(data)
    except StoreError as exc:
        return {**{name: {"options": no_update, "value": no_update} for name in CONTROLS},
                "filters_hidden": no_update, "source": view.store_error(exc.code, exc.params, lang)}
    current = {"treatment": treatment, "outcome": outcome, "covariates": covariates, "by": by, "cluster": cluster,
               "fixed_effects": fixed_effects}
    if source.kind == UPLOAD:
        frame = load_frame(source)
        controls = upload_choices(frame, None if new_data else current)
        text = t("ebpm.data.upload", lang, name=source.name, n_rows=f"{len(frame):,}")
    else:
        state = query_state({})
        if not new_data:
            state.update(treatment=treatment, covariates=covariates or [],
                         outcome=outcome if outcome in SCORE_COLUMNS else DEFAULT_OUTCOME,
                         by=by if by in SUBGROUP_COLUMNS else DEFAULT_FOREST_BY,
                         cluster=cluster if cluster in CLUSTER_COLUMNS else None,
                         fixed_effects=fixed_effects if fixed_effects in CLUSTER_COLUMNS else None)
        controls, text = _warehouse_controls(lang, state), t("ebpm.data.warehouse", lang)
    return {**{name: dict(zip(("options", "value"), controls[name])) for name in CONTROLS},
            "filters_hidden": source.kind == UPLOAD, "source": text}


CONTROL_INPUTS = {"treatment": Input(_id("treatment"), "value"), "outcome": Input(_id("outcome"), "value"),
                  "covariates": Input(_id("covariates"), "value"),
                  "filters": {c: Input(_id(f"sub-{c}"), "value") for c in SUBGROUP_COLUMNS},
                  "psm_k": Input(_id("psm-k"), "value"), "caliper": Input(_id("caliper"), "value"),
                  "replace": Input(_id("replace"), "value"), "trim": Input(_id("trim"), "value"),
                  "cluster": Input(_id("cluster"), "value"), "fixed_effects": Input(_id("fixed-effects"), "value"),
                  "estimand": Input(_id("estimand"), "value"), "bootstrap": Input(_id("bootstrap"), "value"),
                  "boot_n": Input(_id("bootstrap-n"), "value"), "ci": Input(_id("ci"), "value")}
BADGED = ("estimates", "diagnostics", "sensitivity", "forest")
ESTIMATE_OUTPUTS = {"messages": Output(_id("messages"), "children"), "headline": Output(_id("headline"), "children"),
                    "estimates": Output(_id("estimates"), "children"),
                    "estimates_figure": Output(_id("estimates-figure"), "figure"),
                    "overlap": Output(_id("overlap"), "figure"), "love": Output(_id("love"), "figure"),
                    "diagnostics": Output(_id("diagnostics"), "children"), "spec": Output(_id("spec"), "data"),
                    "badges": {name: Output(_id(f"badge-{name}"), "children") for name in BADGED}}


def _controls(values: dict) -> dict:
    """The control values as validated_spec takes them (the bootstrap switch and N become one number)."""
    values = dict(values)
    on, n = values.pop("bootstrap", False), values.pop("boot_n", None)
    return {**values, "bootstrap": n if on is True else 0}


def _blank(messages, spec=None) -> dict:
    blank = view.empty_figure()
    return {"messages": messages, "headline": [], "estimates": [], "estimates_figure": blank, "overlap": blank,
            "love": blank, "diagnostics": [], "spec": spec, "badges": {name: None for name in BADGED}}


def _checked(data, controls: dict, lang: str):
    """(source, spec, None) when everything checks out, else (None, None, the panel saying why)."""
    try:
        source = _source(data)
    except StoreError as exc:
        return None, None, view.errors_panel([], lang, {}, extra=view.store_error(exc.code, exc.params, lang))
    if source.kind != UPLOAD and not _has_students():
        return None, None, [empty_state("students", lang, _id("empty"))]
    try:
        spec = validated_spec(controls, allow_filters=source.kind != UPLOAD)
        errors = input_errors(source, spec)
    except EffectInputError as exc:
        spec, errors = None, exc.errors
    if errors:
        names = view.column_names([controls.get("treatment"), controls.get("outcome"),
                                   *(controls.get("covariates") or [])], lang)
        return None, None, view.errors_panel(errors, lang, names)
    return source, spec, None


# prevent_initial_call: the layout renders the first view (estimate_outputs of the URL's choices).
@callback(output=ESTIMATE_OUTPUTS, inputs={"data": Input(_id("data"), "data"), "values": CONTROL_INPUTS,
                                           "lang": State(_id("ui-lang"), "data")}, prevent_initial_call=True)
def update_estimates(data, values, lang):
    """Validate the choices, estimate with every method, and draw the headline, table, figures and diagnostics."""
    return estimate_outputs(data, values, lang)


def estimate_outputs(data, values: dict, lang: str) -> dict:
    """ESTIMATE_OUTPUTS of these control values: the headline, table, figures and diagnostics (or why not).

    On the warehouse's students the drawn panels are kept per published warehouse, choices and language:
    every load of a shared link draws the same view, and building the figures costs more than estimating
    from the cached result."""
    if data != WAREHOUSE_STORE or not _has_students():
        return _estimate_outputs(data, values, lang)
    key = ("ebpm-view", json.dumps(values, sort_keys=True, default=str), lang)
    return by_published_version(settings().db_path, key, lambda: _estimate_outputs(data, values, lang))


def _estimate_outputs(data, values: dict, lang: str) -> dict:
    controls = _controls(values)
    source, spec, problem = _checked(data, controls, lang)
    if problem is not None:
        return _blank(problem)
    result = effect_result(source, spec)
    truth = planted_effect(source, spec.treatment, spec.outcome)
    estimates_figure, overlap_figure, love_figure = view.figures(result, lang, truth)
    names = view.column_names([spec.treatment, spec.outcome, *spec.covariates], lang)
    provenance = current_provenance(settings().db_path) if source.kind != UPLOAD else None
    return {"messages": view.messages_panel(result.warnings, lang, names),
            "headline": view.headline_cards(result, lang, truth, auto_bootstrap(result, spec)),
            "estimates": [view.estimates_table(result, lang), *view.unreliable_list(result, lang)],
            "estimates_figure": estimates_figure, "overlap": overlap_figure, "love": love_figure,
            "diagnostics": view.diagnostics_cards(result, lang), "spec": controls,
            "badges": {name: provenance and demo_badge(provenance, ("students",), lang, _id(f"demo-badge-{name}"))
                       for name in BADGED}}


# These two run on the page load too: the layout's spec store holds the first estimate's choices.
@callback(
    Output(_id("sensitivity"), "children"), Output(_id("assumptions"), "children"),
    Input(_id("spec"), "data"), State(_id("data"), "data"), State(_id("ui-lang"), "data"),
)
def update_sensitivity(controls, data, lang):
    """E-values, placebo and random-common-cause checks of the headline, and the assumptions they inform."""
    source, spec, problem = _checked(data, controls, lang) if controls else (None, None, [])
    if problem is not None:
        return [], []
    refutations, assumptions = sensitivity(source, spec)
    names = view.column_names([spec.outcome, *spec.covariates], lang)
    return (view.sensitivity_panel(e_values(effect_result(source, spec)), refutations, lang),
            view.assumptions_panel(assumptions, lang, names))


@callback(
    Output(_id("forest"), "figure"),
    Input(_id("spec"), "data"), Input(_id("forest-by"), "value"), State(_id("data"), "data"),
    State(_id("ui-lang"), "data"),
)
def update_forest(controls, by, data, lang):
    """Doubly robust effect within each level of the chosen dimension (cluster-robust when a cluster is set)."""
    source, spec, problem = _checked(data, controls, lang) if controls else (None, None, [])
    if problem is not None:
        return view.empty_figure()
    if not by:
        return view.empty_figure(t("ebpm.forest.none", lang))
    frame = load_frame(source, spec.filters)
    if not isinstance(by, str) or by not in frame.columns or by in (spec.treatment, spec.outcome):
        return view.empty_figure()
    design = {k: v for k, v in spec.options.check_kwargs().items() if k != "fixed_effects"}
    try:
        subgroups = estimate_subgroup_effects(frame, spec.treatment, spec.outcome, list(spec.covariates), by=by,
                                              **design)
    except EffectInputError as exc:
        return view.empty_figure(" ".join(describe(e, lang) for e in exc.errors))
    headline = effect_result(source, spec).headline
    overall = headline["estimate"] if headline and headline["estimand"] == "ATE" else None
    return view.forest_figure(subgroups, overall, lang, "cluster" if spec.options.cluster else "analytic")


# Keep the view in the address bar (replaceState: no reload) and in the language switch's links, so a
# copied URL or a switch to the other language shows the same analysis. An upload stays out of the URL.
clientside_callback(
    """function(data, treatment, outcome, cov, k, caliper, replace, trim, cluster, fe, estimand, boot, bootN, ci,
                by, ...subs) {
        if (data && data.source === 'upload') { return ''; }
        const subNames = %s;
        const params = new URLSearchParams(window.location.search);
        const put = (name, v) => {
            if (v !== null && v !== undefined && v !== '') { params.set(name, v); } else { params.delete(name); } };
        put('treatment', treatment); put('outcome', outcome); params.set('cov', (cov || []).join(','));
        put('k', k); put('caliper', caliper === null || caliper === '' ? 'none' : caliper);
        put('replace', replace ? '1' : '0'); put('trim', trim); put('cluster', cluster); put('fe', fe);
        put('estimand', estimand); put('boot', boot ? bootN : null); put('ci', ci); put('by', by);
        subNames.forEach((n, i) => put('sub_' + n, subs[i]));
        const query = params.toString();
        window.history.replaceState(null, '', window.location.pathname + (query ? '?' + query : ''));
        ['ja', 'en'].forEach(lang => {
            const link = document.getElementById('lang-' + lang);
            if (link) { const p = new URLSearchParams(params); p.set('lang', lang);
                        link.setAttribute('href', window.location.pathname + '?' + p.toString()); } });
        return '';
    }""" % list(SUBGROUP_COLUMNS),
    Output(_id("url-state"), "children"),
    Input(_id("data"), "data"), Input(_id("treatment"), "value"), Input(_id("outcome"), "value"),
    Input(_id("covariates"), "value"), Input(_id("psm-k"), "value"), Input(_id("caliper"), "value"),
    Input(_id("replace"), "value"), Input(_id("trim"), "value"), Input(_id("cluster"), "value"),
    Input(_id("fixed-effects"), "value"), Input(_id("estimand"), "value"), Input(_id("bootstrap"), "value"),
    Input(_id("bootstrap-n"), "value"), Input(_id("ci"), "value"), Input(_id("forest-by"), "value"),
    *[Input(_id(f"sub-{c}"), "value") for c in SUBGROUP_COLUMNS],
)
