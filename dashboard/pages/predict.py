"""Predict tab (shows the students overview until its own content lands)."""
from __future__ import annotations

import dash
from dash import html

from dashboard.context import log_event, request_lang
from dashboard.i18n import t
from dashboard.overview import overview_layout, register_overview_callbacks

PAGE = "predict"
dash.register_page(__name__, path="/predict", order=0, name="Predict", title="EduLoop · Predict")
register_overview_callbacks(PAGE)


def layout(lang: str | None = None, **query) -> html.Div:
    """Page layout from the URL query (lang and filters)."""
    lang = request_lang(lang)
    log_event("page_view", page=PAGE, payload={"lang": lang})
    return html.Div([html.H3(t("nav.predict", lang)), overview_layout(PAGE, lang, query)], id=f"{PAGE}-page")
