"""Render the EBPM tab's panels from an effect result: tables, KPI cards, figures, assumptions, messages.

Pure functions of (result, lang): the page's callbacks call one of these per output.
"""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from analytics.causal import (
    EffectResult,
    make_estimates_figure,
    make_forest_figure,
    make_love_plot_figure,
    make_overlap_figure,
)
from analytics.causal.bootstrap import CI_KINDS
from analytics.causal.design import LEVEL_SEPARATOR
from analytics.causal.headline import ESTIMANDS
from analytics.causal.messages import TERMS, describe
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import TABLE, labels, t

PAGE = "ebpm"
STATUS_COLOURS = {"ok": "success", "warn": "warning", "info": "secondary"}
ESTIMATE_COLUMNS = ("method", "estimand", "estimate", "se", "ci_low", "ci_high", "se_type", "p_value", "n", "reliable")
PLACEBO_BINS = 20
REFUTATION_COLUMNS = ("check", "estimate", "ci_low", "ci_high", "expected", "passed")


def _element(name: str) -> str:
    return f"{PAGE}-{name}"


def dropdown(name: str, label: str, options, value, md: int = 3, **kwargs) -> dbc.Col:
    """A labelled dropdown of this tab (id ebpm-<name>) in a grid column."""
    return dbc.Col([dbc.Label(label, html_for=_element(name)),
                    dcc.Dropdown(id=_element(name), options=options, value=value, **kwargs)], md=md)


def options_panel(lang: str, state: dict, controls: dict, *, trims: dict, max_bootstrap: int) -> html.Details:
    """The method options (PSM, trimming, cluster, fixed effects, estimand, bootstrap), set from `state`."""
    number = lambda name, value, **kw: dbc.Input(id=_element(name), type="number", value=value, debounce=True, **kw)
    return html.Details([html.Summary(t("ebpm.options", lang)), dbc.Row([
        dbc.Col([dbc.Label(t("ebpm.psm_k", lang), html_for=_element("psm-k")),
                 number("psm-k", state["psm_k"], min=1, max=20, step=1)], md=3),
        dbc.Col([dbc.Label(t("ebpm.caliper", lang), html_for=_element("caliper")),
                 number("caliper", state["caliper"], min=0, max=5, step=0.05)], md=3),
        dbc.Col(dbc.Switch(id=_element("replace"), label=t("ebpm.replace", lang), value=state["replace"]), md=3,
                className="d-flex align-items-end"),
        dropdown("trim", t("ebpm.trim", lang), [
            {"label": t("ebpm.trim.none", lang) if bounds is None else
             t("ebpm.trim.range", lang, low=bounds[0], high=bounds[1]), "value": key}
            for key, bounds in trims.items()], state["trim"], clearable=False),
        dropdown("cluster", t("ebpm.cluster", lang), *controls["cluster"], placeholder=t("ebpm.none", lang)),
        dropdown("fixed-effects", t("ebpm.fixed_effects", lang), *controls["fixed-effects"],
                  placeholder=t("ebpm.none", lang)),
        dropdown("estimand", t("ebpm.estimand", lang), [{"label": t(f"ebpm.estimand.{e}", lang), "value": e}
                                                         for e in ESTIMANDS], state["estimand"], clearable=False),
        dbc.Col(dbc.Switch(id=_element("bootstrap"), label=t("ebpm.bootstrap", lang), value=state["bootstrap"]), md=3,
                className="d-flex align-items-end"),
        dbc.Col([dbc.Label(t("ebpm.bootstrap_n", lang, maximum=max_bootstrap), html_for=_element("bootstrap-n")),
                 number("bootstrap-n", state["boot_n"], min=20, max=max_bootstrap, step=10)], md=3),
        dropdown("ci", t("ebpm.ci", lang), [{"label": t(f"ebpm.ci.{c}", lang), "value": c} for c in CI_KINDS],
                  state["ci"], clearable=False),
    ], className="g-2 mt-1")], className="mb-3", open=bool(state["cluster"] or state["fixed_effects"]))


def term(name: str, lang: str) -> str:
    """A method, sample or group name in `lang`."""
    entry = TERMS.get(name)
    return (entry.get(lang) or entry["en"]) if entry else name


def column_label(column: str, lang: str) -> str:
    """A warehouse column's display name (uploaded columns keep their own names)."""
    for key in (f"overview.filter.{column}", f"subject.{column}", f"ebpm.column.{column}"):
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


def errors_panel(errors: list[dict], lang: str, names: dict[str, str], extra: str | None = None) -> list:
    """Why the effect could not be estimated, one line per problem (plus an already-worded `extra` line)."""
    lines = [describe(item, lang, names) for item in errors] + ([extra] if extra else [])
    return [dbc.Alert([html.H6(t("ebpm.errors", lang), className="alert-heading"),
                       html.Ul([html.Li(line) for line in lines], className="mb-0")],
                      color="danger", id=f"{PAGE}-errors")]


def se_type_label(se_type: str | None, lang: str) -> str:
    """'analytic' | 'cluster' | 'bootstrap' as the words shown beside a CI."""
    return t(f"ebpm.se_type.{se_type or 'analytic'}", lang)


def reliability_text(row: dict, lang: str) -> str:
    """'reliable', or why a row must not be trusted (the reason from analytics.causal.headline)."""
    if row.get("reliable", True) or not isinstance(row.get("reason"), dict):
        return t("ebpm.reliable.yes", lang)
    return t("ebpm.unreliable", lang, reason=describe(row["reason"], lang))


def headline_card(result: EffectResult, lang: str, auto_bootstrap: int = 0) -> dbc.Card:
    """The estimate chosen by the diagnostics: method, estimand, estimate, SE, CI, SE type and the reason."""
    headline, diag = result.headline, result.diagnostics
    if headline is None:
        return dbc.Card(dbc.CardBody(t("ebpm.headline.none", lang)), color="warning", outline=True,
                        id=f"{PAGE}-headline-card", className="mb-3")
    se_type = [html.Span(se_type_label(headline["se_type"], lang), id=f"{PAGE}-headline-se-type",
                         className="badge bg-info text-dark ms-2")]
    if headline["se_type"] == "cluster" and diag.get("n_clusters"):
        se_type.append(html.Span(t("ebpm.headline.clusters", lang, n_clusters=diag["n_clusters"],
                                   column=diag["cluster"]), className="small text-muted ms-2"))
    body = [html.Div(t("ebpm.headline.title", lang, method=term(headline["method"], lang),
                       estimand=headline["estimand"]), className="text-muted"),
            html.H3([t("ebpm.headline.value", lang, estimate=headline["estimate"], se=headline["se"],
                       low=headline["ci_low"], high=headline["ci_high"]), *se_type], id=f"{PAGE}-headline-value"),
            html.P(describe(headline["reason"], lang), className="mb-0", id=f"{PAGE}-headline-reason")]
    if auto_bootstrap:
        body.append(html.P(t("ebpm.auto_bootstrap", lang, n=auto_bootstrap), className="small mb-0 mt-2",
                           id=f"{PAGE}-auto-bootstrap"))
    return dbc.Card(dbc.CardBody(body), color="primary", outline=True, id=f"{PAGE}-headline-card", className="mb-3")


def headline_cards(result: EffectResult, lang: str, truth: float | None, auto_bootstrap: int = 0) -> html.Div:
    """The headline card, then KPI cards: the naive difference, n, group sizes, the planted truth."""
    diag = result.diagnostics
    cards = []
    naive = result.table[result.table["method"] == "difference_in_means"]
    if len(naive):
        cards.append(kpi_card(t("ebpm.kpi.naive", lang), f"{naive['estimate'].iloc[0]:+.2f}", f"{PAGE}-kpi-naive"))
    cards.append(kpi_card(t("ebpm.kpi.n", lang), f"{diag['n']:,}", f"{PAGE}-kpi-n"))
    cards.append(kpi_card(t("ebpm.kpi.groups", lang), f"{diag['n_treated']:,} / {diag['n_control']:,}",
                          f"{PAGE}-kpi-groups"))
    if truth is not None:
        cards.append(kpi_card(t("ebpm.kpi.truth", lang), f"{truth:+.2f}", f"{PAGE}-kpi-truth"))
    return html.Div([headline_card(result, lang, auto_bootstrap),
                     dbc.Row([dbc.Col(card, md=True) for card in cards], className="g-2 mb-3")])


def unreliable_list(result: EffectResult, lang: str) -> list:
    """Rows that must not be trusted, each with its reason (nothing when every row is reliable)."""
    rows = [row for row in result.table.to_dict(orient="records") if not row.get("reliable", True)]
    if not rows:
        return []
    return [dbc.Alert(html.Ul([html.Li(f"{term(row['method'], lang)} ({row['estimand']}): "
                                       + reliability_text(row, lang)) for row in rows], className="mb-0"),
                      color="warning", id=f"{PAGE}-unreliable", className="small")]


def estimates_table(result: EffectResult, lang: str) -> html.Div:
    """The effect table with the SE type beside every CI and each row's reliability (downloadable as CSV)."""
    records = result.table.to_dict(orient="records")
    table = result.table.assign(se_type=[se_type_label(row.get("se_type"), lang) for row in records],
                                reliable=[reliability_text(row, lang) for row in records])
    return csv_table(f"{PAGE}-estimates-table", _rounded(table[list(ESTIMATE_COLUMNS)], lang), lang,
                     columns=_columns(lang, ESTIMATE_COLUMNS))


def figures(result: EffectResult, lang: str, truth: float | None) -> tuple[go.Figure, go.Figure, go.Figure]:
    """Estimates (each method with its SE type; the planted truth if known), overlap and love plot, translated."""
    text = labels("ebpm.fig.", lang)
    methods = result.table.drop_duplicates("method")
    text.update({row.method: f"{text.get(row.method, row.method)} · {se_type_label(row.se_type, lang)}"
                 for row in methods.itertuples()})
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


def placebo_figure(placebo: dict, lang: str) -> go.Figure:
    """Histogram of the placebo (permuted-treatment) estimates, the actual estimate marked, p-value in the title."""
    draws = placebo.get("distribution") or []
    figure = go.Figure(go.Histogram(x=draws, nbinsx=PLACEBO_BINS, marker_color="#7f7f7f",
                                    name=t("ebpm.placebo.y", lang)))
    actual = placebo.get("actual_estimate")
    if actual is not None:
        figure.add_vline(x=actual, line_dash="dash", line_color="#d62728", annotation_position="top",
                         annotation_text=t("ebpm.placebo.actual", lang))
    figure.add_vline(x=0, line_color="lightgrey")
    figure.update_layout(template="plotly_white", bargap=0.05, height=320,
                         title=t("ebpm.placebo.title", lang, n=len(draws), p_value=placebo.get("p_value") or 1.0),
                         xaxis_title=t("ebpm.placebo.x", lang), yaxis_title=t("ebpm.placebo.y", lang))
    return figure


def sensitivity_panel(e_value_table: pd.DataFrame, refutations: list[dict], lang: str) -> html.Div:
    """E-values of every estimate (the headline's marked), the two refutation checks and the placebo histogram."""
    checks = pd.DataFrame(refutations, columns=list(REFUTATION_COLUMNS))
    checks["check"] = checks["check"].map(lambda name: t(f"ebpm.check.{name}", lang))
    checks["passed"] = checks["passed"].map(lambda ok: t("ebpm.check.passed" if ok else "ebpm.check.failed", lang))
    e_value_table = e_value_table.assign(headline=e_value_table["headline"].map(lambda chosen: "✓" if chosen else ""))
    placebo = next((r for r in refutations if r.get("check") == "placebo_treatment"), None)
    parts = [
        html.P(t("ebpm.evalues", lang), className="small text-muted"),
        csv_table(f"{PAGE}-evalues", _rounded(e_value_table, lang), lang,
                  columns=_columns(lang, e_value_table.columns)),
        html.H6(t("ebpm.refutations", lang), className="mt-3"),
        csv_table(f"{PAGE}-refutations", _rounded(checks, lang), lang, columns=_columns(lang, REFUTATION_COLUMNS)),
    ]
    if placebo and placebo.get("distribution"):
        parts += [html.P(t("ebpm.placebo.p_value", lang, p_value=placebo["p_value"],
                           n=placebo.get("n_permutations", len(placebo["distribution"]))),
                         className="small mt-2", id=f"{PAGE}-placebo-p"),
                  dcc.Graph(id=f"{PAGE}-placebo", figure=placebo_figure(placebo, lang),
                            config={"displaylogo": False})]
    return html.Div(parts)


def upload_problems(errors: list[dict], lang: str) -> html.Div:
    """Columns of an upload with bad cells, each reason in red (those columns are not pre-selected)."""
    if not errors:
        return html.Div(id=f"{PAGE}-upload-problems")
    return html.Div([html.Div(t("ebpm.upload.bad_columns", lang), className="small fw-bold text-danger"),
                     html.Ul([html.Li(describe(item, lang), className="text-danger") for item in errors],
                             className="small mb-0")], id=f"{PAGE}-upload-problems", className="mt-2")


def store_error(code: str, params: dict, lang: str, name: str = "") -> str:
    """A refused store or upload (forged, unknown, expired, too large, empty, too many rows) as one sentence."""
    if code == "file_too_large":   # the upload store counts bytes; the shared sentence speaks MB
        params = {"size_mb": params.get("size_bytes", 0) / 2**20, "limit_mb": params.get("limit_bytes", 0) / 2**20}
    if code in ("file_too_large", "empty_file", "too_many_rows"):
        return describe({"code": code, "message_params": {**params, "name": name}}, lang)
    key = f"ebpm.store.{code}"
    return t(key if key in TABLE else "ebpm.store.forged_store", lang)


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


def forest_figure(subgroups: pd.DataFrame, overall: float | None, lang: str, se_type: str = "analytic") -> go.Figure:
    """Subgroup effects with translated variable and level names; the SE type of their CIs in the title."""
    shown = subgroups.assign(variable=subgroups["variable"].map(lambda c: column_label(c, lang)),
                             subgroup=subgroups["subgroup"].map(lambda v: level_label(v, lang)))
    text = labels("ebpm.fig.", lang)
    text["forest_title"] = f"{text['forest_title']} · {se_type_label(se_type, lang)}"
    figure = make_forest_figure(shown, overall=overall, labels=text)
    return figure.update_layout(height=max(300, 45 * len(shown) + 180))
