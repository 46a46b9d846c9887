"""JSON error responses for the API; no HTML error page and no traceback ever leaves it."""
from __future__ import annotations

import logging

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.api import api_blueprint

log = logging.getLogger("eduloop.api")


class ApiError(Exception):
    """An error with an HTTP status, a machine code, a message and the offending field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    """Build the documented error body."""
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    return jsonify(body), status


@api_blueprint.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field, **exc.extra)


@api_blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")


@api_blueprint.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("API failure on %s", request.path)
    return error_response(500, "internal_error", "unexpected server error (logged)")


def json_body(*, expect: type = dict):
    """Parse the request body as JSON of the expected top-level type, or raise a 400/415."""
    if not request.data:
        raise ApiError(400, "empty_body", "request body must be JSON")
    try:
        body = request.get_json(force=True, silent=False)
    except Exception as exc:
        raise ApiError(400, "malformed_json", "request body is not valid JSON") from exc
    if not isinstance(body, expect):
        raise ApiError(400, "wrong_body_type", f"request body must be a JSON {expect.__name__.replace('dict', 'object').replace('list', 'array')}")
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
        code = next(c for kind, c in codes.items() if isinstance(exc, kind))
        raise ApiError(503, code, str(exc)) from exc
