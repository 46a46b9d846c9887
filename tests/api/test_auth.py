"""Access: with EDULOOP_ADMIN_PASSWORD the Operations tab, its callbacks and the admin API refuse requests
without valid credentials; without a password the app is open and says so (Flask test client)."""
from __future__ import annotations

import json
import logging

import dash
import plotly.utils
import pytest

from tests.helpers.ops import basic_auth, build_data_only, point_app_at
from warehouse.publish import write_transaction

PASSWORD = "correct horse battery staple"
ADMIN = basic_auth("admin", PASSWORD)


@pytest.fixture(scope="module")
def ops_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ops-auth")
    db, _ = build_data_only(folder)
    with write_transaction(db) as con:
        for alert_id, subject in (("alert-1", "reading_score"), ("alert-2", "lunch")):
            con.execute("INSERT INTO ml.alerts (alert_id, raised_at, rule, severity, subject, value, threshold, "
                        "message_key, params, incident) VALUES (?, TIMESTAMP '2026-11-01 09:00', 'feature_drift', "
                        "'warning', ?, 0.4, 0.25, 'alerts.feature_drift', ?, '2026-11-01')",
                        [alert_id, subject, json.dumps({"feature": subject, "psi": 0.4})])
    return folder


@pytest.fixture
def client(ops_folder, monkeypatch):
    from dashboard.app import app

    point_app_at(monkeypatch, ops_folder)
    monkeypatch.delenv("EDULOOP_ADMIN_PASSWORD", raising=False)
    return app.server.test_client()


@pytest.fixture
def locked(client, monkeypatch):
    monkeypatch.setenv("EDULOOP_ADMIN_PASSWORD", PASSWORD)
    return client


def callback_body(lang: str = "en") -> dict:
    """The Dash request the browser sends to refresh the Operations errors panel."""
    return {"output": "operations-errors.children", "outputs": {"id": "operations-errors", "property": "children"},
            "inputs": [{"id": "operations-interval", "property": "n_intervals", "value": 1}],
            "changedPropIds": ["operations-interval.n_intervals"],
            "state": [{"id": "operations-lang", "property": "data", "value": lang},
                      {"id": "operations-big", "property": "data", "value": None}]}


def rendered_layout(headers: dict | None = None) -> str:
    """The Operations layout as the page-container callback would render it, as JSON text."""
    from dashboard.app import app

    page = next(p for p in dash.page_registry.values() if p["path"] == "/operations")
    with app.server.test_request_context("/_dash-update-component", method="POST", headers=headers or {}):
        return json.dumps(page["layout"](lang="en"), cls=plotly.utils.PlotlyJSONEncoder)


def test_open_demo_mode_without_password(client):
    assert client.get("/operations").status_code == 200
    assert client.get("/api/v1/ops/summary?section=ab").status_code == 200
    assert client.post("/_dash-update-component", json=callback_body()).status_code == 200
    html = rendered_layout()
    assert "operations-demo-mode" in html and "Open demo mode" in html and "operations-alerts" in html


def test_page_and_callbacks_refuse_without_credentials(locked):
    for path in ("/operations", "/operations/", "/OPERATIONS"):
        resp = locked.get(path)
        assert resp.status_code == 401, path
        assert resp.headers["WWW-Authenticate"].startswith("Basic") and 'realm="EduLoop admin"' in \
            resp.headers["WWW-Authenticate"]
    assert locked.get("/operations", headers=basic_auth("admin", "wrong")).status_code == 401
    assert locked.get("/operations", headers=basic_auth("root", PASSWORD)).status_code == 401
    assert locked.get("/operations", headers=ADMIN).status_code == 200
    assert locked.get("/predict").status_code == 200               # the other tabs stay open

    assert locked.post("/_dash-update-component", json=callback_body()).status_code == 204
    ok = locked.post("/_dash-update-component", json=callback_body(), headers=ADMIN)
    assert ok.status_code == 200 and "operations-kpi-errors" in ok.get_data(as_text=True)

    refused = rendered_layout()
    assert "operations-login-required" in refused and "operations-alerts" not in refused
    assert "operations-alerts" in rendered_layout(ADMIN) and "operations-demo-mode" not in rendered_layout(ADMIN)


@pytest.mark.slow
def test_admin_api_requires_login(locked):
    for method, path in (("post", "/api/v1/admin/alerts/alert-1/ack"), ("post", "/api/v1/admin/monitor"),
                         ("get", "/api/v1/ops/summary?section=alerts")):
        resp = getattr(locked, method)(path)
        assert resp.status_code == 401, path
        assert resp.get_json()["error"]["code"] == "unauthorized"
        bad = getattr(locked, method)(path, headers=basic_auth("admin", PASSWORD + "x"))
        assert bad.status_code == 401, path

    assert locked.post("/api/v1/admin/alerts/no-such-alert/ack", headers=ADMIN).status_code == 404
    malformed = locked.post("/api/v1/admin/alerts/bad%20id!/ack", headers=ADMIN)
    assert malformed.status_code == 422 and malformed.get_json()["error"]["field"] == "alert_id"

    acked = locked.post("/api/v1/admin/alerts/alert-1/ack", headers=ADMIN)
    assert acked.status_code == 200 and acked.get_json()["already"] is False
    assert locked.post("/api/v1/admin/alerts/alert-1/ack", headers=ADMIN).get_json()["already"] is True
    open_ids = [a["alert_id"] for a in locked.get("/api/v1/ops/summary?section=alerts", headers=ADMIN)
                .get_json()["open"]]
    assert open_ids == ["alert-2"]                 # the ack event counts at once, before any ingest

    run = locked.post("/api/v1/admin/monitor", headers=ADMIN)
    assert run.status_code == 200, run.get_data(as_text=True)
    assert run.get_json()["run_id"].startswith("mon-") and run.get_json()["acks_applied"] == 1


def test_only_admins_may_post_admin_events(locked):
    ack = {"events": [{"event": "admin_action", "payload": {"action": "ack_alert", "alert_id": "not-an-alert"}}]}
    assert locked.post("/api/v1/events", json=ack).status_code == 401
    assert locked.post("/api/v1/events", json={"events": [{"event": "click", "page": "predict"}]}).status_code == 202
    assert locked.post("/api/v1/events", json=ack, headers=ADMIN).status_code == 202


def test_password_never_logged_or_echoed(locked, caplog):
    caplog.set_level(logging.DEBUG)
    responses = [locked.get("/operations", headers=basic_auth("admin", "guess-" + PASSWORD)),
                 locked.get("/operations", headers=ADMIN),
                 locked.post("/api/v1/admin/alerts/nope/ack", headers=ADMIN)]
    assert PASSWORD not in caplog.text
    for resp in responses:
        assert PASSWORD not in resp.get_data(as_text=True) and PASSWORD not in str(resp.headers)
