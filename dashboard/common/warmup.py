"""Set a Dash app fully up before a server process takes requests (the gunicorn post_worker_init hook).

Dash runs its server setup lazily on the first request and marks it done before it has finished, so the
script requests a browser fires in parallel right after a (re)start can race it and answer 500
("... is not a registered library"). Rendering the index once, then fetching every registered script and
stylesheet (including the lazily loaded chunks: async graph, table, dropdown, date picker) through the
Flask test client, finishes that setup in one thread before the worker accepts a connection.

Then, in the background, `warm_pages` renders each tab's first view once per language, as a browser's layout
request does, so the warehouse reads, model loads and drawn panels that view needs are in this worker's caches
before a visitor asks (without it the first visitor of each worker waits for them: seconds at 1 M students).
These renders log no page views.
"""
from __future__ import annotations

import logging
import threading
import time

from dash import Dash

from dashboard.common.context import WARM_UP_ENVIRON

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


PAGES = ("/predict", "/ebpm", "/recommend", "/operations")
LANGS = ("ja", "en")
log = logging.getLogger("eduloop.warmup")


def warm_pages(app: Dash) -> dict[str, int]:
    """Render every tab's first view (its /_dash-layout with the tab as Referer) in each language; {url: status}."""
    client = app.server.test_client()
    statuses = {}
    for path in PAGES:
        for lang in LANGS:
            page = f"http://localhost{path}?lang={lang}"
            statuses[page] = client.get("/_dash-layout", headers={"Referer": page},
                                        environ_overrides={WARM_UP_ENVIRON: True}).status_code
    return statuses


def warm_pages_in_background(app: Dash) -> threading.Thread:
    """warm_pages in a daemon thread (the worker serves meanwhile; a visitor's request for the same data waits
    for the one computation instead of repeating it)."""
    def run():
        started = time.monotonic()
        failed = {url: status for url, status in warm_pages(app).items() if status != 200}
        log.info("page caches warmed in %.1f s%s", time.monotonic() - started, f"; non-200: {failed}" if failed else "")

    thread = threading.Thread(target=run, name="warm-pages", daemon=True)
    thread.start()
    return thread
