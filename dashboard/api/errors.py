"""JSON error responses for the API; no HTML error page and no traceback ever leaves it."""
from __future__ import annotations

import json
import logging
import re

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.api import api_blueprint

log = logging.getLogger("eduloop.api")


class ApiError(Exception):
    """An error with an HTTP status, a machine code, a message and the offending field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    """Build the documented error body."""
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    return jsonify(body), status


@api_blueprint.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response, status = error_response(exc.status, exc.code, exc.message, exc.field, **exc.extra)
    response.headers.update(exc.headers)
    return response, status


@api_blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")


@api_blueprint.errorhandler(Exception)
def _unexpected(exc: Exception):
    from warehouse.connection import WarehouseMissing
    from warehouse.events import EventStoreError

    if isinstance(exc, WarehouseMissing):
        return error_response(503, exc.code, str(exc))
    if isinstance(exc, EventStoreError):   # nothing of the batch was kept
        return error_response(507 if exc.full else 503, "insufficient_storage" if exc.full else "storage_error",
                              "the server could not store the events (nothing was kept); retry later")
    log.exception("API failure on %s", request.path)
    return error_response(500, "internal_error", "unexpected server error (logged)")


JSON_TYPES = ("application/json",)
# A cheap pre-filter: only bodies with a surrogate escape are checked exactly (they are rare).
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _utf8_clean(body) -> bool:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def require_json_type() -> None:
    """Raise a 415 unless the request says its body is JSON (form, multipart, text/plain or none)."""
    if request.mimetype not in JSON_TYPES:
        shown = (request.mimetype or "none")[:60]
        raise ApiError(415, "unsupported_media_type", f"Content-Type must be application/json, not {shown}",
                       "Content-Type")


def json_body(*, expect: type = dict):
    """The request body parsed exactly as every JSON view (and the admin check) sees it; 415/400 otherwise."""
    require_json_type()
    if not request.get_data(cache=True):
        raise ApiError(400, "empty_body", "request body must be JSON")
    try:
        body = request.get_json(force=True, silent=False)
    except Exception as exc:   # includes RecursionError on absurd nesting
        raise ApiError(400, "malformed_json", "request body is not valid JSON") from exc
    if SURROGATE_ESCAPE.search(request.get_data(cache=True)) and not _utf8_clean(body):
        raise ApiError(400, "malformed_json", "request body holds a lone UTF-16 surrogate (\\ud800-\\udfff); "
                                              "send valid Unicode text")
    if not isinstance(body, expect):
        kind = expect.__name__.replace("dict", "object").replace("list", "array")
        raise ApiError(400, "wrong_body_type", f"request body must be a JSON {kind}")
    return body


CATCH_ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATCH_ALL_ENDPOINT = "api_not_found"


def route_methods(path: str) -> list[str]:
    """The methods a real API route serves at `path` (the /api/<path> catch-all aside)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in CATCH_ALL_METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint != CATCH_ALL_ENDPOINT:
            allowed.append(method)
    return allowed


def unknown_api_path(rest: str):
    """Any /api/... request without a route: JSON 405 naming the allowed methods if the path
    exists for other methods, else JSON 404 (instead of the Dash page catch-all)."""
    allowed = route_methods(request.path)
    if allowed:
        response, status = error_response(405, "method_not_allowed",
                                          f"{request.method} is not allowed on {request.path[:100]}; "
                                          f"use {', '.join(allowed)}", allowed=allowed)
        response.headers["Allow"] = ", ".join(allowed)
        return response, status
    return error_response(404, "not_found", f"no API route /api/{rest[:100]}")


def api_allow_header(response):
    """After an automatic OPTIONS answer on an API route: Allow lists the route's own methods only
    (Flask would also advertise every method of the catch-all)."""
    if request.method == "OPTIONS" and request.path.startswith("/api/") and "Allow" in response.headers:
        methods = route_methods(request.path)
        response.headers["Allow"] = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
    return response


def call_service(call, *args, unavailable: dict[type, str] | None = None, **kwargs):
    """Run a model/warehouse call; a missing warehouse, artifact or model becomes a JSON 503."""
    from warehouse.connection import WarehouseMissing
    from warehouse.model_artifacts import ArtifactError

    codes = {WarehouseMissing: "warehouse_missing", ArtifactError: "model_unavailable", **(unavailable or {})}
    try:
        return call(*args, **kwargs)
    except tuple(codes) as exc:
        code = getattr(exc, "code", None) if isinstance(exc, WarehouseMissing) else \
            next(c for kind, c in codes.items() if isinstance(exc, kind))
        raise ApiError(503, code, str(exc)) from exc
