"""The Dash app shell: navbar, page container, error toast, API blueprint. `server` is for gunicorn."""
from __future__ import annotations

import logging
from importlib import import_module
from pathlib import Path

import dash
from dash import Dash

from dashboard.common import context
from dashboard.common.errors import handle_callback_error
from dashboard.common.localise import localised_layout

HERE = Path(__file__).parent
# One package per tab (dashboard/<tab>/page.py registers the page); the order is the import order.
TABS = ("overview", "predict", "ebpm", "recommend", "operations")


def _register_pages() -> None:
    """Import every tab's page module once, under its own name, and hand Dash its layout function
    (wrapped so Dash's own component texts follow the page language)."""
    for tab in TABS:
        module = import_module(f"dashboard.{tab}.page")
        dash.page_registry[module.__name__]["layout"] = localised_layout(module.layout)


def _defer_scripts(app: Dash) -> None:
    """Serve the page's scripts with `defer` and start the renderer at DOMContentLoaded (after them, in order).

    Deferred scripts are fetched while the page is parsed and compiled off the main thread as they arrive;
    as plain footer scripts they were compiled on it, one after the other, before the page could ask for its
    layout (first paint: bench/bench_paint.py)."""
    def deferred_index(**parts) -> str:
        parts["scripts"] = parts["scripts"].replace("<script src=", "<script defer src=")
        return Dash.interpolate_index(app, **parts)

    app.renderer = ("window.addEventListener('DOMContentLoaded', function () { "
                    + app.renderer.replace("var renderer =", "window.renderer =") + " });")
    app.interpolate_index = deferred_index


def create_app() -> Dash:
    """Build the Dash app with every page and the REST API on its Flask server."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",   # pages are imported explicitly (_register_pages), not scanned
        assets_folder=str(HERE / "assets"),
        suppress_callback_exceptions=True,
        title="EduLoop",
        update_title=None,
        on_error=handle_callback_error,
        serve_locally=True,
    )
    _defer_scripts(app)
    shell = import_module("dashboard.common.shell")   # registers the navbar callback
    _register_pages()

    app.layout = shell.app_layout   # a function: each /_dash-layout request renders the page that asked for it
    server = app.server
    server.before_request(context.assign_session_id)
    server.after_request(context.ensure_session_cookie)
    from dashboard.common.auth import register_auth

    register_auth(server)   # admin login for the Operations tab when EDULOOP_ADMIN_PASSWORD is set
    from dashboard.api import api_blueprint
    from dashboard.api.errors import CATCH_ALL_ENDPOINT, CATCH_ALL_METHODS, api_allow_header, unknown_api_path

    server.register_blueprint(api_blueprint)
    server.add_url_rule("/api/<path:rest>", CATCH_ALL_ENDPOINT, unknown_api_path, methods=list(CATCH_ALL_METHODS))
    server.after_request(api_allow_header)
    from dashboard.api.guards import init_guards
    from dashboard.common.request_guards import install_request_guards

    init_guards(server)              # failed-login rate limit (Flask-Limiter)
    install_request_guards(app)      # one body size limit, JSON errors for malformed callbacks
    logging.basicConfig(level=logging.INFO)
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
