"""Pure Plotly figure builders for the model card: SHAP, regression fit and at-risk classifier.

Every builder takes a `labels` dict; DEFAULT_LABELS holds the English defaults and the dashboard
passes its translated strings (any subset) to override them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import pandas as pd
import plotly.graph_objects as go

from .schema import FEATURES, SCORE_MAX, SCORE_MIN, SPEC_BY_NAME

if TYPE_CHECKING:  # explain imports shap (~2 s); figures only need the type
    from .explain import Explanation

DEFAULT_LABELS: dict[str, Any] = {
    "features": {
        "gender": "Gender",
        "race_ethnicity": "Race/ethnicity group",
        "parental_education": "Parental education",
        "lunch": "Lunch",
        "test_prep": "Test preparation",
        "reading_score": "Reading score",
        "writing_score": "Writing score",
    },
    "unit_score": "points",
    "unit_log_odds": "log-odds",
    "unit_probability": "probability",
    "waterfall_title": "Why this prediction",
    "base_value": "Average prediction",
    "prediction": "Prediction",
    "contribution": "Contribution",
    "importance_title": "What drives predictions (mean |SHAP|)",
    "importance_axis": "Mean |SHAP value|",
    "dependence_title": "Effect of {feature}",
    "shap_axis": "SHAP value",
    "fit_title": "Predicted vs actual math score (test set)",
    "actual_axis": "Actual math score",
    "predicted_axis": "Predicted math score",
    "perfect_line": "Perfect prediction",
    "residual_title": "Residuals (test set)",
    "residual_axis": "Actual − predicted",
    "roc_title": "ROC curve (test set)",
    "fpr_axis": "False positive rate",
    "tpr_axis": "True positive rate (recall)",
    "chance_line": "Chance",
    "pr_title": "Precision–recall curve (test set)",
    "recall_axis": "Recall",
    "precision_axis": "Precision",
    "prevalence_line": "Share at risk",
    "chosen_threshold": "Chosen threshold",
    "confusion_title": "Confusion matrix at the chosen threshold (test set)",
    "actual_class_axis": "Actual",
    "flagged_class_axis": "Flagged by the model",
    "not_at_risk": "Not at risk",
    "at_risk": "At risk",
    "count": "Students",
}


# Plotly's own waterfall colours: a contribution that raises the prediction, one that lowers it, the totals.
WATERFALL_COLOURS = {"up": "#3D9970", "down": "#FF4136", "total": "#4499FF"}


def merge_labels(labels: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return DEFAULT_LABELS overridden by labels (the 'features' sub-dict is merged too)."""
    merged = {**DEFAULT_LABELS, **(labels or {})}
    merged["features"] = {**DEFAULT_LABELS["features"], **(labels or {}).get("features", {})}
    return merged


def _axis(text: str, unit: str | None = None) -> dict[str, Any]:
    return {"title": {"text": f"{text} ({unit})" if unit else text}}


def _format_value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def make_shap_waterfall_figure(
    explanation: Explanation, *, labels: Mapping[str, Any] | None = None, max_features: int | None = None
) -> go.Figure:
    """Waterfall from the base value through each feature's SHAP value to the prediction (one horizontal bar
    each: x is the value, base where it starts)."""
    text = merge_labels(labels)
    unit = text["unit_log_odds"] if explanation.output == "log_odds" else text["unit_score"]
    rows = explanation.contributions.reindex(
        explanation.contributions["shap"].abs().sort_values(ascending=False).index
    )
    if max_features is not None and len(rows) > max_features:
        rest = rows.iloc[max_features:]["shap"].sum()  # fold the tail so the total stays exact
        rows = pd.concat(
            [rows.iloc[:max_features], pd.DataFrame([{"feature": "…", "value": "", "shap": rest}])],
            ignore_index=True,
        )
    names = [
        f"{text['features'].get(f, f)} = {_format_value(v)}" if f in FEATURES else f
        for f, v in zip(rows["feature"], rows["value"])
    ]
    # Drawn as bars from a base (the running total before each contribution), not as Plotly's "waterfall"
    # trace: the app serves plotly.js's cartesian bundle (a third of the full one), which has no waterfall.
    shap = [float(v) for v in rows["shap"]]
    starts = (explanation.base_value + pd.Series([0.0, *shap[:-1]]).cumsum()).tolist() if shap else []
    colours = [WATERFALL_COLOURS["total"],
               *(WATERFALL_COLOURS["up" if v >= 0 else "down"] for v in shap), WATERFALL_COLOURS["total"]]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=[text["base_value"], *names, text["prediction"]],
            x=[explanation.base_value, *shap, explanation.prediction],
            base=[0.0, *starts, 0.0],
            marker={"color": colours},
            texttemplate="%{x:+.2f}",
            textposition="outside",
            cliponaxis=False,
        )
    )
    figure.update_layout(
        title=text["waterfall_title"], xaxis=_axis(text["contribution"], unit),
        yaxis={"autorange": "reversed", "title": {"text": ""}}, showlegend=False,
    )
    return figure


def make_importance_figure(
    importance: pd.DataFrame, *, output: str = "score", labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """Horizontal bars of mean |SHAP| per feature (largest on top)."""
    text = merge_labels(labels)
    unit = text["unit_log_odds"] if output == "log_odds" else text["unit_score"]
    ordered = importance.sort_values("mean_abs_shap", ascending=True)
    figure = go.Figure(
        go.Bar(
            x=ordered["mean_abs_shap"],
            y=[text["features"].get(f, f) for f in ordered["feature"]],
            orientation="h",
        )
    )
    figure.update_layout(title=text["importance_title"], xaxis=_axis(text["importance_axis"], unit),
                         yaxis={"title": {"text": ""}})
    return figure


def make_dependence_figure(
    dependence: pd.DataFrame, feature: str, *, output: str = "score", labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """Scatter of one feature's value against its SHAP value."""
    text = merge_labels(labels)
    unit = text["unit_log_odds"] if output == "log_odds" else text["unit_score"]
    display = text["features"].get(feature, feature)
    figure = go.Figure(go.Scatter(x=dependence["value"], y=dependence["shap"], mode="markers",
                                  marker={"opacity": 0.6}))
    spec = SPEC_BY_NAME.get(feature)
    if spec is not None and spec.kind == "categorical":
        x_axis = {**_axis(display), "type": "category",
                  "categoryorder": "array", "categoryarray": list(spec.allowed)}
    else:
        x_axis = _axis(display, text["unit_score"])
    figure.update_layout(title=text["dependence_title"].format(feature=display), xaxis=x_axis,
                         yaxis=_axis(text["shap_axis"], unit))
    return figure


def make_predicted_vs_actual_figure(
    predictions: pd.DataFrame, *, labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """Scatter of predicted against actual score with the y = x line."""
    text = merge_labels(labels)
    figure = go.Figure(go.Scatter(x=predictions["actual"], y=predictions["predicted"], mode="markers",
                                  marker={"opacity": 0.6}, showlegend=False))
    figure.add_trace(go.Scatter(x=[SCORE_MIN, SCORE_MAX], y=[SCORE_MIN, SCORE_MAX], mode="lines",
                                line={"dash": "dash"}, name=text["perfect_line"]))
    figure.update_layout(title=text["fit_title"], xaxis=_axis(text["actual_axis"], text["unit_score"]),
                         yaxis=_axis(text["predicted_axis"], text["unit_score"]))
    return figure


def make_residuals_figure(predictions: pd.DataFrame, *, labels: Mapping[str, Any] | None = None) -> go.Figure:
    """Scatter of residual (actual − predicted) against predicted score, with a zero line."""
    text = merge_labels(labels)
    figure = go.Figure(go.Scatter(x=predictions["predicted"], y=predictions["residual"], mode="markers",
                                  marker={"opacity": 0.6}))
    figure.add_hline(y=0, line_dash="dash")
    figure.update_layout(title=text["residual_title"],
                         xaxis=_axis(text["predicted_axis"], text["unit_score"]),
                         yaxis=_axis(text["residual_axis"], text["unit_score"]))
    return figure


def _marker(figure: go.Figure, x: float, y: float, name: str) -> None:
    figure.add_trace(go.Scatter(x=[x], y=[y], mode="markers", marker={"size": 12}, name=name))


def make_roc_figure(
    roc: pd.DataFrame, *, report: Mapping[str, float] | None = None, labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """ROC curve with the chance diagonal and, given a classification_report, its operating point."""
    text = merge_labels(labels)
    figure = go.Figure(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", name="ROC"))
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dash"},
                                name=text["chance_line"]))
    if report is not None:  # from the counts: roc_curve drops collinear points, maybe this one
        negatives = report["fp"] + report["tn"]
        _marker(figure, report["fp"] / negatives if negatives else 0.0, report["recall"],
                text["chosen_threshold"])
    figure.update_layout(title=text["roc_title"], xaxis=_axis(text["fpr_axis"], text["unit_probability"]),
                         yaxis=_axis(text["tpr_axis"], text["unit_probability"]))
    return figure


def make_pr_figure(
    pr: pd.DataFrame, *, report: Mapping[str, float] | None = None, labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """Precision–recall curve; given a classification_report, its prevalence line and operating point."""
    text = merge_labels(labels)
    figure = go.Figure(go.Scatter(x=pr["recall"], y=pr["precision"], mode="lines", name="PR"))
    if report is not None:
        prevalence = report["prevalence"]  # precision of flagging everyone: the no-skill line
        figure.add_trace(go.Scatter(x=[0, 1], y=[prevalence, prevalence], mode="lines",
                                    line={"dash": "dash"}, name=text["prevalence_line"]))
        _marker(figure, report["recall"], report["precision"], text["chosen_threshold"])
    figure.update_layout(title=text["pr_title"], xaxis=_axis(text["recall_axis"], text["unit_probability"]),
                         yaxis=_axis(text["precision_axis"], text["unit_probability"]))
    return figure


def make_confusion_matrix_figure(
    report: Mapping[str, float], *, labels: Mapping[str, Any] | None = None
) -> go.Figure:
    """Heatmap of the 2×2 confusion matrix (counts) from a classification_report dict."""
    text = merge_labels(labels)
    classes = [text["not_at_risk"], text["at_risk"]]
    counts = [[int(report["tn"]), int(report["fp"])], [int(report["fn"]), int(report["tp"])]]
    figure = go.Figure(
        go.Heatmap(z=counts, x=classes, y=classes, text=counts, texttemplate="%{text}",
                   colorscale="Blues", colorbar={"title": {"text": text["count"]}})
    )
    figure.update_layout(title=text["confusion_title"], xaxis=_axis(text["flagged_class_axis"]),
                         yaxis={**_axis(text["actual_class_axis"]), "autorange": "reversed"})
    return figure
