"""GET /api/v1/ops/summary: the Operations tab's numbers as JSON (same loaders as the tab)."""
from __future__ import annotations

from datetime import date

from flask import jsonify, request

from dashboard.api import api_blueprint
from dashboard.api.errors import ApiError
from dashboard.api.guards import require_admin
from dashboard.api.openapi import document
from dashboard.api.provenance import provenance_fields
from dashboard.common.context import settings
from dashboard.operations.data import (
    frame_records,
    load_ab,
    load_alerts,
    load_errors,
    load_experiment,
    load_health,
    load_usage,
)
from warehouse.connection import WarehouseMissing
from warehouse.events import list_event_files

SECTIONS = ("ab", "usage", "errors", "health", "alerts")
# The data each section is computed from (the first decides "empty"): health = models on students + drift on events.
SECTION_KINDS = {"ab": ("events",), "usage": ("events",), "errors": ("events",), "health": ("students", "events"),
                 "alerts": ("events", "students")}
POWERS = (0.8, 0.9)


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(422, "invalid", f"must be a number between {low} and {high}", name) from None
    if not low < value <= high:
        raise ApiError(422, "invalid", f"must be a number between {low} and {high}", name)
    return value


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid", "must be a date YYYY-MM-DD", name) from None


def _experiment_key() -> str | None:
    """The `experiment` query parameter (a declared key; unknown keys fall back to the advice test)."""
    key = request.args.get("experiment")
    if key is not None and not 0 < len(key) <= 64:
        raise ApiError(422, "invalid", "must be an experiment key of 1 to 64 characters", "experiment")
    return key


def section_json(section: str) -> dict:
    """Load one section with the request's parameters and return it as JSON-able data."""
    cfg = settings()
    if section == "ab" and provenance_fields(cfg.db_path, "events").get("empty") \
            and not list_event_files(cfg.events_dir):
        return {"counts": [], "over_time": [], "variants": [], "report": None}   # no variants, not zeros
    if section == "ab":
        # Counts are descriptive; the tests are the session-level report (sessions were randomised, not
        # impressions), the same one the Operations tab shows.
        mde = _number("mde", 10, 0, 1000) / 100
        data = load_ab(cfg, mde=mde)
        experiment = load_experiment(cfg, _experiment_key(), mde=mde)
        return {"counts": frame_records(data.counts), "over_time": frame_records(data.over_time),
                "experiment": experiment.key, "unit": "session", "report": experiment.report}
    if section == "usage":
        data = load_usage(cfg, _day("start"), _day("end"))
        return {"start": data.start.isoformat(), "end": data.end.isoformat(), "totals": data.totals,
                "previous": data.previous, "page_views": frame_records(data.page_views),
                "predictions": frame_records(data.predictions),
                "recommendations": frame_records(data.recommendations),
                "recommendation_totals": {k: (None if v != v else v) for k, v in data.rec_totals.items()}}
    if section == "errors":
        data = load_errors(cfg)
        return {"since": data.since.isoformat(), "total": data.total, "messages": frame_records(data.messages),
                "hourly": frame_records(data.hourly), "latest": frame_records(data.latest)}
    if section == "health":
        data = load_health(cfg)
        return {"production_model": data.production and data.production.get("version"),
                "versions": frame_records(data.versions), "metrics": frame_records(data.metrics),
                "drift": frame_records(data.drift), "performance": frame_records(data.performance),
                "meta": data.meta}
    data = load_alerts(cfg)
    return {"open": frame_records(data.recorded), "live": frame_records(data.live)}


@api_blueprint.get("/ops/summary")
@document("/ops/summary", "get", summary="Operations numbers of one section (A/B, usage, errors, health, alerts)",
          parameters=[{"name": "section", "in": "query", "required": True,
                       "schema": {"type": "string", "enum": list(SECTIONS)}},
                      {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
                      {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}},
                      {"name": "mde", "in": "query", "schema": {"type": "number"},
                       "description": "minimum detectable effect, relative, in % (default 10)"},
                      {"name": "experiment", "in": "query", "schema": {"type": "string", "maxLength": 64},
                       "description": "declared experiment key for the A/B section (default: the advice test)"}],
          responses={"200": {"description": "section data"}, "401": {"description": "admin login required"},
                     "422": {"description": "invalid parameter"}, "503": {"description": "warehouse missing"}})
@require_admin
def ops_summary():
    """One section of the Operations tab as JSON."""
    section = request.args.get("section", "")
    if section not in SECTIONS:
        raise ApiError(422, "invalid", f"must be one of {', '.join(SECTIONS)}", "section")
    try:
        return jsonify({"section": section, **section_json(section),
                        **provenance_fields(settings().db_path, *SECTION_KINDS[section])})
    except WarehouseMissing as exc:
        raise ApiError(503, exc.code, str(exc)) from exc
