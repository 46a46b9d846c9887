"""Set a Dash app fully up before a server process takes requests (the gunicorn post_worker_init hook).

Dash runs its server setup lazily on the first request and marks it done before it has finished, so the
script requests a browser fires in parallel right after a (re)start can race it and answer 500
("... is not a registered library"). Rendering the index once, then fetching every registered script and
stylesheet (including the lazily loaded chunks: async graph, table, dropdown, date picker) through the
Flask test client, finishes that setup in one thread before the worker accepts a connection.
"""
from __future__ import annotations

from dash import Dash

WARM_PATHS = ("/", "/_dash-layout", "/_dash-dependencies")
CHUNK_SUFFIXES = (".js", ".css")


def component_urls(app: Dash) -> list[str]:
    """Every script/stylesheet URL Dash will serve from its component suites (after the index rendered)."""
    prefix = app.config.requests_pathname_prefix
    return sorted(f"{prefix}_dash-component-suites/{namespace}/{path}"
                  for namespace, paths in app.registered_paths.items() for path in paths
                  if path.endswith(CHUNK_SUFFIXES))


def warm_up(app: Dash) -> dict[str, int]:
    """Render the index and fetch every component file once; return {url: status} of what was fetched."""
    client = app.server.test_client()
    statuses = {path: client.get(path).status_code for path in WARM_PATHS}
    statuses.update({url: client.get(url).status_code for url in component_urls(app)})
    return statuses
