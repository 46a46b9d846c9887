"""Render the EBPM tab's panels from an effect result: tables, KPI cards, figures, assumptions, messages.

Pure functions of (result, lang): the page's callbacks call one of these per output.
"""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import html

from analytics.causal import (
    EffectResult,
    make_estimates_figure,
    make_forest_figure,
    make_love_plot_figure,
    make_overlap_figure,
    primary_estimate,
)
from analytics.causal.design import LEVEL_SEPARATOR
from analytics.causal.messages import TERMS, describe
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import TABLE, labels, t

PAGE = "ebpm"
STATUS_COLOURS = {"ok": "success", "warn": "warning", "info": "secondary"}
ESTIMATE_COLUMNS = ("method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n")
REFUTATION_COLUMNS = ("check", "estimate", "ci_low", "ci_high", "expected", "passed")


def term(name: str, lang: str) -> str:
    """A method, sample or group name in `lang`."""
    entry = TERMS.get(name)
    return (entry.get(lang) or entry["en"]) if entry else name


def column_label(column: str, lang: str) -> str:
    """A warehouse column's display name (uploaded columns keep their own names)."""
    for key in (f"overview.filter.{column}", f"subject.{column}"):
        if key in TABLE:
            return t(key, lang)
    return column


def level_label(level: str, lang: str) -> str:
    """A warehouse category level in `lang` (other values as they are)."""
    return t(f"cat.{level}", lang) if f"cat.{level}" in TABLE else str(level)


def covariate_label(encoded: str, lang: str) -> str:
    """'gender=female' -> 'Gender=female' (translated where the column and level are known)."""
    column, _, level = encoded.partition(LEVEL_SEPARATOR)
    return column_label(column, lang) + (LEVEL_SEPARATOR + level_label(level, lang) if level else "")


def column_names(columns, lang: str) -> dict[str, str]:
    """Display names for a set of columns (for the sentences of `describe`)."""
    return {column: column_label(column, lang) for column in columns}


def empty_figure(message: str = "") -> go.Figure:
    """A blank figure carrying a short message instead of axes."""
    figure = go.Figure()
    figure.update_layout(template="plotly_white", xaxis={"visible": False}, yaxis={"visible": False},
                         annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}] if message else [])
    return figure


def _significant(value, digits: int = 4):
    return None if value is None or not math.isfinite(value) else float(f"{value:.{digits}g}")


def _rounded(table: pd.DataFrame, lang: str, digits: int = 3) -> pd.DataFrame:
    shown = table.copy()
    for column in shown.columns:
        if column == "p_value":
            shown[column] = shown[column].map(_significant)
        elif pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].round(digits)
    if "method" in shown:
        shown["method"] = shown["method"].map(lambda name: term(name, lang))
    return shown


def _columns(lang: str, names) -> dict[str, str]:
    return {name: t(f"ebpm.col.{name}", lang) for name in names}


def messages_panel(warnings: list[dict], lang: str, names: dict[str, str]) -> list:
    """The warnings of a result as one alert (nothing when there are none)."""
    if not warnings:
        return []
    return [dbc.Alert([html.H6(t("ebpm.warnings", lang), className="alert-heading"),
                       html.Ul([html.Li(describe(item, lang, names)) for item in warnings], className="mb-0")],
                      color="warning", id=f"{PAGE}-warnings")]


def errors_panel(errors: list[dict], lang: str, names: dict[str, str]) -> list:
    """Why the effect could not be estimated, one line per problem."""
    return [dbc.Alert([html.H6(t("ebpm.errors", lang), className="alert-heading"),
                       html.Ul([html.Li(describe(item, lang, names)) for item in errors], className="mb-0")],
                      color="danger", id=f"{PAGE}-errors")]


def headline_cards(result: EffectResult, lang: str, truth: float | None) -> dbc.Row:
    """KPI cards: the most robust estimate, the naive difference, n, group sizes, the planted truth."""
    primary = primary_estimate(result.table)
    diag = result.diagnostics
    cards = []
    if primary is not None:
        cards.append(kpi_card(t("ebpm.kpi.effect", lang, method=term(primary["method"], lang),
                                estimand=primary["estimand"]),
                              t("ebpm.kpi.effect_value", lang, estimate=primary["estimate"], low=primary["ci_low"],
                                high=primary["ci_high"]), f"{PAGE}-kpi-effect"))
    naive = result.table[result.table["method"] == "difference_in_means"]
    if len(naive):
        cards.append(kpi_card(t("ebpm.kpi.naive", lang), f"{naive['estimate'].iloc[0]:+.2f}", f"{PAGE}-kpi-naive"))
    cards.append(kpi_card(t("ebpm.kpi.n", lang), f"{diag['n']:,}", f"{PAGE}-kpi-n"))
    cards.append(kpi_card(t("ebpm.kpi.groups", lang), f"{diag['n_treated']:,} / {diag['n_control']:,}",
                          f"{PAGE}-kpi-groups"))
    if truth is not None:
        cards.append(kpi_card(t("ebpm.kpi.truth", lang), f"{truth:+.2f}", f"{PAGE}-kpi-truth"))
    return dbc.Row([dbc.Col(card, md=True) for card in cards], className="g-2 mb-3")


def estimates_table(result: EffectResult, lang: str) -> html.Div:
    """The effect table (downloadable as CSV)."""
    table = _rounded(result.table[list(ESTIMATE_COLUMNS)], lang)
    return csv_table(f"{PAGE}-estimates-table", table, lang, columns=_columns(lang, ESTIMATE_COLUMNS))


def figures(result: EffectResult, lang: str, truth: float | None) -> tuple[go.Figure, go.Figure, go.Figure]:
    """Estimates (with the planted truth if known), propensity overlap and love plot, translated."""
    text = labels("ebpm.fig.", lang)
    smd = result.smd.assign(covariate=result.smd["covariate"].map(lambda name: covariate_label(name, lang)))
    return (make_estimates_figure(result.table, truth=truth, labels=text),
            make_overlap_figure(result.overlap, labels=text),
            make_love_plot_figure(smd, labels=text))


def diagnostics_cards(result: EffectResult, lang: str) -> dbc.Row:
    """Common support counts, effective sample size, largest weights and PSM counts."""
    diag = result.diagnostics
    support, ate, att = diag["common_support"], diag["weighting"]["ATE"], diag["weighting"]["ATT"]
    cards = [
        kpi_card(t("ebpm.diag.support", lang), t("ebpm.diag.support_value", lang, treated=support["n_treated_outside"],
                                                 control=support["n_control_outside"], share=support["share_outside"]),
                 f"{PAGE}-diag-support"),
        kpi_card(t("ebpm.diag.ess", lang), t("ebpm.diag.ess_value", lang, treated=ate["ess_treated"],
                                             n_treated=ate["n_treated"], control=ate["ess_control"],
                                             n_control=ate["n_control"]), f"{PAGE}-diag-ess"),
        kpi_card(t("ebpm.diag.max_weight", lang), f"{ate['max_weight']:.2f} / {att['max_weight']:.2f}",
                 f"{PAGE}-diag-weight"),
    ]
    psm = diag.get("psm") or {}
    if psm:
        cards.append(kpi_card(t("ebpm.diag.psm", lang), f"{psm['n_treated_matched']:,} / "
                              f"{psm['n_treated_discarded']:,}, {psm['n_controls_used']:,}", f"{PAGE}-diag-psm"))
    return dbc.Row([dbc.Col(card, md=True) for card in cards], className="g-2 mb-3")


def sensitivity_panel(e_value_table: pd.DataFrame, refutations: list[dict], lang: str) -> html.Div:
    """E-values of every estimate and the two refutation checks."""
    checks = pd.DataFrame(refutations, columns=list(REFUTATION_COLUMNS))
    checks["check"] = checks["check"].map(lambda name: t(f"ebpm.check.{name}", lang))
    checks["passed"] = checks["passed"].map(lambda ok: t("ebpm.check.passed" if ok else "ebpm.check.failed", lang))
    return html.Div([
        html.P(t("ebpm.evalues", lang), className="small text-muted"),
        csv_table(f"{PAGE}-evalues", _rounded(e_value_table, lang), lang,
                  columns=_columns(lang, e_value_table.columns)),
        html.H6(t("ebpm.refutations", lang), className="mt-3"),
        csv_table(f"{PAGE}-refutations", _rounded(checks, lang), lang, columns=_columns(lang, REFUTATION_COLUMNS)),
    ])


def _evidence_lines(item: dict, lang: str, names: dict[str, str]) -> list[str]:
    name, evidence = item["assumption"], item["evidence"]
    if name == "no_unmeasured_confounding":
        lines = []
        if "e_value" in evidence:
            lines.append(t("ebpm.assumption.no_unmeasured_confounding.evidence", lang,
                           method=term(evidence["method"], lang), estimand=evidence["estimand"],
                           e_value=evidence["e_value"], e_value_ci=evidence["e_value_ci"]))
        failed = evidence["refutations_failed"]
        lines.append(t("ebpm.assumption.refutations_failed", lang,
                       checks=", ".join(t(f"ebpm.check.{c}", lang) for c in failed)) if failed
                     else t("ebpm.assumption.refutations_passed", lang))
        return lines
    if name == "overlap":
        return [t("ebpm.assumption.overlap.evidence", lang, share_outside=evidence["share_outside_support"],
                  low=evidence["propensity_min"], high=evidence["propensity_max"],
                  share_extreme=evidence["share_extreme_propensity"], max_weight=evidence["max_weight"],
                  ess_treated=evidence["ess_treated"], n_treated=evidence["n_treated"],
                  ess_control=evidence["ess_control"], n_control=evidence["n_control"])]
    if name == "sutva":
        return [t("ebpm.assumption.sutva.evidence", lang, n=evidence["n"])]
    lines = []
    sample = evidence.get("balance_sample")
    balance = evidence["max_smd_after_adjustment"].get(sample) if sample else None
    if balance is not None:
        lines.append(t("ebpm.assumption.balance", lang, sample=term(sample, lang), smd=balance,
                       threshold=evidence["smd_threshold"]))
    if evidence.get("estimate_spread_in_se") is not None:
        lines.append(t("ebpm.assumption.spread", lang, spread=evidence["estimate_spread_in_se"],
                       threshold=evidence["spread_threshold_se"]))
    if evidence["post_treatment_covariates"]:
        lines.append(t("ebpm.assumption.post_treatment", lang,
                       columns=", ".join(names.get(c, c) for c in evidence["post_treatment_covariates"])))
    return lines


def assumptions_panel(assumptions: list[dict], lang: str, names: dict[str, str]) -> dbc.ListGroup:
    """Each identifying assumption: what it says, its status, and the numbers behind the status."""
    items = []
    for item in assumptions:
        name = item["assumption"]
        items.append(dbc.ListGroupItem([
            html.Div([html.Strong(t(f"ebpm.assumption.{name}", lang)),
                      dbc.Badge(t(f"ebpm.status.{item['status']}", lang), color=STATUS_COLOURS[item["status"]],
                                className="ms-2", id=f"{PAGE}-status-{name}")]),
            html.Div(t(f"ebpm.assumption.{name}.statement", lang), className="small text-muted"),
            html.Ul([html.Li(line) for line in _evidence_lines(item, lang, names)], className="small mb-0"),
        ], id=f"{PAGE}-assumption-{name}"))
    return dbc.ListGroup(items)


def forest_figure(subgroups: pd.DataFrame, overall: float | None, lang: str) -> go.Figure:
    """Subgroup effects with translated variable and level names."""
    shown = subgroups.assign(variable=subgroups["variable"].map(lambda c: column_label(c, lang)),
                             subgroup=subgroups["subgroup"].map(lambda v: level_label(v, lang)))
    figure = make_forest_figure(shown, overall=overall, labels=labels("ebpm.fig.", lang))
    return figure.update_layout(height=max(300, 45 * len(shown) + 180))
