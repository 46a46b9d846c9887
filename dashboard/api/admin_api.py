"""Admin API (login required when EDULOOP_ADMIN_PASSWORD is set): acknowledge alerts, run the monitor.

Other admin routes (model promote / rollback) use the same `require_admin` decorator.
"""
from __future__ import annotations

from flask import jsonify, request

from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError
from dashboard.api.guards import require_admin
from dashboard.api.openapi import document
from dashboard.common.admin_actions import AdminActionError, acknowledge_alert, run_monitor_job
from warehouse.connection import WarehouseMissing

STATUS = {"invalid": 422, "not_found": 404, "monitor_failed": 503, "monitor_timeout": 504}
AUTH_RESPONSE = {"401": {"description": "admin login required (HTTP Basic, user 'admin')"}}


def _call(action, *args):
    try:
        return action(*args)
    except WarehouseMissing as exc:
        raise ApiError(503, exc.code, str(exc)) from exc
    except AdminActionError as exc:
        raise ApiError(STATUS.get(exc.code, 400), exc.code, str(exc),
                       "alert_id" if exc.code == "invalid" else None) from exc


@api_blueprint.post("/admin/alerts/<alert_id>/ack")
@document("/admin/alerts/{alert_id}/ack", "post", summary="Acknowledge an alert (logged as an admin event)",
          parameters=[{"name": "alert_id", "in": "path", "required": True, "schema": {"type": "string"}},
                      {"name": "by", "in": "query", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
          responses={"200": {"description": "acknowledged (or already was)"}, **AUTH_RESPONSE,
                     "404": {"description": "unknown alert"}, "422": {"description": "malformed alert id"}})
@require_admin
def ack_alert(alert_id: str):
    """Acknowledge one alert (`?by=NAME` records who; default the logged-in user)."""
    return jsonify(_call(acknowledge_alert, alert_id, request.args.get("by")))


@api_blueprint.post("/admin/monitor")
@document("/admin/monitor", "post", summary="Run `python -m pipelines monitor` now and return its summary",
          responses={"200": {"description": "monitor summary"}, **AUTH_RESPONSE,
                     "503": {"description": "monitor failed or warehouse missing"}})
@require_admin
def run_monitor():
    """Run the monitor pipeline in a subprocess."""
    return jsonify(_call(run_monitor_job))
