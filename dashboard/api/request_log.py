"""Request log of the prediction endpoints: one 'api_call' event per request (path, status, duration_ms).

The Operations tab's latency and error-rate chart reads these (warehouse.monitoring_queries). The
event is written after the response is built; a failed write never fails the request.
"""
from __future__ import annotations

import time

import flask

from dashboard.api import api_blueprint
from dashboard.common.context import log_event

LOGGED_PATHS = frozenset({"/api/v1/predict", "/api/v1/predict/batch"})


@api_blueprint.before_request
def _start_clock() -> None:
    flask.g.request_started = time.perf_counter()


@api_blueprint.after_request
def _log_request(response: flask.Response) -> flask.Response:
    started = getattr(flask.g, "request_started", None)
    if started is not None and flask.request.path in LOGGED_PATHS:
        log_event("api_call", page="api", payload={
            "path": flask.request.path, "method": flask.request.method, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3)})
    return response
