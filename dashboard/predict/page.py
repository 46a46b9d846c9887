"""Predict tab: one student's predicted math score, risk level and SHAP waterfall; A/B advice with click
logging; model quality, risk metrics, model card, tuning trials and the intervention list.

Callbacks are thin: inputs -> dashboard.predict.data / warehouse.model_queries -> predict_view.
Every prediction logs one 'prediction' event (payload.inputs, read by the drift monitor) and ONE
'impression' of the advice variant; each advice button logs a 'click' with its action.
"""
from __future__ import annotations

import uuid

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from analytics.advice import assign_variant
from analytics.models.risk import RISK_LEVELS
from analytics.models.schema import CATEGORICAL_FEATURES, FEATURES, SPEC_BY_NAME, validate_student_record
from dashboard.common.context import log_event, request_lang, session_id, settings
from dashboard.common.i18n import t
from dashboard.overview.page import overview_layout, register_overview_callbacks
from dashboard.predict import view
from dashboard.predict.data import (
    NoProductionModel,
    background_shap,
    interventions,
    model_page_tables,
    predict_one,
    production,
    student_record,
)
from dashboard.predict.strings import ADVICE_EXPERIMENT, ADVICE_VARIANTS, advice_key
from warehouse.connection import WarehouseMissing
from warehouse.model_artifacts import ArtifactError

PAGE = "predict"
dash.register_page(__name__, path="/predict", order=0, name="Predict", title="EduLoop · Predict")
register_overview_callbacks(PAGE)
ADVICE_ACTIONS = {f"{PAGE}-advice-follow": "follow", f"{PAGE}-advice-another": "another",
                  f"{PAGE}-advice-share": "share"}
DEFAULT_RECORD = {"gender": "female", "race_ethnicity": "group C", "parental_education": "some college",
                  "lunch": "standard", "test_prep": "none", "reading_score": 70, "writing_score": 70}


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def _field(name: str, lang: str, value) -> dbc.Col:
    label = dbc.Label(t(f"predict.feature.{name}", lang), html_for=_id(f"in-{name}"), className="small mb-0")
    if name in CATEGORICAL_FEATURES:
        control = dcc.Dropdown(id=_id(f"in-{name}"), value=value, clearable=False,
                               options=[{"label": t(f"cat.{v}", lang), "value": v} for v in SPEC_BY_NAME[name].allowed])
    else:
        control = dbc.Input(id=_id(f"in-{name}"), type="number", min=0, max=100, step=1, value=value)
    return dbc.Col([label, control], md=True)


def _input_card(lang: str, query: dict, algorithms: tuple[str, ...], default: str | None) -> dbc.Card:
    """A compact, full-width form: the page must stay short above the fold (the overview follows)."""
    algorithm = query.get("algorithm") if query.get("algorithm") in algorithms else default
    options = [{"label": t("predict.algo.default", lang, name=view.algorithm_name(a, lang)) if a == default
                else view.algorithm_name(a, lang), "value": a} for a in algorithms]
    categorical = [name for name in FEATURES if name in CATEGORICAL_FEATURES]
    numeric = [name for name in FEATURES if name not in CATEGORICAL_FEATURES]
    return dbc.Card(dbc.CardBody([
        dbc.Row([_field(name, lang, DEFAULT_RECORD[name]) for name in categorical], className="g-2 mb-2"),
        dbc.Row([
            *[_field(name, lang, DEFAULT_RECORD[name]) for name in numeric],
            dbc.Col([dbc.Label(t("predict.student_id", lang), html_for=_id("student"), className="small mb-0"),
                     dbc.Input(id=_id("student"), value=(query.get("student") or "")[:64], debounce=True,
                               placeholder=t("predict.student_id.placeholder", lang))], md=True),
            dbc.Col([dbc.Label(t("predict.algorithm", lang), html_for=_id("algorithm"), className="small mb-0"),
                     dbc.Select(id=_id("algorithm"), options=options, value=algorithm)], md=3),
            dbc.Col(dbc.Button(t("predict.go", lang), id=_id("go"), color="primary", className="w-100"),
                    md=1, className="d-flex align-items-end"),
        ], className="g-2"),
        dbc.FormText(t("predict.student_id.help", lang)),
        html.Div(id=_id("error"), className="text-danger small mt-1"),
    ]), className="mb-2")


def _advice_card(lang: str) -> html.Div:
    buttons = [dbc.Button(t(f"predict.advice.{action}", lang), id=button_id, size="sm", className="me-2",
                          color="success" if action == "follow" else "secondary", outline=action != "follow")
               for button_id, action in ADVICE_ACTIONS.items()]
    return html.Div(dbc.Card(dbc.CardBody([
        html.Div(t("predict.advice.title", lang), className="text-muted small"),
        html.Div(id=_id("advice-text"), className="mb-2"),
        html.Div(buttons),
        html.Div(id=_id("advice-status"), className="small text-muted mt-1"),
    ]), color="light", className="h-100"), id=_id("advice"), hidden=True, className="h-100")


def _result_row(lang: str, pass_mark: float) -> html.Div:
    return html.Div([
        dbc.Row([dbc.Col(html.Div(view.score_card(None, lang), id=_id("score")), md=3),
                 dbc.Col(html.Div(view.risk_card(None, lang, pass_mark), id=_id("risk")), md=3),
                 dbc.Col(_advice_card(lang), md=6)], className="g-2"),
        html.Div([dcc.Graph(id=_id("waterfall")),
                  html.Div(t("predict.waterfall.hint", lang), className="small text-muted")],
                 id=_id("waterfall-wrap"), hidden=True),
    ])


def _model_sections(lang: str, models) -> list:
    feature_options = [{"label": t(f"predict.feature.{f}", lang), "value": f} for f in FEATURES]
    trials, schools = model_page_tables(settings().db_path, models.version)
    level_options = [{"label": t(f"predict.risk.{level}", lang), "value": level} for level in RISK_LEVELS]
    return [
        view.section(t("predict.models.title", lang), html.Div(id=_id("quality")), dbc.Row([
            dbc.Col(dcc.Graph(id=_id("fit")), md=6), dbc.Col(dcc.Graph(id=_id("residuals")), md=6)]), dbc.Row([
                dbc.Col(dcc.Graph(id=_id("importance")), md=6),
                dbc.Col([dbc.Label(t("predict.dependence.feature", lang), html_for=_id("dep-feature")),
                         dcc.Dropdown(id=_id("dep-feature"), options=feature_options, value="reading_score",
                                      clearable=False),
                         dcc.Graph(id=_id("dependence"))], md=6)]),
            view.risk_block(models, lang)),
        html.Div(view.model_card(models, lang), className="mt-4"),
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
    """Page layout from the URL query (lang, student, algorithm and the overview filters)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    cfg = settings()
    try:
        models = production(cfg.db_path)
        notice, sections = None, _model_sections(lang, models)
        algorithms, default = models.serving.algorithms, models.serving.default_algorithm
    except WarehouseMissing:
        notice, sections, algorithms, default = t("common.warehouse_missing", lang), [], (), None
    except (NoProductionModel, ArtifactError):
        notice, sections, algorithms, default = t("predict.no_model", lang), [], (), None
    return html.Div([
        html.H3(t("predict.title", lang)),
        html.P(t("predict.intro", lang), className="text-muted"),
        dbc.Alert(notice, color="warning", id=_id("notice")) if notice else None,
        _input_card(lang, query, algorithms, default),
        _result_row(lang, cfg.pass_mark),
        # The overview comes before the model sections: its place must not move while their graphs load.
        html.Hr(className="my-4"),
        overview_layout(PAGE, lang, query),
        *sections,
        dcc.Store(id=_id("ui-lang"), data=lang),
        dcc.Store(id=_id("last")),
    ], id=f"{PAGE}-page")


def _problem_text(error: dict, lang: str) -> str:
    field = t(f"predict.feature.{error['field']}", lang)
    return t("predict.invalid", lang, field=field, problem=t(f"predict.problem.{error['code']}", lang))


RESULT_OUTPUTS = {"score": Output(_id("score"), "children"), "risk": Output(_id("risk"), "children"),
                  "waterfall": Output(_id("waterfall"), "figure"),
                  "waterfall_hidden": Output(_id("waterfall-wrap"), "hidden"),
                  "advice_hidden": Output(_id("advice"), "hidden"),
                  "advice_text": Output(_id("advice-text"), "children"),
                  "advice_status": Output(_id("advice-status"), "children"), "last": Output(_id("last"), "data")}


def _unchanged_result(error: str) -> dict:
    return {**{name: no_update for name in RESULT_OUTPUTS}, "error": error,
            "features": {name: no_update for name in FEATURES}}


@callback(
    output={**RESULT_OUTPUTS, "error": Output(_id("error"), "children"),
            "features": {name: Output(_id(f"in-{name}"), "value") for name in FEATURES}},
    inputs={"clicks": Input(_id("go"), "n_clicks"), "student_id": State(_id("student"), "value"),
            "features": {name: State(_id(f"in-{name}"), "value") for name in FEATURES},
            "algorithm": State(_id("algorithm"), "value"), "lang": State(_id("ui-lang"), "data")},
    prevent_initial_call=True,
)
def run_prediction(clicks, student_id, features, algorithm, lang):
    """Predict (by student id or the form), explain, pick the advice variant, log prediction + impression."""
    cfg = settings()
    record, actual, student_id = dict(features), None, (student_id or "").strip()[:64] or None
    if student_id:
        row = student_record(cfg.db_path, student_id)
        if row is None:
            return _unchanged_result(t("predict.student_not_found", lang, student_id=student_id))
        record, actual = {name: row[name] for name in FEATURES}, int(row["math_score"])
    clean, errors = validate_student_record(record)
    if errors:
        return _unchanged_result(_problem_text(errors[0], lang))
    try:
        prediction = predict_one(cfg.db_path, clean, algorithm, explain=True)
    except (NoProductionModel, ArtifactError):
        return _unchanged_result(t("predict.no_model", lang))
    variant = assign_variant(session_id() or "anonymous", ADVICE_EXPERIMENT, ADVICE_VARIANTS)
    message = advice_key(prediction.risk_level, variant, 0)
    common = {"page": PAGE, "student_id": student_id, "model_version": prediction.model_version,
              "predicted": prediction.predicted_math}
    log_event("prediction", **common, payload={"inputs": clean, "algorithm": prediction.algorithm,
                                               "risk_level": prediction.risk_level, "source": "ui"})
    log_event("impression", **common, variant=variant,
              payload={"experiment": ADVICE_EXPERIMENT, "message": message, "risk_level": prediction.risk_level})
    last = {**common, "variant": variant, "risk_level": prediction.risk_level, "message_index": 0,
            "prediction_id": uuid.uuid4().hex}
    return {"score": view.score_card(prediction, lang, actual), "risk": view.risk_card(prediction, lang, cfg.pass_mark),
            "waterfall": view.waterfall_figure(prediction, lang), "waterfall_hidden": False, "advice_hidden": False,
            "advice_text": view.advice_text(prediction.risk_level, variant, 0, lang), "advice_status": "",
            "last": last, "error": "",
            "features": {name: row[name] if student_id else no_update for name in FEATURES}}


@callback(
    Output(_id("advice-status"), "children", allow_duplicate=True),
    Output(_id("advice-text"), "children", allow_duplicate=True), Output(_id("last"), "data", allow_duplicate=True),
    *[Input(button_id, "n_clicks") for button_id in ADVICE_ACTIONS],
    State(_id("last"), "data"), State(_id("ui-lang"), "data"),
    prevent_initial_call=True,
)
def advice_click(*args):
    """Log one 'click' with the action, variant, model version and predicted score."""
    *_clicks, last, lang = args
    action = ADVICE_ACTIONS.get(ctx.triggered_id)
    if not last or action is None or not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update, no_update
    index = last.get("message_index", 0)
    log_event("click", page=PAGE, student_id=last.get("student_id"), model_version=last.get("model_version"),
              predicted=last.get("predicted"), variant=last.get("variant"),
              payload={"action": action, "experiment": ADVICE_EXPERIMENT,
                       "message": advice_key(last["risk_level"], last["variant"], index)})
    if action != "another":
        return t(f"predict.advice.done.{action}", lang), no_update, no_update
    index += 1
    return (t("predict.advice.done.another", lang), view.advice_text(last["risk_level"], last["variant"], index, lang),
            {**last, "message_index": index})


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


@callback(
    Output(_id("interventions"), "children"),
    Input(_id("int-level"), "value"), Input(_id("int-school"), "value"), State(_id("ui-lang"), "data"),
)
def update_interventions(levels, school, lang):
    """The students at the chosen risk levels (and school), highest probability first."""
    levels = tuple(level for level in (levels or []) if level in RISK_LEVELS) or ("high",)
    frame = interventions(settings().db_path, levels, school if isinstance(school, str) else None)
    return view.interventions_table(frame, lang)
