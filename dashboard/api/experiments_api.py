"""Declared experiments over REST: list, a session's assignment, and session-level results (live)."""
from __future__ import annotations

from flask import jsonify, request

from analytics.ab_sessions import experiment_report
from analytics.experiments import assign_variant
from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError
from dashboard.api.guards import require_admin
from dashboard.api.openapi import document
from dashboard.common.context import settings
from dashboard.operations.data import experiment_stats
from warehouse import experiments as wx
from warehouse.connection import WarehouseMissing, read_only

KEY_PARAMETER = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def _experiment(con, key: str) -> dict:
    found = wx.get_experiment(con, key)
    if found is None:
        raise ApiError(404, "not_found", f"no experiment {key!r}", "key")
    return found


def _read(work):
    try:
        with read_only(settings().db_path) as con:
            return work(con)
    except WarehouseMissing as exc:
        raise ApiError(503, "warehouse_missing", str(exc)) from exc


@api_blueprint.get("/experiments")
@document("/experiments", "get", summary="Declared experiments (variants, allocation, primary action, status)",
          responses={"200": {"description": "experiments"}, "503": {"description": "warehouse missing"}})
def list_experiments():
    """Every declared experiment."""
    rows = _read(lambda con: wx.get_experiments_df(con))
    return jsonify({"experiments": [
        {"key": r.experiment_key, "kind": r.kind, "status": r.status, "variants": list(r.variants),
         "allocation": [float(a) for a in r.allocation], "primary_action": r.primary_action}
        for r in rows.itertuples()]})


@api_blueprint.get("/experiments/<key>/assignment")
@document("/experiments/{key}/assignment", "get", summary="The variant a session gets (hash of session and key)",
          parameters=[KEY_PARAMETER, {"name": "session_id", "in": "query", "required": True,
                                      "schema": {"type": "string", "minLength": 1, "maxLength": 128}}],
          responses={"200": {"description": "variant"}, "404": {"description": "unknown experiment"},
                     "422": {"description": "missing session_id"}})
def experiment_assignment(key: str):
    """Assign a session deterministically; a stopped experiment answers its control."""
    session = request.args.get("session_id", "")
    if not 0 < len(session) <= 128:
        raise ApiError(422, "invalid", "session_id must be 1-128 characters", "session_id")
    found = _read(lambda con: _experiment(con, key))
    running = found["status"] == "running"
    variant = assign_variant(session, key, found["variants"], found["allocation"]) if running \
        else found["variants"][0]
    return jsonify({"experiment": key, "session_id": session, "variant": variant, "running": running})


@api_blueprint.get("/experiments/<key>/results")
@document("/experiments/{key}/results", "get",
          summary="Session-level results: ratio CTR (delta method), conversion, fixed and sequential tests, SRM",
          parameters=[KEY_PARAMETER, {"name": "mde", "in": "query", "schema": {"type": "number"},
                                      "description": "minimum detectable relative lift in % (default 10)"}],
          responses={"200": {"description": "results"}, "401": {"description": "admin login required"},
                     "404": {"description": "unknown experiment"}, "422": {"description": "invalid parameter"},
                     "503": {"description": "warehouse missing"}})
@require_admin
def experiment_results(key: str):
    """Results from the warehouse plus not-yet-ingested events."""
    try:
        mde = float(request.args.get("mde", "10")) / 100
    except ValueError:
        raise ApiError(422, "invalid", "mde must be a number (percent)", "mde") from None
    if not 0 < mde <= 10:
        raise ApiError(422, "invalid", "mde must be between 0 and 1000 (percent)", "mde")

    found = _read(lambda con: _experiment(con, key))
    try:   # the Operations tab's numbers: published sums cached, live events layered on (own connections)
        frames = experiment_stats(settings(), found)
    except WarehouseMissing as exc:
        raise ApiError(503, "warehouse_missing", str(exc)) from exc
    stats, daily, actions = frames["sessions"], frames["daily"], frames["actions"]
    body = {"experiment": key, "status": found["status"], "primary_action": found["primary_action"]}
    if len(stats) < 2:
        return jsonify({**body, "variants": [], "reason": "fewer than two variants have sessions yet"})
    return jsonify({**body, **experiment_report(stats, variants=found["variants"], allocation=found["allocation"],
                                                daily_df=daily, actions_df=actions, mde=mde)})
