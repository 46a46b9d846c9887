"""Render the Predict tab's blocks: prediction result, model quality, risk metrics, model card, lists.

Data comes from the model cache (dashboard.predict.data) and named queries (warehouse.model_queries);
figures from analytics.models.figures with translated labels. The page's callbacks call these.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
import pandas as pd
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
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import labels, t
from dashboard.predict.strings import advice_key

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
    figure = make_shap_waterfall_figure(prediction.explanation, labels=figure_labels(lang))
    figure.update_layout(margin={"t": 50, "l": 10, "r": 20, "b": 50}, height=380)
    return figure


def advice_text(level: str, variant: str, index: int, lang: str) -> str:
    """The advice message for a risk level, variant and message number."""
    return t(advice_key(level, variant, index), lang)


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
    return make_predicted_vs_actual_figure(predictions, labels=text), make_residuals_figure(predictions, labels=text)


def shap_figures(models: LoadedModels, values: pd.DataFrame, algorithm: str, feature: str, lang: str):
    """Global importance (mean |SHAP|) and one feature's dependence figure, from the background's SHAP values."""
    text = figure_labels(lang)
    importance = global_importance(values)
    dependence = pd.DataFrame({"value": models.serving.explainer(algorithm).background[feature].to_numpy(),
                               "shap": values[feature].to_numpy()})
    return (make_importance_figure(importance, labels=text),
            make_dependence_figure(dependence, feature, labels=text))


# ---- risk classifier --------------------------------------------------------------------------
def risk_block(models: LoadedModels, lang: str) -> html.Div:
    """Classifier metrics at the threshold, officials' terms, confusion matrix, ROC and PR curves."""
    bundle = models.risk_bundle
    evaluation = bundle["evaluations"][bundle["selected"]]
    report = evaluation["test"]
    mark = f"{models.serving.risk.pass_mark:g}"
    text = figure_labels(lang)
    cards = [dbc.Col(kpi_card(t(f"predict.metric.{name}", lang), _num(report.get(name), 3),
                              f"{PAGE}-risk-{name}"), md=True) for name in RISK_METRICS]
    terms = [
        t("predict.officials.caught", lang, mark=mark, n=_num(report["at_risk_flagged_per_100"], 0)),
        t("predict.officials.workload", lang, n=_num(report["flagged_per_100_students"], 0)),
        t("predict.officials.precision", lang, mark=mark, n=_num(report["true_at_risk_per_100_flagged"], 0)),
    ]
    graphs = [make_confusion_matrix_figure(report, labels=text),
              make_roc_figure(evaluation["roc_curve"], report=report, labels=text),
              make_pr_figure(evaluation["pr_curve"], report=report, labels=text)]
    return html.Div([
        html.P(t("predict.risk_metrics.title", lang, algorithm=algorithm_name(bundle["selected"], lang),
                 threshold=_num(models.threshold, 3)), className="text-muted"),
        dbc.Row(cards, className="g-2 mb-2"),
        dbc.Alert([html.Strong(t("predict.officials.title", lang)),
                   html.Ul([html.Li(line) for line in terms], className="mb-0")],
                  color="info", id=f"{PAGE}-officials"),
        dbc.Row([dbc.Col(dcc.Graph(id=f"{PAGE}-{name}", figure=fig), md=4)
                 for name, fig in zip(("confusion", "roc", "pr"), graphs)]),
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
        ("predict.card.status", f"{reg['status']} — {reg.get('status_reason') or ''}"),
        ("predict.card.metrics", summary),
        ("predict.card.intended_use", t("predict.card.intended_use.text", lang)),
        ("predict.card.limits", t("predict.card.limits.text", lang)),
    ]
    body = html.Dl([item for key, value in rows for item in (html.Dt(t(key, lang)), html.Dd(value))],
                   className="mb-0")
    return dbc.Card([dbc.CardHeader(t("predict.card.title", lang)), dbc.CardBody(body)], id=f"{PAGE}-model-card")


def trials_table(trials: pd.DataFrame, lang: str) -> html.Div:
    """The tuning trials of the production regression version, downloadable."""
    frame = trials.copy()
    if not frame.empty:
        frame["params"] = frame["params"].map(lambda p: json.dumps(json.loads(p), sort_keys=True) if p else "")
    names = {c: t(f"predict.col.{c}", lang) for c in frame.columns}
    return csv_table(f"{PAGE}-trials", frame, lang, page_size=10, columns=names)


def interventions_table(frame: pd.DataFrame, lang: str) -> html.Div:
    """The intervention list (risk level translated), downloadable."""
    shown = frame.copy()
    shown["risk_level"] = shown["risk_level"].map(lambda level: t(f"predict.risk.{level}", lang))
    names = {c: t(f"predict.col.{c}", lang) for c in shown.columns}
    return html.Div([html.P(t("predict.interventions.count", lang, n=f"{len(shown):,}"), className="text-muted"),
                     csv_table(f"{PAGE}-interventions-table", shown, lang, columns=names)])
