"""Guards on admin state changes: same-origin check (CSRF), failed-login rate limit, login.

The failed-login limit uses Flask-Limiter with in-memory storage: each gunicorn worker of each app
node counts on its own, so the effective limit is (nodes x workers x FAILED_LOGIN_LIMIT) per client
address (tests/load/test_two_nodes.py). That is
enough to make guessing the password hopeless; a shared store (`storage_uri="redis://..."`)
would make it exact. Behind a reverse proxy, the proxy's address is the client (see
docs/SECURITY.md).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

from dashboard.api.errors import ApiError
from dashboard.common.auth import ADMIN_EVENT, REALM, auth_enabled, is_admin

FAILED_LOGIN_LIMIT = parse("10 per minute")
LOGIN_SCOPE = "admin-login"
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[],
                  headers_enabled=False, strategy="fixed-window")


def init_guards(server: flask.Flask) -> None:
    """Attach the rate limiter to the Flask server."""
    limiter.init_app(server)


def _client() -> str:
    return get_remote_address() or "unknown"


def login_blocked() -> bool:
    """True when this client has used up its failed logins for the current window."""
    return not limiter.limiter.test(FAILED_LOGIN_LIMIT, LOGIN_SCOPE, _client())


def record_failed_login() -> None:
    """Count one failed admin login for this client."""
    limiter.limiter.hit(FAILED_LOGIN_LIMIT, LOGIN_SCOPE, _client())


def check_same_origin() -> None:
    """Raise 403 for a browser request sent from another site (a forged form or fetch: CSRF).

    Browsers send Origin on cross-site POSTs and Sec-Fetch-Site everywhere; API clients such as
    an LMS send neither and are judged by their credentials alone.
    """
    request = flask.request
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site" or \
            (origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower())):
        raise ApiError(403, "cross_origin", "admin changes must come from this site (Origin does not match)",
                       "Origin")


def admin_gate() -> None:
    """Allow an admin state change or raise 403 (other origin), 429 (too many failures) or 401."""
    check_same_origin()
    if not auth_enabled():
        return
    if login_blocked():
        raise ApiError(429, "too_many_failed_logins", "too many failed admin logins; wait a minute and retry",
                       headers={"Retry-After": "60"})
    if not is_admin():
        if flask.request.authorization is not None:   # a bare challenge (no credentials yet) is no failure
            record_failed_login()
        raise ApiError(401, "unauthorized", "admin login required (HTTP Basic, user 'admin')",
                       headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})


def require_admin(view):
    """Decorator for admin API views: same origin, not rate-limited, logged in (open in demo mode)."""
    import functools

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        admin_gate()
        return view(*args, **kwargs)

    return guarded


def gate_admin_events(events: list) -> None:
    """Run the admin gate when a batch posted to /events holds an admin event (on the parsed body)."""
    if any(isinstance(e, dict) and e.get("event") == ADMIN_EVENT for e in events):
        admin_gate()
