"""Render the Predict tab's blocks: form, prediction and what-if, share, model quality, cutoff, model card and
admin, lists. Pure: data comes in from dashboard.predict.data, figures from analytics.models.figures."""
from __future__ import annotations

import base64
import json
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
import segno
from dash import dcc, html

from analytics.models.evaluation import cv_metric_cards
from analytics.models.explain import global_importance
from analytics.models.figures import (
    make_confusion_matrix_figure,
    make_dependence_figure,
    make_importance_figure,
    make_pr_figure,
    make_predicted_vs_actual_figure,
    make_residuals_figure,
    make_roc_figure,
    make_shap_waterfall_figure,
)
from analytics.models.promotion import reason_codes
from analytics.models.schema import CATEGORICAL_FEATURES, FEATURES, SPEC_BY_NAME
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import labels, t
from dashboard.predict.strings import LIFECYCLE_REASONS, STATUSES, advice_key

if TYPE_CHECKING:   # types only: a view never loads data
    from dashboard.predict.data import LoadedModels, Prediction

PAGE = "predict"
RISK_COLORS = {"low": "success", "medium": "warning", "high": "danger"}
RISK_METRICS = ("precision", "recall", "f1", "roc_auc", "pr_auc")


def figure_labels(lang: str) -> dict[str, Any]:
    """Translated labels for analytics.models.figures builders."""
    return {**labels("predict.fig.", lang), "features": labels("predict.feature.", lang)}


def algorithm_name(name: str, lang: str) -> str:
    """Display name of a model algorithm."""
    return t(f"predict.algo.{name}", lang)


def _num(value: Any, digits: int = 2) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(number) else f"{number:.{digits}f}"


def section(title: str, *children, element_id: str | None = None) -> html.Div:
    """A titled block of the page."""
    return html.Div([html.H4(title, className="mt-4"), *children], id=element_id or "")


# ---- one prediction ---------------------------------------------------------------------------
def score_card(prediction: Prediction | None, lang: str, actual: Any = None) -> dbc.Card:
    """KPI card of the predicted math score."""
    if prediction is None:
        return kpi_card(t("predict.result.score", lang), "–")
    note = t("predict.result.score_note", lang, algorithm=algorithm_name(prediction.algorithm, lang),
             version=prediction.model_version)
    if actual is not None:
        note += " · " + t("predict.result.actual", lang, score=actual)
    return kpi_card(t("predict.result.score", lang), f"{prediction.predicted_math:.1f}", note=note)


def risk_card(prediction: Prediction | None, lang: str, pass_mark: float) -> dbc.Card:
    """KPI card of the risk level and probability."""
    title = t("predict.result.risk", lang, mark=f"{pass_mark:g}")
    if prediction is None:
        return kpi_card(title, "–")
    card = kpi_card(title, t(f"predict.risk.{prediction.risk_level}", lang),
                    note=t("predict.result.risk_note", lang, probability=f"{prediction.risk_probability:.1%}",
                           threshold=f"{prediction.risk_threshold:.1%}"))
    card.color, card.outline = RISK_COLORS[prediction.risk_level], True
    return card


def waterfall_figure(prediction: Prediction, lang: str):
    """SHAP waterfall of one prediction (score points)."""
    explanation = prediction.explanation
    shown = explanation.contributions.copy()   # category values in the page language ("male" -> 男性)
    shown["value"] = [t(f"cat.{v}", lang) if f in CATEGORICAL_FEATURES else v
                      for f, v in zip(shown["feature"], shown["value"])]
    figure = tidy(make_shap_waterfall_figure(replace(explanation, contributions=shown), labels=figure_labels(lang)))
    # Zoom the axis onto the running total: drawn from 0, the base-value bar would crush the contributions.
    path = explanation.base_value + explanation.contributions["shap"].cumsum()
    low, high = min(path.min(), explanation.base_value), max(path.max(), explanation.base_value)
    pad = 0.15 * (high - low) + 1.0
    figure.update_layout(margin={"t": 60, "l": 10, "r": 20, "b": 50}, height=400,
                         xaxis={"range": [low - pad, high + pad]})
    return figure


def tidy(figure: go.Figure) -> go.Figure:
    """Readable chart chrome: title left, modebar vertical at the right edge (off the title), axes auto-margined."""
    figure.update_layout(title={"x": 0.01, "xanchor": "left"}, modebar={"orientation": "v"})
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


def advice_text(group: str, variant: str, index: int, lang: str) -> str:
    """The advice message for an advice group, variant and message number."""
    return t(advice_key(group, variant, index), lang)


# ---- the input form and what-if ---------------------------------------------------------------
def _field(name: str, lang: str, value) -> dbc.Col:
    control_id = f"{PAGE}-in-{name}"
    label = dbc.Label(t(f"predict.feature.{name}", lang), html_for=control_id, className="small mb-0")
    if name in CATEGORICAL_FEATURES:
        control = dcc.Dropdown(id=control_id, value=value, clearable=False,
                               options=[{"label": t(f"cat.{v}", lang), "value": v} for v in SPEC_BY_NAME[name].allowed])
    else:   # no min/max on the element: the browser would turn 150 into an empty value ("required")
        control = dbc.Input(id=control_id, type="number", step=1, value=value)
    return dbc.Col([label, control], md=True)


def input_card(lang: str, record: dict, student: str, algorithm: str | None, algorithms: tuple[str, ...],
               default: str | None) -> dbc.Card:
    """The compact form: categorical fields, scores, student id (Load), score model, Predict."""
    options = [{"label": t("predict.algo.default", lang, name=algorithm_name(a, lang)) if a == default
                else algorithm_name(a, lang), "value": a} for a in algorithms]
    numeric = [name for name in FEATURES if name not in CATEGORICAL_FEATURES]
    return dbc.Card(dbc.CardBody([
        dbc.Row([_field(name, lang, record[name]) for name in FEATURES if name in CATEGORICAL_FEATURES],
                className="g-2 mb-2"),
        dbc.Row([
            *[_field(name, lang, record[name]) for name in numeric],
            dbc.Col([dbc.Label(t("predict.student_id", lang), html_for=f"{PAGE}-student", className="small mb-0"),
                     dbc.InputGroup([dbc.Input(id=f"{PAGE}-student", value=student, debounce=True,
                                               placeholder=t("predict.student_id.placeholder", lang)),
                                     dbc.Button(t("predict.load", lang), id=f"{PAGE}-load", color="secondary",
                                                outline=True)])], md=True),
            dbc.Col([dbc.Label(t("predict.algorithm", lang), html_for=f"{PAGE}-algorithm", className="small mb-0"),
                     dbc.Select(id=f"{PAGE}-algorithm", options=options, value=algorithm)], md=3),
            dbc.Col(dbc.Button(t("predict.go", lang), id=f"{PAGE}-go", color="primary", className="w-100"),
                    md=1, className="d-flex align-items-end"),
        ], className="g-2"),
        dbc.FormText(t("predict.student_id.help", lang)),
        html.Div(id=f"{PAGE}-loaded", className="small mt-1"),
        html.Div(id=f"{PAGE}-error", className="text-danger small mt-1"),
    ]), className="mb-2")


def loaded_note(loaded: dict | None, lang: str) -> str:
    """Which student is in the form, with the CSV line it came from where known."""
    if not loaded:
        return ""
    line = loaded.get("line_no")
    where = t("predict.loaded.line", lang, source=loaded.get("source") or "", line=int(line)) if line else ""
    return t("predict.loaded", lang, student_id=loaded["student_id"], where=where)


def compare_block(before: Prediction | None, after: Prediction, lang: str) -> html.Div | None:
    """Before (the loaded student) and after (with the edits) side by side, or None without edits."""
    if before is None:
        return None
    cards = [dbc.Col(kpi_card(t(f"predict.compare.{side}", lang), f"{p.predicted_math:.1f}",
                              note=t("predict.compare.risk", lang, level=t(f"predict.risk.{p.risk_level}", lang),
                                     probability=f"{p.risk_probability:.1%}")), md=6)
             for side, p in (("before", before), ("after", after))]
    delta = after.predicted_math - before.predicted_math
    return html.Div([
        html.H5(t("predict.compare.title", lang), className="mt-2"),
        dbc.Row(cards, className="g-2", id=f"{PAGE}-compare-cards"),
        html.Div(t("predict.compare.delta", lang, delta=f"{delta:+.1f}"), className="small text-muted mt-1"),
    ])


def share_panel(url: str, lang: str) -> html.Div:
    """A copyable link to this view and its QR code (inline SVG data URI: no network, no file)."""
    svg = segno.make(url, error="m").svg_inline(scale=4)
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return html.Div([
        html.Div(t("predict.share.title", lang), className="small text-muted"),
        dbc.InputGroup([dbc.Input(id=f"{PAGE}-share-url", value=url, readonly=True),
                        dbc.InputGroupText(dcc.Clipboard(target_id=f"{PAGE}-share-url",
                                                         title=t("predict.share.copy", lang)))]),
        html.Img(src=src, alt=t("predict.share.qr", lang), id=f"{PAGE}-share-qr", className="mt-2",
                 style={"width": "160px"}),
    ], className="mt-2")


def shap_ebpm_note(prediction: Prediction, effect: float | None, lang: str) -> str:
    """A note when test prep's SHAP contribution and the EBPM effect point opposite ways (else empty)."""
    table = prediction.explanation.contributions if prediction.explanation is not None else None
    if effect is None or table is None or "test_prep" not in set(table["feature"]):
        return ""
    shap = float(table.loc[table["feature"] == "test_prep", "shap"].iloc[0])
    if shap * effect >= 0:
        return ""
    return t("predict.shap_vs_ebpm", lang, shap=f"{shap:+.1f}", effect=f"{effect:+.1f}")


# ---- the cutoff explorer ----------------------------------------------------------------------
def cutoff_block(threshold: float, lang: str) -> html.Div:
    """The slider (production threshold marked) and the places its callback fills."""
    marks = {round(x, 1): f"{x:.1f}" for x in (0.1, 0.3, 0.5, 0.7, 0.9) if abs(x - threshold) > 0.08}
    marks[round(threshold, 3)] = {"label": t("predict.cutoff.production", lang, threshold=f"{threshold:.2f}"),
                                  "style": {"color": "#b02a37", "fontWeight": "bold", "whiteSpace": "nowrap"}}
    return html.Div([
        html.P(t("predict.cutoff.help", lang), className="text-muted small"),
        dbc.Label(t("predict.cutoff.label", lang), html_for=f"{PAGE}-cutoff"),
        dcc.Slider(id=f"{PAGE}-cutoff", min=0.02, max=0.98, step=0.01, value=round(threshold, 3), marks=marks,
                   tooltip={"placement": "bottom", "always_visible": False}),
        html.Div(id=f"{PAGE}-cutoff-cards", className="mt-2"),
        dcc.Graph(id=f"{PAGE}-cutoff-confusion", config={"displaylogo": False}),
    ])


def cutoff_views(metrics: dict, production: float, lang: str):
    """KPI cards (precision, recall, flagged per 100) and the confusion matrix at the slider's cutoff."""
    text = figure_labels(lang)
    text["confusion_title"] = t("predict.cutoff.confusion_title", lang, threshold=f"{metrics['threshold']:.2f}")
    cards = [dbc.Col(kpi_card(t(f"predict.cutoff.{name}", lang), value, f"{PAGE}-cutoff-{name}"), md=True)
             for name, value in (("precision", _num(metrics["precision"], 3)), ("recall", _num(metrics["recall"], 3)),
                                 ("flagged_per_100", _num(metrics["flagged_per_100"], 1)))]
    note = t("predict.cutoff.vs_production", lang, production=f"{production:.2f}")
    return (html.Div([dbc.Row(cards, className="g-2"), html.Div(note, className="small text-muted mt-1")]),
            tidy(make_confusion_matrix_figure(metrics, labels=text)))


# ---- model quality ----------------------------------------------------------------------------
def _algorithm_metrics(models: LoadedModels, algorithm: str) -> dict[str, float]:
    row = models.regression_row
    cv = (row.get("cv_metrics") or {}).get("algorithms", {}).get(algorithm, {})
    test = (row.get("test_metrics") or {}).get("algorithms", {}).get(algorithm, {})
    return {**cv, **test}


def quality_block(models: LoadedModels, algorithm: str, lang: str) -> html.Div:
    """Test RMSE/MAE/R² cards with the CV mean ± sd, and the subtitle naming the model and folds."""
    training = (models.regression_row.get("params") or {}).get("training", {})
    folds = int(training.get("cv_splits", 5)) * int(training.get("cv_repeats", 1))
    cards = [dbc.Col(kpi_card(t(f"predict.metric.{c['metric']}", lang),
                              _num(c["test"], 3 if c["metric"] == "r2" else 2), f"{PAGE}-quality-{c['metric']}",
                              note=t("predict.metric.cv", lang, mean=_num(c["cv_mean"], 3),
                                     sd=_num(c["cv_sd"], 3))), md=True)
             for c in cv_metric_cards(_algorithm_metrics(models, algorithm))]
    return html.Div([
        html.P(t("predict.models.subtitle", lang, algorithm=algorithm_name(algorithm, lang), folds=folds),
               className="text-muted"),
        dbc.Row(cards, className="g-2 mb-2")])


def fit_figures(models: LoadedModels, algorithm: str, lang: str):
    """Predicted-vs-actual and residual figures of one regressor on the test split."""
    predictions = models.regression_bundle["test_predictions"][algorithm]
    text = figure_labels(lang)
    return (tidy(make_predicted_vs_actual_figure(predictions, labels=text)),
            tidy(make_residuals_figure(predictions, labels=text)))


def shap_figures(models: LoadedModels, values: pd.DataFrame, algorithm: str, feature: str, lang: str):
    """Global importance (mean |SHAP|) and one feature's dependence figure, from the background's SHAP values."""
    text = figure_labels(lang)
    importance = global_importance(values)
    dependence = pd.DataFrame({"value": models.serving.explainer(algorithm).background[feature].to_numpy(),
                               "shap": values[feature].to_numpy()})
    return (tidy(make_importance_figure(importance, labels=text)),
            tidy(make_dependence_figure(dependence, feature, labels=text)))


# ---- risk classifier --------------------------------------------------------------------------
RISK_GRAPHS = ("confusion", "roc", "pr")


def risk_figures(models: LoadedModels, lang: str) -> list[go.Figure]:
    """The at-risk classifier's confusion matrix, ROC and PR curves on the test set (RISK_GRAPHS' order)."""
    bundle = models.risk_bundle
    evaluation = bundle["evaluations"][bundle["selected"]]
    report, text = evaluation["test"], figure_labels(lang)
    return [tidy(make_confusion_matrix_figure(report, labels=text)),
            tidy(make_roc_figure(evaluation["roc_curve"], report=report, labels=text)),
            tidy(make_pr_figure(evaluation["pr_curve"], report=report, labels=text))]


def risk_block(models: LoadedModels, lang: str) -> html.Div:
    """Classifier metrics at the threshold, officials' terms, and the places of the confusion matrix, ROC and PR
    curves (risk_figures, drawn by a callback after the page's first figure)."""
    bundle = models.risk_bundle
    report = bundle["evaluations"][bundle["selected"]]["test"]
    mark = f"{models.serving.risk.pass_mark:g}"
    cards = [dbc.Col(kpi_card(t(f"predict.metric.{name}", lang), _num(report.get(name), 3),
                              f"{PAGE}-risk-{name}"), md=True) for name in RISK_METRICS]
    terms = [
        t("predict.officials.caught", lang, mark=mark, n=_num(report["at_risk_flagged_per_100"], 0)),
        t("predict.officials.workload", lang, n=_num(report["flagged_per_100_students"], 0)),
        t("predict.officials.precision", lang, mark=mark, n=_num(report["true_at_risk_per_100_flagged"], 0)),
    ]
    return html.Div([
        html.P(t("predict.risk_metrics.title", lang, algorithm=algorithm_name(bundle["selected"], lang),
                 threshold=_num(models.threshold, 3)), className="text-muted"),
        dbc.Row(cards, className="g-2 mb-2"),
        dbc.Alert([html.Strong(t("predict.officials.title", lang)),
                   html.Ul([html.Li(line) for line in terms], className="mb-0")],
                  color="info", id=f"{PAGE}-officials"),
        dbc.Row([dbc.Col(dcc.Graph(id=f"{PAGE}-{name}"), md=4) for name in RISK_GRAPHS]),
    ])


# ---- model card and trials --------------------------------------------------------------------
def model_card(models: LoadedModels, lang: str) -> dbc.Card:
    """Version, training time, data, status, metrics, intended use and known limits."""
    reg, risk = models.regression_row, models.risk_row
    training = (reg.get("params") or {}).get("training", {})
    metrics = reg.get("test_metrics") or {}
    risk_metrics = risk.get("test_metrics") or {}
    summary = "; ".join(
        " · ".join(f"{t(f'predict.metric.{name}', lang)} {_num(values.get(f'test_{name}'), 3)}" for name in names)
        + f" ({algorithm_name(row['algorithm'], lang)})"
        for row, values, names in ((reg, metrics, ("rmse", "mae", "r2")), (risk, risk_metrics, ("recall", "pr_auc"))))
    created = pd.Timestamp(reg["created_at"]).strftime("%Y-%m-%d %H:%M") if reg.get("created_at") is not None else "–"
    rows = [
        ("predict.card.version", f"{reg['version']} / {risk['version']}"),
        ("predict.card.trained_at", created),
        ("predict.card.data", t("predict.card.data_value", lang, rows=f"{int(reg['data_rows'] or 0):,}",
                                population=f"{int(training.get('population_rows', reg['data_rows'] or 0)):,}",
                                hash=str(reg.get("data_hash") or "")[:12])),
        ("predict.card.status", status_sentence(reg, lang)),
        ("predict.card.metrics", summary),
        ("predict.card.intended_use", t("predict.card.intended_use.text", lang)),
        ("predict.card.limits", t("predict.card.limits.text", lang)),
    ]
    body = html.Dl([item for key, value in rows for item in (html.Dt(t(key, lang)), html.Dd(value))],
                   className="mb-0")
    return dbc.Card([dbc.CardHeader(t("predict.card.title", lang)), dbc.CardBody(body)], id=f"{PAGE}-model-card")


def status_sentence(row: dict, lang: str) -> str:
    """A registry status and its recorded reason as sentences, never the bare codes."""
    status, reason = str(row.get("status") or ""), str(row.get("status_reason") or "")
    parts = [t(f"predict.status.{status}", lang) if status in STATUSES else status]
    parts += [t(f"predict.reason.{key}", lang) for prefix, key in LIFECYCLE_REASONS if reason.startswith(prefix)]
    parts += [t(f"predict.gate.{code}", lang, model=t(f"predict.gate.task.{task}", lang))
              for task, code in reason_codes(reason)]
    return " ".join(parts)


def models_admin_block(registry: pd.DataFrame, lang: str) -> html.Div:
    """Admin only: versions with test metrics and status; promote and roll back behind a confirmation dialog."""
    frame = registry[registry["task"].isin(("regression", "risk"))].copy()
    metrics = frame["test_metrics"].map(lambda text: json.loads(text) if isinstance(text, str) else {})
    frame["metric"] = [" · ".join(f"{t(f'predict.metric.{m}', lang)} {_num(values.get(f'test_{m}'), 3)}"
                                  for m in (("rmse", "r2") if task == "regression" else ("recall", "pr_auc")))
                       for task, values in zip(frame["task"], metrics)]
    frame["status"] = [status_sentence(row, lang) for row in frame.to_dict("records")]
    frame["created_at"] = frame["created_at"].astype(str).str[:16]
    frame["algorithm"] = frame["algorithm"].map(lambda name: algorithm_name(name, lang))
    shown = frame[["version", "algorithm", "metric", "status", "created_at"]]
    versions = [{"label": v, "value": v} for v in frame.loc[frame["task"] == "regression", "version"]]
    confirm = dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(t("predict.admin.confirm_title", lang))),
                         dbc.ModalBody(id=f"{PAGE}-admin-question"),
                         dbc.ModalFooter([dbc.Button(t("predict.admin.cancel", lang), id=f"{PAGE}-admin-cancel",
                                                     color="secondary"),
                                          dbc.Button(t("predict.admin.confirm", lang), id=f"{PAGE}-admin-confirm",
                                                     color="danger")])], id=f"{PAGE}-admin-modal", is_open=False)
    return html.Div([
        html.P(t("predict.admin.help", lang), className="text-muted small"),
        csv_table(f"{PAGE}-registry", shown, lang, page_size=10,
                  columns={c: t(f"predict.admin.col.{c}", lang) for c in shown.columns}),
        dbc.Row([dbc.Col(dcc.Dropdown(id=f"{PAGE}-admin-version", options=versions,
                                      placeholder=t("predict.admin.pick", lang)), md=5),
                 dbc.Col([dbc.Button(t("predict.admin.promote", lang), id=f"{PAGE}-admin-promote", color="warning",
                                     className="me-2"),
                          dbc.Button(t("predict.admin.rollback", lang), id=f"{PAGE}-admin-rollback",
                                     color="secondary", outline=True)], md=7)], className="g-2 mt-2"),
        html.Div(id=f"{PAGE}-admin-result", className="small mt-2"), confirm, dcc.Store(id=f"{PAGE}-admin-pending"),
    ], id=f"{PAGE}-admin")


def trials_table(trials: pd.DataFrame, lang: str) -> html.Div:
    """The tuning trials of the production regression version, downloadable."""
    frame = trials.copy()
    if not frame.empty:   # model and parameter names in the page language, values as tuned
        names = labels("predict.param.", lang)
        frame["algorithm"] = frame["algorithm"].map(lambda name: algorithm_name(name, lang))
        frame["params"] = frame["params"].map(lambda p: json.dumps(
            {names.get(k, k): v for k, v in sorted(json.loads(p).items())}, ensure_ascii=False) if p else "")
    names = {c: t(f"predict.col.{c}", lang) for c in frame.columns}
    return csv_table(f"{PAGE}-trials", frame, lang, page_size=10, columns=names)


def interventions_table(frame: pd.DataFrame, lang: str) -> html.Div:
    """The intervention list (risk level translated), downloadable."""
    shown = frame.copy()
    if "line_no" in shown and shown["line_no"].isna().all():   # generated students have no CSV line
        shown = shown.drop(columns="line_no")
    shown["risk_level"] = shown["risk_level"].map(lambda level: t(f"predict.risk.{level}", lang))
    names = {c: t(f"predict.col.{c}", lang) for c in shown.columns}
    return html.Div([html.P(t("predict.interventions.count", lang, n=f"{len(shown):,}"), className="text-muted"),
                     csv_table(f"{PAGE}-interventions-table", shown, lang, columns=names)])
