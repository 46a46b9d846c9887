"""The navbar (tabs + language switch), rebuilt from the URL so links keep lang and filters."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from dashboard.common.context import request_lang
from dashboard.common.i18n import t

TABS = ("predict", "ebpm", "recommend", "operations")


def _with_lang(path: str, search: str, lang: str) -> str:
    params = dict(parse_qsl((search or "").lstrip("?")))
    params["lang"] = lang
    return f"{path}?{urlencode(params)}"


def navbar_children(pathname: str | None, search: str | None) -> list:
    """Brand, one link per tab (keeping the language), and the ja/en switch."""
    params = dict(parse_qsl((search or "").lstrip("?")))
    lang = request_lang(params.get("lang"))
    current = (pathname or "/").strip("/").split("/")[0] or "predict"
    links = [dbc.NavItem(dbc.NavLink(t(f"nav.{tab}", lang), href=f"/{tab}?lang={lang}", active=current == tab,
                                     id=f"nav-{tab}")) for tab in TABS]
    switch = html.Div([
        dbc.Button("日本語", id="lang-ja", href=_with_lang(pathname or "/", search or "", "ja"), size="sm",
                   color="light", outline=lang != "ja", className="me-1", external_link=True),
        dbc.Button("English", id="lang-en", href=_with_lang(pathname or "/", search or "", "en"), size="sm",
                   color="light", outline=lang != "en", external_link=True),
    ], className="ms-auto d-flex")
    return [dbc.Container([
        dbc.NavbarBrand(t("app.title", lang), href=f"/?lang={lang}"),
        dbc.Nav(links, navbar=True, className="me-auto"),
        switch,
    ], fluid=True)]


@callback(Output("navbar", "children"), Input("_pages_location", "pathname"), Input("_pages_location", "search"))
def update_navbar(pathname, search):
    """Re-render the navbar whenever the page or query string changes."""
    return navbar_children(pathname, search)
