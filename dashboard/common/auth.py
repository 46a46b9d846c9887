"""Admin access: HTTP Basic login (Flask-HTTPAuth) when EDULOOP_ADMIN_PASSWORD is set, else open demo mode.

Protected: the HTML of the Operations tab, its layout and callbacks (Dash fetches those through
POSTs, so each checks `is_admin()`), the admin API and admin events posted to /api/v1/events
(both through dashboard.api.guards: same-origin check, failed-login rate limit, then this login).
The password is compared in constant time (on SHA-256 digests, so its length does not leak either) and is
never logged, echoed or put in a URL.
"""
from __future__ import annotations

import hashlib
import hmac

import flask
from flask_httpauth import HTTPBasicAuth

from dashboard.common.context import settings

ADMIN_USER = "admin"
REALM = "EduLoop admin"
PROTECTED_PATHS = ("/operations",)
ADMIN_EVENT = "admin_action"

auth = HTTPBasicAuth(realm=REALM)


def auth_enabled() -> bool:
    """True when an admin password is configured (otherwise the app runs open, in demo mode)."""
    return settings().admin_password is not None


def _same(given: str | None, expected: str) -> bool:
    digest = lambda text: hashlib.sha256(text.encode("utf-8")).digest()
    return hmac.compare_digest(digest(given or ""), digest(expected))


def check_credentials(username: str | None, password: str | None) -> bool:
    """True for user 'admin' with the configured password (always True in open demo mode)."""
    expected = settings().admin_password
    if expected is None:
        return True
    user_ok = _same(username, ADMIN_USER)
    password_ok = _same(password, expected)   # both compared, so timing does not tell which failed
    return user_ok and password_ok


@auth.verify_password
def _verify(username: str, password: str):
    from dashboard.api.guards import login_blocked, record_failed_login  # guards import this module

    if not auth_enabled():
        return ADMIN_USER
    if login_blocked():   # while blocked even the right password is refused: guessing gains nothing
        return None
    if check_credentials(username, password):
        return ADMIN_USER
    if username or password:   # a bare challenge (no credentials yet) is no failure
        record_failed_login()
    return None


@auth.error_handler
def _refused(status: int):
    if flask.request.path.startswith("/api/"):
        from dashboard.api.errors import error_response

        return error_response(status, "unauthorized", "admin login required (HTTP Basic, user 'admin')")
    return flask.Response("Admin login required.", status=status, mimetype="text/plain")


def is_admin() -> bool:
    """True when the current request may see the Operations tab and use admin actions."""
    if not auth_enabled():
        return True
    if not flask.has_request_context():
        return False
    credentials = flask.request.authorization
    return (credentials is not None and credentials.type == "basic"
            and check_credentials(credentials.username, credentials.password))


def _allow():
    return None


def protect_pages():
    """before_request hook: challenge a GET of a protected page's HTML when a password is set."""
    request = flask.request
    if request.method in ("GET", "HEAD") and request.path.rstrip("/").lower() in PROTECTED_PATHS \
            and auth_enabled():
        return auth.login_required(_allow)()
    return None


def register_auth(server: flask.Flask) -> None:
    """Install the page guard on the Flask server (admin API views use dashboard.api.guards)."""
    server.before_request(protect_pages)
