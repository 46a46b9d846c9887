"""The OpenAPI 3 document, assembled from the routes that declare themselves with @document."""
from __future__ import annotations

from flask import jsonify

from dashboard.api import api_blueprint
from warehouse.settings import APP_VERSION

ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                            "field": {"type": ["string", "null"]}}}},
}
_PATHS: dict[str, dict] = {}


def document(path: str, method: str, *, summary: str, request: dict | None = None,
             responses: dict | None = None, parameters: list | None = None):
    """Decorator: record a route's OpenAPI operation (paths relative to /api/v1)."""
    def wrap(view):
        operation: dict = {"summary": summary, "operationId": view.__name__, "responses": {}}
        for status, spec in (responses or {"200": {"description": "ok"}}).items():
            entry = {"description": spec.get("description", "")}
            schema = spec.get("schema") or (ERROR_SCHEMA if status.startswith(("4", "5")) else None)
            if schema:
                entry["content"] = {"application/json": {"schema": schema}}
            operation["responses"][status] = entry
        if request:   # every JSON body route also answers these (dashboard.api.errors, request_guards)
            for status, text in (("413", "request body larger than the server's limit"),
                                 ("415", "Content-Type is not application/json")):
                operation["responses"].setdefault(status, {"description": text, "content": {
                    "application/json": {"schema": ERROR_SCHEMA}}})
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": request}}}
        if parameters:
            operation["parameters"] = parameters
        _PATHS.setdefault(path, {})[method] = operation
        return view
    return wrap


def openapi_document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "EduLoop API", "version": APP_VERSION,
                 "description": "Predictions, effects, recommendations, events and health of EduLoop."},
        "servers": [{"url": "/api/v1"}],
        "paths": _PATHS,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }


@api_blueprint.get("/openapi.json")
def openapi_json():
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())
