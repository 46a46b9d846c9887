"""The app shell: the navbar (tabs + language switch, rebuilt from the URL so links keep lang and filters) and
the layout Dash serves at /_dash-layout, with the requested page already rendered in it.

Dash's pages normally arrive in a second round trip: the browser loads the empty shell, its dcc.Location
reports the path, and a callback renders the page. The browser's fetch of /_dash-layout names the page in
its Referer (as callbacks' requests do, see context.request_lang), so `app_layout` renders that page (and the
navbar) right away, with the Location already holding the path and query: Location then reports no change
and neither callback runs for the first view. Without a usable Referer (a strict Referrer-Policy, another
path) the shell is served empty and Dash's own routing callback renders the page as before.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, parse_qsl, urlencode, urlparse

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, callback, dcc, html

from dashboard.common.components import error_toast
from dashboard.common.context import request_lang
from dashboard.common.i18n import t

TABS = ("predict", "ebpm", "recommend", "operations")
# The ids of dash.page_container (Dash's routing callback reads and writes these).
LOCATION, CONTENT, STORE, DUMMY = "_pages_location", "_pages_content", "_pages_store", "_pages_dummy"
log = logging.getLogger("eduloop.shell")


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


# prevent_initial_call: the served layout already holds the navbar of its page; when it does not (no Referer),
# the Location reports the path on mount, which is a change and runs this callback as before.
@callback(Output("navbar", "children"), Input(LOCATION, "pathname"), Input(LOCATION, "search"),
          prevent_initial_call=True)
def update_navbar(pathname, search):
    """Re-render the navbar whenever the page or query string changes."""
    return navbar_children(pathname, search)


def requested_page() -> tuple[str, str] | None:
    """(pathname, search) of the page whose script asked for the layout, from the request's Referer; None when
    there is no request, no Referer, or it is another site's."""
    if not flask.has_request_context() or not flask.request.referrer:
        return None
    referrer = urlparse(flask.request.referrer)
    if referrer.netloc != flask.request.host:
        return None
    return referrer.path or "/", f"?{referrer.query}" if referrer.query else ""


def _page_for(pathname: str) -> dict | None:
    """The registered page of a path (our pages have no path variables), or None."""
    path = dash.strip_relative_path(pathname) or ""
    return next((page for page in dash.page_registry.values() if page["path"].strip("/") == path), None)


def _rendered(pathname: str, search: str) -> tuple | None:
    """(page layout, title) rendered as Dash's routing callback would (query values: one value -> a string)."""
    page = _page_for(pathname)
    if page is None:
        return None
    query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    layout = page["layout"](**query) if callable(page["layout"]) else page["layout"]
    title = page["title"](**{}) if callable(page["title"]) else page["title"]
    return layout, title


def app_layout() -> html.Div:
    """The app layout: navbar, page container (with the requested page rendered in it when known), error toast."""
    asked = requested_page()
    rendered = None
    if asked is not None:
        try:
            rendered = _rendered(*asked)
        except Exception:   # the routing callback renders it again and reports the error as any callback does
            log.exception("server-side render of %s failed; the page is routed by the callback", asked[0])
    if rendered is None:
        container = dash.page_container
        navbar = None
    else:
        pathname, search = asked
        container = html.Div([
            dcc.Location(id=LOCATION, refresh="callback-nav", pathname=pathname, search=search),
            html.Div(rendered[0], id=CONTENT, disable_n_clicks=True),
            dcc.Store(id=STORE, data={"title": rendered[1]}),
            html.Div(id=DUMMY, disable_n_clicks=True),
        ])
        navbar = navbar_children(pathname, search)
    return html.Div([
        dbc.Navbar(navbar, id="navbar", color="primary", dark=True, className="mb-3"),
        dbc.Container(container, fluid=True),
        error_toast(),
        dcc.Store(id="lang-store"),
    ])
