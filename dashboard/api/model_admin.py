"""Run a model pipeline command (promote, rollback) in its own process for the admin API.

The app never writes the warehouse: the pipeline takes the writer lock, changes a private copy and
publishes it atomically; the app's model cache sees the new production models at the next request.
"""
from __future__ import annotations

import logging

from dashboard.api.errors import ApiError
from dashboard.common.admin_actions import AdminActionError, run_pipeline
from dashboard.common.context import log_event

TIMEOUT_S = 600
ADMIN_RESPONSES = {"401": {"description": "admin login required (HTTP Basic, user 'admin')"},
                   "409": {"description": "nothing to roll back to, or the version cannot be promoted"},
                   "503": {"description": "the pipeline failed"}, "504": {"description": "the pipeline timed out"}}
CONFLICT_HINTS = ("no previous production", "no production model", "cannot promote", "cannot use")
log = logging.getLogger("eduloop.admin")


def run_model_command(arguments: list[str], action: str, timeout: float = TIMEOUT_S) -> dict:
    """Run `python -m pipelines <arguments> --json` against the app's warehouse; return its JSON summary."""
    try:
        outcome = run_pipeline(arguments, name=action, timeout=timeout)
    except AdminActionError as exc:
        reason = str(exc)
        if exc.code.endswith("_timeout"):
            raise ApiError(504, "pipeline_timeout", reason) from exc
        status = 409 if any(hint in reason for hint in CONFLICT_HINTS) else 503
        raise ApiError(status, "conflict" if status == 409 else "pipeline_failed", reason) from exc
    log_event("admin_action", page="api", payload={"action": f"model_{action}", "arguments": arguments})
    log.info("model %s by admin finished", action)
    return outcome
