"""Admin actions shared by the Operations tab and the admin API: acknowledge an alert, run the monitor.

The app never writes the warehouse: an acknowledgement is an `admin_action` event (the live path
honours it at once; ingest and monitor copy it into ml.alerts), and "run monitor" starts the
pipeline in its own process, which publishes through the normal single-writer protocol.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from dashboard.common.context import event_writer, session_id, settings
from warehouse.connection import read_only
from warehouse.ops_queries import get_alert_state, open_live_events

ROOT = Path(__file__).resolve().parents[2]
MONITOR_TIMEOUT_S = 300
ALERT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
log = logging.getLogger("eduloop.admin")


class AdminActionError(RuntimeError):
    """An admin action could not be done; `code` is machine-readable, the message one line."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def acknowledge_alert(alert_id: str, by: str | None = None) -> dict:
    """Log an ack event (and who acked) for an existing alert; return {alert_id, acknowledged, already, event_id}."""
    if not isinstance(alert_id, str) or not ALERT_ID.match(alert_id):
        raise AdminActionError("invalid", "alert id must be 1-64 letters, digits, '-' or '_'")
    by = by or acting_user()
    if not isinstance(by, str) or not 0 < len(by) <= 64:
        raise AdminActionError("invalid", "by must be a name of 1-64 characters")
    cfg = settings()
    with read_only(cfg.db_path) as con:
        open_live_events(con, cfg.events_dir)
        state = get_alert_state(con, alert_id)
    if state is None:
        raise AdminActionError("not_found", f"no alert {alert_id}")
    if state == "acknowledged":
        return {"alert_id": alert_id, "acknowledged": True, "already": True, "event_id": None}
    event = event_writer().write({"event": "admin_action", "page": "operations", "session_id": session_id(),
                                  "payload": {"action": "ack_alert", "alert_id": alert_id, "by": by}})
    log.info("alert %s acknowledged by %s", alert_id, by)
    return {"alert_id": alert_id, "acknowledged": True, "already": False, "event_id": event["event_id"]}


def acting_user() -> str:
    """Who is acting: the HTTP Basic user when logged in, else 'anonymous' (no admin password set)."""
    import flask

    auth = flask.request.authorization if flask.has_request_context() else None
    return (auth.username if auth and auth.username else "anonymous")[:64]


def run_pipeline(arguments: list[str], *, name: str, timeout: float) -> dict:
    """Run `python -m pipelines <arguments> --json --db <app's warehouse>` in its own process; return its JSON.

    Raises AdminActionError `<name>_timeout` or `<name>_failed` (with the command's one-line reason).
    """
    cfg = settings()
    # The pipeline needs no admin secret: keep it out of the child's environment.
    env = {k: v for k, v in os.environ.items() if k != "EDULOOP_ADMIN_PASSWORD"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pipelines", *arguments, "--json", "--db", str(Path(cfg.db_path).resolve())]
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise AdminActionError(f"{name}_timeout", f"{name} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1][:300]
        raise AdminActionError(f"{name}_failed", reason.removeprefix("error: "))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_monitor_job(timeout: float = MONITOR_TIMEOUT_S) -> dict:
    """Run `python -m pipelines monitor --json` in a subprocess and return its summary."""
    events_dir = str(Path(settings().events_dir).resolve())
    # notifications go out from a detached process: this request never waits for a webhook or SMTP server
    summary = run_pipeline(["monitor", "--events-dir", events_dir, "--notify-detach"], name="monitor",
                           timeout=timeout)
    log.info("monitor run started by admin finished")
    return summary


RESET_TIMEOUT_S = 120


def run_reset_demo_job(now=None, timeout: float = RESET_TIMEOUT_S) -> dict:
    """Declare a fresh demo experiment (A/B 50/50, primary action follow, from today) through the
    `experiment create` CLI in a subprocess; return its summary ({created, variants, ...})."""
    from datetime import datetime, timezone

    now = now or datetime.now(timezone.utc)
    key = f"demo-{now:%Y%m%d-%H%M%S}"
    summary = run_pipeline(["experiment", "create", key, "--variants", "A,B", "--allocation", "50,50",
                            "--primary", "follow", "--start", f"{now:%Y-%m-%d}",
                            "--description", "audience demo (reset from the Operations tab)"],
                           name="reset_demo", timeout=timeout)
    log.info("demo reset by %s: experiment %s", acting_user(), key)
    return summary
