"""Request-scoped facts for callbacks and API views: settings, session id, event logging."""
from __future__ import annotations

import functools
import uuid
from urllib.parse import parse_qs, urlparse

import flask

from warehouse.events import EventWriter
from warehouse.experiments import CatalogCache
from warehouse.settings import Settings, get_settings

SESSION_COOKIE = "eduloop_sid"
# Set (in the WSGI environ, which no HTTP client can reach) on the requests the server makes to warm its own
# caches (dashboard.common.warmup): they are not visits and log no events.
WARM_UP_ENVIRON = "eduloop.warm_up"


def settings() -> Settings:
    """Current settings (read per call so tests can point the app elsewhere)."""
    return get_settings()


@functools.lru_cache(maxsize=8)
def _writer(events_dir: str, db_path: str) -> EventWriter:
    # Events naming an undeclared experiment or variant are refused (checked against the warehouse).
    return EventWriter(events_dir, catalog=CatalogCache(db_path))


def event_writer() -> EventWriter:
    """The process's event writer for the configured folder."""
    return _writer(str(settings().events_dir), str(settings().db_path))


def session_id() -> str | None:
    """The browser session id from the cookie (None outside a request)."""
    if not flask.has_request_context():
        return None
    return flask.request.cookies.get(SESSION_COOKIE) or getattr(flask.g, "new_session_id", None)


def ensure_session_cookie(response: flask.Response) -> flask.Response:
    """after_request hook: give every browser a random session id cookie."""
    if flask.request.cookies.get(SESSION_COOKIE) is None:
        sid = getattr(flask.g, "new_session_id", None) or uuid.uuid4().hex
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")
    return response


def assign_session_id() -> None:
    """before_request hook: make a session id available to the first request, too."""
    if flask.request.cookies.get(SESSION_COOKIE) is None:
        flask.g.new_session_id = uuid.uuid4().hex


def log_event(event: str, **fields) -> dict | None:
    """Append one event with the current session; never let logging break a request."""
    if flask.has_request_context() and flask.request.environ.get(WARM_UP_ENVIRON):
        return None
    try:
        payload = {k: v for k, v in fields.items() if v is not None}
        return event_writer().write({"event": event, "session_id": session_id(), **payload})
    except Exception:  # logging is best effort: a full disk must not take the page down
        return None


def request_lang(query_lang: str | None = None) -> str:
    """Language from ?lang=, else the browser's Accept-Language."""
    from dashboard.common.i18n import LANGUAGES, negotiate

    if query_lang in LANGUAGES:
        return query_lang
    if flask.has_request_context() and flask.request.referrer:
        # Callbacks are POSTs from the page: the page's own ?lang= is in the Referer.
        ref_lang = parse_qs(urlparse(flask.request.referrer).query).get("lang", [None])[0]
        if ref_lang in LANGUAGES:
            return ref_lang
    header = flask.request.headers.get("Accept-Language") if flask.has_request_context() else None
    return negotiate(header)
