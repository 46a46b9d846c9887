"""GET /api/v1/health: is the app up and what warehouse does it serve (names and versions, no paths)."""
from __future__ import annotations

from flask import jsonify

from dashboard.api import api_blueprint
from dashboard.api.openapi import document
from dashboard.common.context import settings
from warehouse.connection import WarehouseMissing, read_only
from warehouse.provenance import KINDS, data_provenance
from warehouse.queries import check_tables_read, get_build_info, get_production_model, get_table_counts


@api_blueprint.get("/health")
@document("/health", "get", summary="Service health, warehouse facts and production model",
          responses={"200": {"description": "healthy"},
                     "503": {"description": "warehouse missing, corrupt or unreadable"}})
def health():
    """Status, warehouse file name and refresh time, row counts, production model, app version."""
    cfg = settings()
    body = {"status": "ok", "app_version": cfg.app_version, "warehouse": cfg.db_path.name,
            "environment": cfg.environment}
    try:
        with read_only(cfg.db_path) as con:
            check_tables_read(con, cfg.db_path)   # the file opens, is whole, and every main table reads
            info = get_build_info(con)
            body["refreshed_at"] = info.get("refreshed_at")
            body["tables"] = get_table_counts(con)
            model = get_production_model(con)
            body["production_model"] = model["version"] if model else None
            provenance = data_provenance(con)
            body["demo"] = provenance["demo"]
            body["data"] = {kind: provenance[kind]["state"] for kind in KINDS}
    except WarehouseMissing as exc:
        body.update(status="degraded", error={"code": exc.code, "message": str(exc)}, production_model=None,
                    tables={})
        return jsonify(body), 503
    return jsonify(body)
