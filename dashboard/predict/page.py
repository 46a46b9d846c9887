"""Predict tab: one student's predicted math score, risk level and SHAP waterfall (what-if: a loaded student
before and after edits); A/B advice of the declared experiment `advice-v1` with click logging; model quality,
a risk-cutoff explorer, model card, tuning trials and the intervention list. The view lives in the URL.

Callbacks are thin: inputs -> dashboard.predict.data -> analytics -> dashboard.predict.view.
Every prediction logs one 'prediction' event (payload.inputs, read by the drift monitor) and ONE
'impression' of the advice variant; each advice button logs a 'click' with its action (only `follow`
is the experiment's primary action).
"""
from __future__ import annotations

import uuid

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from analytics.advice import advice_group
from analytics.experiments import assign_variant
from analytics.models.risk import RISK_LEVELS
from analytics.models.schema import CATEGORICAL_FEATURES, FEATURES, SPEC_BY_NAME, validate_student_record
from dashboard.api.errors import ApiError
from dashboard.api.model_admin import run_model_command
from dashboard.common.auth import is_admin
from dashboard.common.context import log_event, request_lang, session_id, settings
from dashboard.common.data import current_provenance
from dashboard.common.i18n import t
from dashboard.common.provenance import demo_badge, empty_kind, empty_state
from dashboard.overview.page import overview_layout, register_overview_callbacks
from dashboard.predict import view
from dashboard.predict.data import (
    NoProductionModel,
    advice_experiment,
    background_shap,
    interventions,
    model_page_tables,
    predict_one,
    production,
    registry,
    scored_outcomes,
    student_record,
    test_prep_effect,
)
from dashboard.predict.strings import advice_key
from warehouse.connection import WarehouseMissing
from warehouse.model_artifacts import ArtifactError

PAGE = "predict"
dash.register_page(__name__, path="/predict", order=0, name="Predict", title="EduLoop · Predict")
register_overview_callbacks(PAGE, drawn_in_layout=True)   # the overview is the Predict page's first figure
ADVICE_ACTIONS = {f"{PAGE}-advice-follow": "follow", f"{PAGE}-advice-another": "another",
                  f"{PAGE}-advice-share": "share"}
# The inputs' URL keys carry a prefix: the overview filters further down this page use the bare names.
INPUT_PREFIX = "in_"
DEFAULT_RECORD = {"gender": "female", "race_ethnicity": "group C", "parental_education": "some college",
                  "lunch": "standard", "test_prep": "none", "reading_score": 70, "writing_score": 70}


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _badge(provenance: dict, lang: str, element_id: str):
    # predictions and model views are computed from (models trained on) the students; {} = no warehouse
    return demo_badge(provenance, ("students",), lang, element_id) if provenance else None


def _query_record(query: dict, base: dict) -> dict:
    """The form values from the URL (unknown categories and non-numbers fall back to `base`)."""
    record = dict(base)
    for name in FEATURES:
        value = query.get(INPUT_PREFIX + name)
        if value is None:
            continue
        if name in CATEGORICAL_FEATURES:
            record[name] = value if value in SPEC_BY_NAME[name].allowed else record[name]
        else:
            try:
                record[name] = int(float(value))   # out of range stays: the predict callback names the range
            except ValueError:
                pass
    return record


def _loaded(db_path, student_id: str | None) -> dict | None:
    """The store of a loaded student: id, inputs, true score and where the row came from."""
    row = student_record(db_path, student_id) if student_id else None
    if row is None:
        return None
    line = row.get("line_no")
    return {"student_id": student_id, "record": {name: row[name] for name in FEATURES},
            "actual": int(row["math_score"]), "source": row.get("source"),
            "line_no": int(line) if line is not None and line == line else None}


def _advice_card(lang: str) -> html.Div:
    buttons = [dbc.Button(t(f"predict.advice.{action}", lang), id=button_id, size="sm", className="me-2",
                          color="success" if action == "follow" else "secondary", outline=action != "follow")
               for button_id, action in ADVICE_ACTIONS.items()]
    return html.Div(dbc.Card(dbc.CardBody([
        html.Div(t("predict.advice.title", lang), className="text-muted small"),
        html.Div(id=_id("advice-text"), className="mb-2"),
        html.Div(buttons),
        html.Div(id=_id("advice-status"), className="small text-muted mt-1"),
        html.Div(id=_id("share")),
    ]), color="light", className="h-100"), id=_id("advice"), hidden=True, className="h-100")


def _result_row(lang: str, pass_mark: float) -> html.Div:
    return html.Div([
        dbc.Row([dbc.Col(html.Div(view.score_card(None, lang), id=_id("score")), md=3),
                 dbc.Col(html.Div(view.risk_card(None, lang, pass_mark), id=_id("risk")), md=3),
                 dbc.Col(_advice_card(lang), md=6)], className="g-2"),
        html.Div(id=_id("compare")),
        html.Div([dcc.Graph(id=_id("waterfall"), config={"displaylogo": False}),
                  html.Div(t("predict.waterfall.hint", lang), className="small text-muted"),
                  html.Div(id=_id("shap-note"), className="small text-info mt-2")],
                 id=_id("waterfall-wrap"), hidden=True),
    ])


def _model_sections(lang: str, models, provenance: dict) -> list:
    feature_options = [{"label": t(f"predict.feature.{f}", lang), "value": f} for f in FEATURES]
    trials, schools = model_page_tables(settings().db_path, models.version)
    level_options = [{"label": t(f"predict.risk.{level}", lang), "value": level} for level in RISK_LEVELS]
    return [
        view.section(t("predict.models.title", lang), _badge(provenance, lang, _id("models-demo")),
                     html.Div(id=_id("quality")), dbc.Row([
            dbc.Col(dcc.Graph(id=_id("fit")), md=6), dbc.Col(dcc.Graph(id=_id("residuals")), md=6)]), dbc.Row([
                dbc.Col(dcc.Graph(id=_id("importance")), md=6),
                dbc.Col([dbc.Label(t("predict.dependence.feature", lang), html_for=_id("dep-feature")),
                         dcc.Dropdown(id=_id("dep-feature"), options=feature_options, value="reading_score",
                                      clearable=False),
                         dcc.Graph(id=_id("dependence"))], md=6)]),
            view.risk_block(models, lang)),
        view.section(t("predict.cutoff.title", lang), _badge(provenance, lang, _id("cutoff-demo")),
                     view.cutoff_block(models.threshold, lang)),
        html.Div(view.model_card(models, lang), className="mt-4"),
        view.section(t("predict.admin.title", lang), view.models_admin_block(registry(settings().db_path), lang))
        if is_admin() else None,
        view.section(t("predict.trials.title", lang), view.trials_table(trials, lang)),
        view.section(t("predict.interventions.title", lang), dbc.Row([
            dbc.Col([dbc.Label(t("predict.interventions.level", lang), html_for=_id("int-level")),
                     dcc.Dropdown(id=_id("int-level"), options=level_options, value=["high"], multi=True)], md=4),
            dbc.Col([dbc.Label(t("predict.interventions.school", lang), html_for=_id("int-school")),
                     dcc.Dropdown(id=_id("int-school"), options=schools,
                                  placeholder=t("predict.interventions.all_schools", lang))], md=4),
        ], className="g-2 mb-2"), dcc.Loading(html.Div(id=_id("interventions")))),
    ]


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout from the URL query (lang, student, the seven inputs, algorithm and the overview filters)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    cfg = settings()
    provenance, loaded, empty = {}, None, None
    try:
        provenance = current_provenance(cfg.db_path)
        empty = empty_kind(provenance, ("students",))
        loaded = None if empty else _loaded(cfg.db_path, (query.get("student") or "").strip()[:64] or None)
        models = production(cfg.db_path)
        notice, sections = None, _model_sections(lang, models, provenance)
        algorithms, default = models.serving.algorithms, models.serving.default_algorithm
    except WarehouseMissing:
        notice, sections, algorithms, default = t("common.warehouse_missing", lang), [], (), None
    except (NoProductionModel, ArtifactError):
        notice, sections, algorithms, default = t("predict.no_model", lang), [], (), None
    record = _query_record(query, loaded["record"] if loaded else DEFAULT_RECORD)
    algorithm = query.get("algorithm") if query.get("algorithm") in algorithms else default
    autorun = bool(algorithms) and (loaded is not None or any(INPUT_PREFIX + name in query for name in FEATURES))
    form = empty_state(empty, lang, _id("empty")) if empty else html.Div([
        view.input_card(lang, record, loaded["student_id"] if loaded else "", algorithm, algorithms, default),
        _result_row(lang, cfg.pass_mark)])
    return html.Div([
        html.H3([t("predict.title", lang), _badge(provenance, lang, _id("demo"))]),
        html.P(t("predict.intro", lang), className="text-muted"),
        dbc.Alert(notice, color="warning", id=_id("notice")) if notice else None,
        form,
        # The overview comes before the model sections: its place must not move while their graphs load.
        html.Hr(className="my-4"),
        overview_layout(PAGE, lang, query),
        *sections,
        dcc.Store(id=_id("ui-lang"), data=lang), dcc.Store(id=_id("last")),
        dcc.Store(id=_id("loaded-store"), data=loaded), dcc.Store(id=_id("autorun"), data=autorun),
        dcc.Store(id=_id("href")), html.Div(id=_id("url-state"), hidden=True),
    ], id=f"{PAGE}-page")


def _problem_text(error: dict, lang: str) -> str:
    field = t(f"predict.feature.{error['field']}", lang)
    return t("predict.invalid", lang, field=field, problem=t(f"predict.problem.{error['code']}", lang))


RESULT_OUTPUTS = {"score": Output(_id("score"), "children"), "risk": Output(_id("risk"), "children"),
                  "waterfall": Output(_id("waterfall"), "figure"),
                  "waterfall_hidden": Output(_id("waterfall-wrap"), "hidden"),
                  "note": Output(_id("shap-note"), "children"), "compare": Output(_id("compare"), "children"),
                  "advice_hidden": Output(_id("advice"), "hidden"),
                  "advice_text": Output(_id("advice-text"), "children"),
                  "advice_status": Output(_id("advice-status"), "children"), "last": Output(_id("last"), "data")}
FORM_OUTPUTS = {"error": Output(_id("error"), "children"), "loaded": Output(_id("loaded-store"), "data"),
                "loaded_note": Output(_id("loaded"), "children"),
                "features": {name: Output(_id(f"in-{name}"), "value") for name in FEATURES}}


def _unchanged_result(error: str) -> dict:
    return {**{name: no_update for name in (*RESULT_OUTPUTS, "loaded", "loaded_note")}, "error": error,
            "features": {name: no_update for name in FEATURES}}


def _url_query(loaded: dict | None, clean: dict, algorithm: str) -> dict:
    """What the address bar keeps: the student and only the inputs that differ from their row (or all)."""
    query = {"algorithm": algorithm}
    if loaded:
        query["student"] = loaded["student_id"]
    query.update({INPUT_PREFIX + name: value for name, value in clean.items()
                  if not loaded or loaded["record"].get(name) != value})
    return query


@callback(
    output={**RESULT_OUTPUTS, **FORM_OUTPUTS},
    inputs={"go": Input(_id("go"), "n_clicks"), "load": Input(_id("load"), "n_clicks"),
            "student_id": State(_id("student"), "value"), "loaded": State(_id("loaded-store"), "data"),
            "autorun": State(_id("autorun"), "data"),
            "features": {name: State(_id(f"in-{name}"), "value") for name in FEATURES},
            "algorithm": State(_id("algorithm"), "value"), "lang": State(_id("ui-lang"), "data")},
)
def run_prediction(go, load, student_id, loaded, autorun, features, algorithm, lang):
    """Predict the form (a new student id loads that student first); with edits, before/after side by side."""
    if ctx.triggered_id is None and not autorun:
        raise PreventUpdate
    cfg = settings()
    record, student_id = dict(features), (student_id or "").strip()[:64] or None
    reload = student_id and (ctx.triggered_id == _id("load") or not loaded or loaded["student_id"] != student_id)
    if reload:
        loaded = _loaded(cfg.db_path, student_id)
        if loaded is None:
            return _unchanged_result(t("predict.student_not_found", lang, student_id=student_id))
        record = dict(loaded["record"])
    elif not student_id:
        loaded = None
    clean, errors = validate_student_record(record)
    if errors:
        return _unchanged_result(_problem_text(errors[0], lang))
    try:
        prediction = predict_one(cfg.db_path, clean, algorithm, explain=True)
        edited = loaded is not None and validate_student_record(loaded["record"])[0] != clean
        before = predict_one(cfg.db_path, validate_student_record(loaded["record"])[0], algorithm) if edited else None
    except (NoProductionModel, ArtifactError):
        return _unchanged_result(t("predict.no_model", lang))
    key, variants, allocation = advice_experiment(cfg.db_path)
    variant = assign_variant(session_id() or "anonymous", key, variants, allocation)
    group = advice_group(prediction.risk_level, clean)
    message = advice_key(group, variant, 0)
    common = {"page": PAGE, "student_id": loaded["student_id"] if loaded else None,
              "model_version": prediction.model_version, "predicted": prediction.predicted_math}
    log_event("prediction", **common, payload={"inputs": clean, "algorithm": prediction.algorithm,
                                               "risk_level": prediction.risk_level, "source": "ui"})
    log_event("impression", **common, variant=variant,
              payload={"experiment": key, "message": message, "risk_level": prediction.risk_level})
    last = {**common, "variant": variant, "experiment": key, "group": group, "risk_level": prediction.risk_level,
            "message_index": 0, "prediction_id": uuid.uuid4().hex,
            "query": _url_query(loaded, clean, prediction.algorithm)}
    actual = loaded["actual"] if loaded and not edited else None
    return {"score": view.score_card(prediction, lang, actual), "risk": view.risk_card(prediction, lang, cfg.pass_mark),
            "waterfall": view.waterfall_figure(prediction, lang), "waterfall_hidden": False,
            "note": view.shap_ebpm_note(prediction, test_prep_effect(cfg.db_path), lang),
            "compare": view.compare_block(before, prediction, lang), "advice_hidden": False,
            "advice_text": view.advice_text(group, variant, 0, lang), "advice_status": "", "last": last,
            "error": "", "loaded": loaded, "loaded_note": view.loaded_note(loaded, lang),
            "features": {name: loaded["record"][name] if reload else no_update for name in FEATURES}}


# Keep the prediction's inputs in the address bar (replaceState: no reload) and in the language switch's
# links, so a shared link or ja/en reproduces the same prediction; report the address for the share panel.
clientside_callback(
    """function(last) {
        if (!last || !last.query) { return [window.location.href, '']; }
        const params = new URLSearchParams(window.location.search);
        ["student", "algorithm", "%s"].forEach(k => params.delete(k));
        Object.entries(last.query).forEach(([k, v]) => params.set(k, v));
        window.history.replaceState(null, '', window.location.pathname + '?' + params.toString());
        ['ja', 'en'].forEach(lang => {
            const button = document.getElementById('lang-' + lang);
            if (button) { params.set('lang', lang); button.href = window.location.pathname + '?' + params.toString(); }
        });
        return [window.location.href, ''];
    }""" % '", "'.join(INPUT_PREFIX + name for name in FEATURES),
    Output(_id("href"), "data"), Output(_id("url-state"), "children"), Input(_id("last"), "data"),
)


@callback(
    Output(_id("advice-status"), "children", allow_duplicate=True),
    Output(_id("advice-text"), "children", allow_duplicate=True), Output(_id("last"), "data", allow_duplicate=True),
    Output(_id("share"), "children"),
    *[Input(button_id, "n_clicks") for button_id in ADVICE_ACTIONS],
    State(_id("last"), "data"), State(_id("href"), "data"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def advice_click(*args):
    """Log one 'click' with the experiment, action, variant, model version and predicted score."""
    *_clicks, last, href, lang = args
    action = ADVICE_ACTIONS.get(ctx.triggered_id)
    if not last or action is None or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    index = last.get("message_index", 0)
    group = last.get("group", last["risk_level"])
    log_event("click", page=PAGE, student_id=last.get("student_id"), model_version=last.get("model_version"),
              predicted=last.get("predicted"), variant=last.get("variant"),
              payload={"action": action, "experiment": last.get("experiment"),
                       "message": advice_key(group, last["variant"], index)})
    if action == "share":
        # the browser's own address; a QR code holds at most ~2,900 characters
        url = href if isinstance(href, str) and href.startswith(("http://", "https://")) and len(href) < 2000 else None
        return t("predict.advice.done.share", lang), no_update, no_update, view.share_panel(url, lang) if url else ""
    if action != "another":
        return t(f"predict.advice.done.{action}", lang), no_update, no_update, no_update
    index += 1
    return (t("predict.advice.done.another", lang), view.advice_text(group, last["variant"], index, lang),
            {**last, "message_index": index}, no_update)


@callback(
    Output(_id("cutoff-cards"), "children"), Output(_id("cutoff-confusion"), "figure"),
    Input(_id("cutoff"), "value"), State(_id("ui-lang"), "data"),
)
def update_cutoff(cutoff, lang):
    """Confusion matrix, precision, recall and students flagged per 100 at the slider's cutoff."""
    cfg = settings()
    models = production(cfg.db_path)
    cutoff = min(max(float(cutoff), 0.0), 1.0) if isinstance(cutoff, (int, float)) else models.threshold
    metrics = scored_outcomes(cfg.db_path, models.serving.risk.pass_mark).metrics(cutoff)
    return view.cutoff_views(metrics, models.threshold, lang)


@callback(
    Output(_id("quality"), "children"), Output(_id("fit"), "figure"), Output(_id("residuals"), "figure"),
    Output(_id("importance"), "figure"), Output(_id("dependence"), "figure"),
    Input(_id("algorithm"), "value"), Input(_id("dep-feature"), "value"), State(_id("ui-lang"), "data"),
)
def update_model_views(algorithm, feature, lang):
    """Quality cards, fit plots and SHAP importance/dependence of the chosen score model."""
    models = production(settings().db_path)
    algorithm = models.serving.resolve(algorithm if algorithm in models.serving.algorithms else None)
    feature = feature if feature in FEATURES else "reading_score"
    fit, residuals = view.fit_figures(models, algorithm, lang)
    importance, dependence = view.shap_figures(models, background_shap(models, algorithm), algorithm, feature, lang)
    return view.quality_block(models, algorithm, lang), fit, residuals, importance, dependence


@callback(*[Output(_id(name), "figure") for name in view.RISK_GRAPHS], Input(_id("ui-lang"), "data"))
def update_risk_figures(lang):
    """The at-risk classifier's confusion matrix, ROC and PR curves (after the page's first figure: below it)."""
    return view.risk_figures(production(settings().db_path), lang)


@callback(
    Output(_id("interventions"), "children"),
    Input(_id("int-level"), "value"), Input(_id("int-school"), "value"), State(_id("ui-lang"), "data"),
)
def update_interventions(levels, school, lang):
    """The students at the chosen risk levels (and school), highest probability first."""
    levels = tuple(level for level in (levels or []) if level in RISK_LEVELS) or ("high",)
    frame = interventions(settings().db_path, levels, school if isinstance(school, str) else None)
    return view.interventions_table(frame, lang)


@callback(
    output={"open": Output(_id("admin-modal"), "is_open"), "question": Output(_id("admin-question"), "children"),
            "pending": Output(_id("admin-pending"), "data"), "result": Output(_id("admin-result"), "children")},
    inputs={"promote": Input(_id("admin-promote"), "n_clicks"), "rollback": Input(_id("admin-rollback"), "n_clicks"),
            "cancel": Input(_id("admin-cancel"), "n_clicks"), "confirm": Input(_id("admin-confirm"), "n_clicks"),
            "version": State(_id("admin-version"), "value"), "pending": State(_id("admin-pending"), "data"),
            "lang": State(_id("ui-lang"), "data")},
    prevent_initial_call=True,
)
def manage_models(promote, rollback, cancel, confirm, version, pending, lang):
    """Ask before promote / rollback, then run it through the admin API's code path (admins only)."""
    closed = {"open": False, "question": no_update, "pending": None}
    if not is_admin():
        return {**closed, "result": t("predict.admin.refused", lang)}
    trigger = ctx.triggered_id
    if trigger in (_id("admin-promote"), _id("admin-rollback")):
        action = "promote" if trigger == _id("admin-promote") else "rollback"
        if action == "promote" and version not in set(registry(settings().db_path)["version"]):
            return {**closed, "result": t("predict.admin.need_version", lang)}
        return {"open": True, "question": t(f"predict.admin.ask.{action}", lang, version=version),
                "pending": {"action": action, "version": version}, "result": ""}
    if trigger != _id("admin-confirm") or not pending:
        return {**closed, "result": ""}
    action, version = pending["action"], pending.get("version")
    try:
        outcome = run_model_command(["promote", version] if action == "promote" else ["rollback"], action)
    except ApiError as exc:
        key = f"predict.admin.error.{exc.code}" + (f".{action}" if exc.code == "conflict" else "")
        return {**closed, "result": t(key, lang, reason=exc.message)}
    done = "predict.admin.already" if outcome.get("already") else f"predict.admin.done.{action}"
    return {**closed, "result": t(done, lang, version=version)}
