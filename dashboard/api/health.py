"""GET /api/v1/health: is the app up and what warehouse does it serve."""
from __future__ import annotations

from flask import jsonify

from dashboard.api import api_blueprint
from dashboard.api.openapi import document
from dashboard.context import settings
from warehouse.connection import WarehouseMissing, read_only
from warehouse.provenance import KINDS, data_provenance
from warehouse.queries import get_build_info, get_production_model, get_table_counts


@api_blueprint.get("/health")
@document("/health", "get", summary="Service health, warehouse facts and production model",
          responses={"200": {"description": "healthy"}, "503": {"description": "warehouse missing"}})
def health():
    """Status, warehouse path and refresh time, row counts, production model, app version."""
    cfg = settings()
    body = {"status": "ok", "app_version": cfg.app_version, "warehouse": str(cfg.db_path),
            "environment": cfg.environment}
    try:
        with read_only(cfg.db_path) as con:
            info = get_build_info(con)
            body["refreshed_at"] = info.get("refreshed_at")
            body["tables"] = get_table_counts(con)
            model = get_production_model(con)
            body["production_model"] = model["version"] if model else None
            provenance = data_provenance(con)
            body["demo"] = provenance["demo"]
            body["data"] = {kind: provenance[kind]["state"] for kind in KINDS}
    except WarehouseMissing as exc:
        body.update(status="degraded", error=str(exc), production_model=None, tables={})
        return jsonify(body), 503
    return jsonify(body)
