"""Server-level request guards: one body size limit for every route, and JSON answers for malformed
Dash callback requests. Installed by `install_request_guards(app)` in dashboard/app.py.

The size limit is enforced while reading, in a WSGI middleware below Flask: a declared
Content-Length above the limit is refused before a byte is read, and a chunked body is read at
most one byte past the limit, so no route ever parses (or buffers) an oversized body.
"""
from __future__ import annotations

import io
import json
import logging

import flask
from werkzeug.exceptions import HTTPException

from warehouse.settings import get_settings

CHUNK = 64 * 1024
DASH_CALLBACK_PATH = "/_dash-update-component"
# Errors Dash's own request handling raises on a body of the wrong shape (a callback's own errors
# are handled earlier by the app's on_error handler).
SHAPE_ERRORS = (KeyError, TypeError, IndexError, AttributeError, ValueError)
log = logging.getLogger("eduloop.requests")


def _json_error(status: int, code: str, message: str, field: str | None = None) -> tuple[list[bytes], list]:
    body = json.dumps({"error": {"code": code, "message": message, "field": field}}).encode()
    return [body], [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    ("Connection", "close")]


class RequestSizeLimit:
    """WSGI middleware: answer 413 JSON when a request body exceeds the limit (chunked included)."""

    def __init__(self, app, limit=lambda: get_settings().max_request_bytes):
        self.app, self.limit = app, limit

    def _refuse(self, start_response, status: str, code: str, message: str):
        body, headers = _json_error(int(status[:3]), code, message, "body")
        start_response(status, headers)
        return body

    def __call__(self, environ, start_response):
        limit = self.limit()
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        too_big = f"request body larger than {limit} bytes"
        if declared and not chunked:
            if not declared.isdigit():
                return self._refuse(start_response, "400 Bad Request", "bad_content_length",
                                    "Content-Length must be a whole number")
            if int(declared) > limit:
                return self._refuse(start_response, "413 Request Entity Too Large", "payload_too_large", too_big)
            return self.app(environ, start_response)
        if chunked or environ.get("wsgi.input_terminated"):
            stream, data = environ["wsgi.input"], bytearray()
            while len(data) <= limit:
                piece = stream.read(min(CHUNK, limit + 1 - len(data)))
                if not piece:
                    break
                data += piece
            if len(data) > limit:
                return self._refuse(start_response, "413 Request Entity Too Large", "payload_too_large", too_big)
            # Hand Flask a plain, bounded body of known length.
            environ["wsgi.input"] = io.BytesIO(bytes(data))
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input_terminated"] = False
        return self.app(environ, start_response)


def _callback_body_problem(body) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if not isinstance(body.get("output"), str):
        return "output must be a string"
    for key in ("inputs", "state", "changedPropIds"):
        if key in body and not isinstance(body[key], list):
            return f"{key} must be an array"
    for key in ("inputs", "state"):
        for item in body.get(key, []):
            entries = item if isinstance(item, list) else [item]
            if not all(isinstance(e, dict) and "id" in e and isinstance(e.get("property"), str) for e in entries):
                return f"each of {key} must be an object with id and property"
    if "outputs" in body and not isinstance(body["outputs"], (dict, list)):
        return "outputs must be an object or an array"
    return None


def _guard_dash_callback(view):
    def guarded(*args, **kwargs):
        request = flask.request
        if request.mimetype != "application/json":
            return flask.jsonify({"error": {"code": "unsupported_media_type", "field": "Content-Type",
                                            "message": "Content-Type must be application/json"}}), 415
        try:
            body = request.get_json(silent=True)
        except RecursionError:   # absurd nesting is not JSON we serve
            body = None
        problem = "the body is not valid JSON" if body is None else _callback_body_problem(body)
        if problem is None:
            try:
                return view(*args, **kwargs)
            except SHAPE_ERRORS as exc:   # e.g. an output no callback serves, an input without a value
                log.warning("malformed Dash callback request: %s", type(exc).__name__)
                problem = "the callback request does not match any callback of this app"
        return flask.jsonify({"error": {"code": "malformed_callback", "message": problem, "field": "body"}}), 400
    return guarded


def _no_html_errors(exc: Exception):
    """Last-resort handler outside the API: JSON for Dash's own routes, never a traceback."""
    if isinstance(exc, HTTPException):
        if not flask.request.path.startswith("/_dash-"):
            return exc
        return flask.jsonify({"error": {"code": (exc.name or "error").lower().replace(" ", "_"),
                                        "message": exc.description or "", "field": None}}), exc.code or 500
    from warehouse.connection import WarehouseMissing

    if isinstance(exc, WarehouseMissing):
        return flask.jsonify({"error": {"code": exc.code, "message": str(exc), "field": None}}), 503
    log.exception("unexpected failure on %s", flask.request.path)
    return flask.jsonify({"error": {"code": "internal_error", "message": "unexpected server error (logged)",
                                    "field": None}}), 500


def install_request_guards(app) -> None:
    """Wrap the Dash app's server: body size limit, callback body checks, JSON last-resort errors."""
    server = app.server
    server.wsgi_app = RequestSizeLimit(server.wsgi_app)
    for rule in server.url_map.iter_rules():
        if rule.rule.endswith(DASH_CALLBACK_PATH):
            server.view_functions[rule.endpoint] = _guard_dash_callback(server.view_functions[rule.endpoint])
    server.register_error_handler(Exception, _no_html_errors)
