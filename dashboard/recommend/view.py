"""Render the Recommend tab's blocks: profile, the list with its reasons, neighbours, history, evaluation.

Data comes from dashboard.recommend.data and warehouse.recsys_queries; figures from
analytics.recsys.figures with translated labels. The page's callbacks call these.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analytics.recsys.figures import make_metric_vs_k_figure
from dashboard.common.components import csv_table, kpi_card
from dashboard.common.i18n import t
from warehouse.recsys_queries import EVAL_METRICS

if TYPE_CHECKING:   # types only: a view never loads data
    from dashboard.recommend.data import RecommendationList

PAGE = "recommend"
METHODS = ("popularity", "user_knn", "item_knn", "content", "hybrid")
EXPLAIN_NAMES = 3   # neighbours (or materials) named in a reason; the rest are counted


def method_name(method: str, lang: str) -> str:
    """Display name of a recommender method."""
    return t(f"recommend.method.{method}", lang) if method in METHODS else method


def metric_name(metric: str, lang: str) -> str:
    """Display name of an evaluation metric."""
    return t(f"recommend.metric.{metric}", lang)


def _columns(names, lang: str, **overrides: str) -> dict[str, str]:
    return {c: overrides.get(c) or t(f"recommend.col.{c}", lang) for c in names}


# ---- student ------------------------------------------------------------------------------------
def student_label(student_id: str, line_no: int | None, lang: str) -> str:
    """A student id with its line in the student CSV (ids derived from the file are findable by line)."""
    if line_no is None or pd.isna(line_no):
        return str(student_id)
    return t("recommend.student_line", lang, student_id=student_id, line=int(line_no))


def student_options(pairs: list[tuple[str, int | None]], lang: str) -> list[dict[str, str]]:
    """Picker options: the id as value, the id with its CSV line as label."""
    return [{"label": student_label(student_id, line_no, lang), "value": student_id} for student_id, line_no in pairs]


def profile_block(profile: Mapping[str, Any], lang: str) -> html.Div:
    """Score cards, the weakest subject and how many materials the student used."""
    cards = [kpi_card(t(f"subject.{c}", lang), f"{int(profile[c])}") for c in
             ("math_score", "reading_score", "writing_score")]
    weakest = t(f"recommend.subject.{profile['weakest_subject']}", lang)
    cards.append(kpi_card(t("recommend.profile.weakest", lang), weakest, f"{PAGE}-weakest"))
    cards.append(kpi_card(t("recommend.profile.materials", lang), f"{int(profile['interactions'])}"))
    return html.Div([
        html.H5(t("recommend.profile.title", lang) + " · "
                + student_label(profile["student_id"], profile.get("line_no"), lang)),
        html.Div(t("recommend.profile.school", lang, school=profile.get("school_id") or "–",
                   klass=profile.get("class_id") or "–"), className="small text-muted mb-2"),
        dbc.Row([dbc.Col(card, md=True) for card in cards], className="g-2"),
    ])


def _names(ids, similarities: Mapping[str, float]) -> str:
    shown = [f"{i} {similarities[i]:.2f}" if i in similarities else str(i) for i in ids[:EXPLAIN_NAMES]]
    return ", ".join(shown) + (f", +{len(ids) - EXPLAIN_NAMES}" if len(ids) > EXPLAIN_NAMES else "")


def reason_text(row: Mapping[str, Any], lang: str, k: int, similarities: Mapping[str, float],
                completed: Mapping[str, set]) -> str:
    """The sentence explaining one recommendation from its reason code and details."""
    reason, because = row.get("reason"), tuple(row.get("because_of") or ())
    if reason == "similar_students":
        done = [s for s in because if s in completed.get(row["material_id"], set())]
        if done:
            return t("recommend.reason.similar_students", lang, completed=len(done), k=k,
                     names=_names(done, similarities))
        return t("recommend.reason.similar_students_used", lang, used=len(because), k=k,
                 names=_names(because, similarities))
    if reason in ("similar_materials", "content_match") and because:
        return t(f"recommend.reason.{reason}", lang, names=_names(because, {}))
    if reason == "content_match":
        return t("recommend.reason.content_match_none", lang)
    if reason == "popular":
        return t("recommend.reason.popular", lang, support=int(row.get("support") or 0))
    return t("recommend.reason.new_material", lang)


def recommendation_list(result: RecommendationList, lang: str, completed: Mapping[str, set]) -> html.Div:
    """The ranked materials, each clickable (logs a click), with its reason."""
    similarities = dict(zip(result.neighbours.get("student_id", []), result.neighbours.get("similarity", [])))
    entries = []
    for row in result.items.to_dict("records"):
        badges = [dbc.Badge(row["material_id"], color="light", text_color="dark", className=f"ms-2 {PAGE}-item-id")]
        if row["method"] != result.method:   # the rows the hybrid added to a user-kNN list
            badges.append(dbc.Badge(method_name(row["method"], lang), color="info", className="ms-1"))
        entries.append(dbc.ListGroupItem([
            html.Div([html.Span(f"{int(row['rank'])}. ", className="fw-bold"), html.Span(row["title"]), *badges]),
            html.Div(reason_text(row, lang, result.k, similarities, completed), className="small text-muted"),
        ], id={"type": f"{PAGE}-item", "index": int(row["rank"])}, action=True, n_clicks=0,
            className=f"{PAGE}-item"))
    notes = [html.Div(t("recommend.list.note", lang, method=method_name(result.method, lang), k=result.k,
                        version=result.model_version), className="small text-muted mb-2")]
    if result.method == "hybrid":
        notes.append(dbc.Alert(t("recommend.list.cold_start", lang), color="info", className="py-1 small"))
    body = dbc.ListGroup(entries) if entries else html.P(t("recommend.list.empty", lang), className="text-muted")
    return html.Div([*notes, body])


def neighbours_table(frame: pd.DataFrame, lang: str, lines: Mapping[str, int] | None = None) -> html.Div:
    """The K most similar students with similarity and shared materials (and CSV line when known)."""
    shown = frame.assign(similarity=frame["similarity"].round(3)) if len(frame) else frame
    if lines and len(shown):
        shown.insert(1, "line_no", shown["student_id"].map(lines).astype("Int64"))
    return html.Div([html.H6(t("recommend.neighbours.title", lang)),
                     csv_table(f"{PAGE}-neighbours-table", shown, lang, page_size=10,
                               columns=_columns(shown.columns, lang))])


def history_table(frame: pd.DataFrame, lang: str) -> html.Div:
    """The student's materials, newest first."""
    shown = frame.assign(ts=frame["ts"].astype(str).str.slice(0, 16)) if len(frame) else frame
    return html.Div([html.H6(t("recommend.history.title", lang)),
                     csv_table(f"{PAGE}-history-table", shown, lang, page_size=10,
                               columns=_columns(shown.columns, lang))])


# ---- evaluation ---------------------------------------------------------------------------------
def in_method_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered baseline first (METHODS order), then by k."""
    order = frame["method"].map({m: i for i, m in enumerate(METHODS)}).fillna(len(METHODS))
    return frame.assign(_order=order).sort_values(["_order", "k"], kind="stable").drop(columns="_order")


def eval_table(frame: pd.DataFrame, k: int, lang: str) -> html.Div:
    """Metrics@k of every method (one row per method, rounded)."""
    rows = in_method_order(frame[frame["k"] == k]).drop(columns="k")
    rows = rows.assign(method=rows["method"].map(lambda m: method_name(m, lang)),
                       **{m: rows[m].round(4) for m in EVAL_METRICS})
    names = {m: metric_name(m, lang).replace("@K", f"@{k}") for m in EVAL_METRICS}
    return csv_table(f"{PAGE}-eval-table", rows, lang, page_size=10, columns=_columns(rows.columns, lang, **names))


def eval_figure(frame: pd.DataFrame, metric: str, lang: str):
    """Metric against list length K, one line per method."""
    name = metric_name(metric, lang)
    labels = {"title": t("recommend.fig.title", lang, metric=name), "x": t("recommend.fig.x", lang),
              "y": t("recommend.fig.y", lang, metric=name), "methods": {m: method_name(m, lang) for m in METHODS}}
    figure = make_metric_vs_k_figure(in_method_order(frame), metric, labels)
    figure.update_layout(margin={"t": 50, "l": 10, "r": 10, "b": 50}, height=380)
    return figure
