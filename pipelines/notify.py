"""Alert notifications: a webhook (JSON POST) and e-mail (SMTP), retried with back-off in the background.

Configured by environment variables (warehouse.settings: EDULOOP_NOTIFY_WEBHOOK_URL, EDULOOP_SMTP_*).
`Notifier.notify` only starts a daemon thread per channel and returns at once, so no caller (a
request, a pipeline step) waits for a slow or unreachable target. Each failed attempt is logged with
its reason; after the last retry the delivery is logged as an error and given up. A pipeline that is
about to exit calls `drain` with a bounded wait so its deliveries are not cut off.
"""
from __future__ import annotations

import json
import logging
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable

from warehouse.settings import Settings

log = logging.getLogger("eduloop.notify")
ALERT_FIELDS = ("alert_id", "rule", "severity", "subject", "value", "threshold", "raised_at", "message_key",
                "params")


@dataclass
class Delivery:
    """Outcome of one message on one channel (kept for the caller's summary and for tests)."""

    channel: str
    target: str
    attempts: int = 0
    ok: bool = False
    errors: list[str] = field(default_factory=list)


class Notifier:
    """Sends each message to every configured channel from background threads, with retries."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        self._threads: list[threading.Thread] = []
        self.deliveries: list[Delivery] = []

    def channels(self) -> list[tuple[str, str]]:
        """(channel, target) pairs that are configured: ('webhook', url), ('email', 'host:port')."""
        cfg = self.settings
        found = []
        if cfg.notify_webhook_url:
            found.append(("webhook", cfg.notify_webhook_url))
        if cfg.smtp_host and cfg.smtp_to:
            found.append(("email", f"{cfg.smtp_host}:{cfg.smtp_port}"))
        return found

    def notify(self, message: dict[str, Any]) -> int:
        """Queue one message on every channel; return how many channels will try to deliver it."""
        channels = self.channels()
        for channel, target in channels:
            delivery = Delivery(channel, target)
            self.deliveries.append(delivery)
            thread = threading.Thread(target=self._deliver, args=(delivery, message), daemon=True,
                                      name=f"notify-{channel}")
            thread.start()
            self._threads.append(thread)
        return len(channels)

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds in total for pending deliveries; True when all finished."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def _deliver(self, delivery: Delivery, message: dict) -> None:
        """Try, then retry with exponential back-off (backoff, 2·backoff, ...), logging each failure."""
        send = self._send_webhook if delivery.channel == "webhook" else self._send_email
        attempts = 1 + max(0, self.settings.notify_retries)
        for attempt in range(1, attempts + 1):
            delivery.attempts = attempt
            try:
                send(message)
                delivery.ok = True
                log.info("notification %s sent by %s to %s (attempt %d)", message.get("alert_id"),
                         delivery.channel, delivery.target, attempt)
                return
            except Exception as exc:   # any failure of the target is retried, never raised to the caller
                reason = f"{type(exc).__name__}: {exc}"[:300]
                delivery.errors.append(reason)
                if attempt == attempts:
                    log.error("notification %s by %s to %s failed after %d attempts: %s", message.get("alert_id"),
                              delivery.channel, delivery.target, attempt, reason)
                    return
                wait = self.settings.notify_backoff_s * 2 ** (attempt - 1)
                log.warning("notification %s by %s to %s failed (attempt %d of %d): %s; retrying in %.1fs",
                            message.get("alert_id"), delivery.channel, delivery.target, attempt, attempts,
                            reason, wait)
                self._sleep(wait)

    def _send_webhook(self, message: dict) -> None:
        """POST the message as JSON; any non-2xx answer is a failure."""
        request = urllib.request.Request(self.settings.notify_webhook_url,
                                         data=json.dumps(message, default=str).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.settings.notify_timeout_s) as response:
            if not 200 <= response.status < 300:
                raise urllib.error.HTTPError(request.full_url, response.status, "not 2xx", response.headers, None)

    def _send_email(self, message: dict) -> None:
        """Send a plain-text e-mail with the alert's fields to every EDULOOP_SMTP_TO address."""
        cfg = self.settings
        mail = EmailMessage()
        mail["From"] = cfg.smtp_from
        mail["To"] = ", ".join(cfg.smtp_to)
        mail["Subject"] = email_subject(message)
        mail.set_content(json.dumps(message, indent=2, ensure_ascii=False, default=str))
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.notify_timeout_s) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password or "")
            smtp.send_message(mail)


def email_subject(message: dict) -> str:
    """'[EduLoop demo] critical retrain_failed: <subject>' — rule keys, not prose, so no language is assumed."""
    return (f"[EduLoop {message.get('environment', '')}] {message.get('severity', '')} "
            f"{message.get('rule', '')}: {message.get('subject', '')}")[:200]


def alert_message(alert: dict, settings: Settings) -> dict[str, Any]:
    """The JSON body of one alert's notification (its ml.alerts fields plus where it came from)."""
    return {"source": "eduloop", "environment": settings.environment, "region": settings.region,
            **{name: alert.get(name) for name in ALERT_FIELDS if name in alert}}


def notify_alerts(alerts: list[dict], settings: Settings, *, wait_s: float | None = None) -> list[Delivery]:
    """Notify each alert on every channel; wait at most `wait_s` (default: the whole retry schedule)."""
    notifier = Notifier(settings)
    if not alerts or not notifier.channels():
        return []
    for alert in alerts:
        notifier.notify(alert_message(alert, settings))
    if wait_s is None:
        wait_s = (settings.notify_backoff_s * (2 ** max(0, settings.notify_retries) - 1)
                  + (1 + settings.notify_retries) * settings.notify_timeout_s)
    if not notifier.drain(wait_s):
        log.error("notifications still pending after %.0fs; giving up on them", wait_s)
    return notifier.deliveries


def notify_detached(alerts: list[dict], settings: Settings) -> bool:
    """Hand the alerts to a detached `python -m pipelines notify` process and return at once.

    For callers that someone waits on (the admin 'run monitor' request): the child does the retries
    and logs to `<data dir>/notify.log`, so neither this process nor the request waits for a target.
    """
    if not alerts or not Notifier(settings).channels():
        return False
    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix="notify-", suffix=".json", dir=folder)
    with os.fdopen(handle, "w", encoding="utf-8") as fh:
        json.dump(alerts, fh, default=str)
    with open(folder / "notify.log", "ab") as log_file:
        subprocess.Popen([sys.executable, "-m", "pipelines", "notify", "--messages", path],
                         stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, start_new_session=True,
                         cwd=Path(__file__).resolve().parents[1])
    return True


def deliver_file(path: str | Path, settings: Settings) -> list[Delivery]:
    """Deliver the alerts saved by `notify_detached` (waiting for every retry), then remove the file."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    alerts = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        return notify_alerts(alerts, settings)
    finally:
        Path(path).unlink(missing_ok=True)
