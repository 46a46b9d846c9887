"""Callback failures: log an error event and show a toast; the app keeps serving."""
from __future__ import annotations

import logging

import dash
from dash import ctx

from dashboard.common.context import log_event, request_lang
from dashboard.common.i18n import t
from warehouse.connection import WarehouseMissing

log = logging.getLogger("eduloop.dashboard")


def handle_callback_error(exc: Exception):
    """Global Dash on_error handler."""
    outputs = getattr(ctx, "outputs_list", None)
    where = str(outputs[0].get("id") if isinstance(outputs, list) and outputs and isinstance(outputs[0], dict)
                else outputs)[:200]
    log.exception("callback failed: %s", where, exc_info=exc)
    log_event("error", page=where.split("-")[0][:64] if where else None,
              payload={"message": f"{type(exc).__name__}: {str(exc)[:300]}", "callback": where})
    lang = request_lang()
    body = t("common.warehouse_missing", lang) if isinstance(exc, WarehouseMissing) else \
        t("common.error_body", lang, kind=type(exc).__name__)
    dash.set_props("global-error", {"is_open": True, "header": t("common.error_title", lang), "children": body})
    return None
