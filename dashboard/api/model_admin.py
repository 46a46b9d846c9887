"""Run a model pipeline command (promote, rollback) in its own process for the admin API.

The app never writes the warehouse: the pipeline takes the writer lock, changes a private copy and
publishes it atomically; the app's model cache sees the new production models at the next request.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from dashboard.api.errors import ApiError
from dashboard.context import log_event, settings

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600
ADMIN_RESPONSES = {"401": {"description": "admin login required (HTTP Basic, user 'admin')"},
                   "409": {"description": "nothing to roll back to, or the version cannot be promoted"},
                   "503": {"description": "the pipeline failed"}, "504": {"description": "the pipeline timed out"}}
CONFLICT_HINTS = ("no previous production", "no production model", "cannot promote", "cannot use")
log = logging.getLogger("eduloop.admin")


def run_model_command(arguments: list[str], action: str, timeout: float = TIMEOUT_S) -> dict:
    """Run `python -m pipelines <arguments> --json` against the app's warehouse; return its JSON summary."""
    cfg = settings()
    env = {k: v for k, v in os.environ.items() if k != "EDULOOP_ADMIN_PASSWORD"}   # the job needs no secret
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pipelines", *arguments, "--json", "--db", str(Path(cfg.db_path).resolve())]
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ApiError(504, "pipeline_timeout", f"{action} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1][:300]
        reason = reason.removeprefix("error: ")
        status = 409 if any(hint in reason for hint in CONFLICT_HINTS) else 503
        raise ApiError(status, "conflict" if status == 409 else "pipeline_failed", reason)
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    log_event("admin_action", page="api", payload={"action": f"model_{action}", "arguments": arguments})
    log.info("model %s by admin finished", action)
    return outcome
