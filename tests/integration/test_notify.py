"""Alert notifications reach a local HTTP receiver and a local SMTP server; failures retry with back-off
and are logged; notify() never waits for the target; a failed retrain notifies."""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from aiosmtpd.controller import Controller

from pipelines.model_lifecycle import retrain
from pipelines.notify import Notifier, alert_message, notify_alerts
from tests.helpers import free_port
from tests.helpers.training import FAST
from tests.helpers.training import set_math as _set_math
from tests.helpers.training import settings_for as _settings
from warehouse.settings import get_settings

ALERT = {"alert_id": "a-1", "rule": "error_rate", "severity": "critical", "subject": "2026-11-01T10",
         "value": 42.0, "threshold": 10.0}


class Receiver:
    """A local HTTP server that records JSON bodies; `gate` (if set) holds each answer until released."""

    def __init__(self, status: int = 200, gate: threading.Event | None = None):
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if gate is not None:
                    gate.wait(10)
                outer.bodies.append(body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


def _settings_for(**changes):
    base = dict(notify_webhook_url=None, smtp_host=None, smtp_to=(), notify_backoff_s=0.01, notify_retries=2,
                notify_timeout_s=2.0)
    return dataclasses.replace(get_settings(), **{**base, **changes})


def test_alerts_reach_the_webhook_and_the_smtp_server(smtp):
    controller, mailbox = smtp
    receiver = Receiver()
    try:
        cfg = _settings_for(notify_webhook_url=receiver.url, smtp_host="127.0.0.1", smtp_port=controller.port,
                            smtp_to=("ops@example.org", "lead@example.org"))
        deliveries = notify_alerts([ALERT], cfg, wait_s=20)
    finally:
        receiver.close()
    assert sorted((d.channel, d.ok, d.attempts) for d in deliveries) == [("email", True, 1), ("webhook", True, 1)]
    assert receiver.bodies == [json.loads(json.dumps(alert_message(ALERT, cfg)))]
    assert receiver.bodies[0]["rule"] == "error_rate" and receiver.bodies[0]["value"] == 42.0
    (recipients, mail), = mailbox.messages
    assert recipients == ["ops@example.org", "lead@example.org"]
    assert "critical error_rate: 2026-11-01T10" in mail["Subject"]
    assert json.loads(mail.get_payload())["alert_id"] == "a-1"


def test_an_unreachable_target_is_retried_with_backoff_and_logged(caplog):
    waits = []
    cfg = _settings_for(notify_webhook_url=f"http://127.0.0.1:{free_port()}/nobody", notify_retries=3,
                        notify_backoff_s=0.5)
    notifier = Notifier(cfg, sleep=waits.append)   # record the back-off instead of sleeping it
    with caplog.at_level(logging.WARNING, logger="eduloop.notify"):
        notifier.notify(alert_message(ALERT, cfg))
        assert notifier.drain(30)
    (delivery,) = notifier.deliveries
    assert (delivery.ok, delivery.attempts) == (False, 4)
    assert waits == [0.5, 1.0, 2.0]
    assert all("ConnectionRefused" in e or "URLError" in e for e in delivery.errors)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("retrying in" in m for m in messages) == 3
    assert any("failed after 4 attempts" in m for m in messages)


def test_a_500_answer_is_retried_until_the_last_attempt():
    receiver = Receiver(status=500)
    try:
        notifier = Notifier(_settings_for(notify_webhook_url=receiver.url, notify_retries=1))
        notifier.notify(alert_message(ALERT, notifier.settings))
        assert notifier.drain(20)
    finally:
        receiver.close()
    assert len(receiver.bodies) == 2 and not notifier.deliveries[0].ok


def test_notify_returns_before_a_slow_target_answers():
    gate = threading.Event()
    receiver = Receiver(gate=gate)
    try:
        notifier = Notifier(_settings_for(notify_webhook_url=receiver.url))
        assert notifier.notify(alert_message(ALERT, notifier.settings)) == 1
        # the caller is back while the target still holds the request: nothing delivered yet
        assert receiver.bodies == [] and not notifier.deliveries[0].ok
        assert not notifier.drain(0.05)
        gate.set()
        assert notifier.drain(20)
    finally:
        gate.set()
        receiver.close()
    assert notifier.deliveries[0].ok and len(receiver.bodies) == 1


@pytest.mark.slow
def test_a_failed_retrain_notifies(copy, monkeypatch):
    receiver = Receiver()
    monkeypatch.setenv("EDULOOP_NOTIFY_WEBHOOK_URL", receiver.url)
    try:
        _set_math(copy, np.full(1000, 60))                # constant target: training refuses
        outcome = retrain(copy, _settings(copy), **FAST)
    finally:
        receiver.close()
    assert outcome["train"]["status"] == "failed"
    rules = [(b["rule"], b["subject"]) for b in receiver.bodies]
    assert ("retrain_failed", outcome["train"]["run_id"]) in rules


def test_detached_delivery_returns_at_once_and_the_child_delivers(tmp_path, monkeypatch):
    from pipelines.notify import notify_detached

    gate = threading.Event()
    receiver = Receiver(gate=gate)
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EDULOOP_NOTIFY_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("EDULOOP_NOTIFY_BACKOFF_S", "0.05")
    try:
        assert notify_detached([ALERT], get_settings())
        assert receiver.bodies == []          # back before the (held) target answered
        gate.set()
        for _ in range(300):                  # bounded wait for the child process
            if receiver.bodies and not list(tmp_path.glob("notify-*.json")):
                break
            threading.Event().wait(0.1)
    finally:
        gate.set()
        receiver.close()
    assert [b["alert_id"] for b in receiver.bodies] == ["a-1"]
    assert not list(tmp_path.glob("notify-*.json"))       # the child removed its message file
    assert "sent by webhook" in (tmp_path / "notify.log").read_text()
