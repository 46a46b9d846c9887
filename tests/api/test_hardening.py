"""Issue 11 defects on the Flask test client: each test failed on the code before the fix."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from tests.helpers.ops import basic_auth, point_app_at

PASSWORD = "correct horse battery staple"
ADMIN = basic_auth("admin", PASSWORD)
ACK = {"event": "admin_action", "page": "operations", "payload": {"action": "ack_alert", "alert_id": "a1"}}


@pytest.fixture
def folder(private_folder):
    """A private copy of the shared warehouse, with its own (empty) event folder."""
    return private_folder


@pytest.fixture
def client(private_client):
    return private_client


@pytest.fixture
def locked(client, monkeypatch):
    from dashboard.api.guards import limiter

    monkeypatch.setenv("EDULOOP_ADMIN_PASSWORD", PASSWORD)
    limiter.reset()
    yield client
    limiter.reset()


def _stored_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((folder / "events").glob("*/*.jsonl"))
            for line in path.read_text().splitlines()]


def _error(response) -> dict:
    assert response.is_json, response.data[:200]
    return response.get_json()["error"]


# ---- 1 auth bypass ------------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["text/plain", "", None, "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_admin_event_with_non_json_type_is_refused_and_not_stored(locked, folder, content_type):
    before = len(_stored_lines(folder))
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = locked.post("/api/v1/events", data=json.dumps({"events": [ACK]}), headers=headers)
    assert response.status_code == 415
    assert _error(response)["field"] == "Content-Type"
    assert len(_stored_lines(folder)) == before


def test_admin_event_needs_login_same_origin_and_is_rate_limited(locked, folder):
    body = {"events": [ACK]}
    assert locked.post("/api/v1/events", json=body).status_code == 401
    foreign = {**ADMIN, "Origin": "https://evil.example"}
    assert locked.post("/api/v1/events", json=body, headers=foreign).status_code == 403
    assert locked.post("/api/v1/events", json=body, headers=ADMIN).status_code == 202
    wrong = basic_auth("admin", "guess")
    codes = [locked.post("/api/v1/admin/monitor", headers=wrong).status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    # The limit is per client and counts failures: even the right password waits out the window.
    assert locked.post("/api/v1/admin/alerts/x/ack", headers=ADMIN).status_code == 429


def test_cross_site_admin_post_is_refused_even_in_demo_mode(client):
    response = client.post("/api/v1/admin/alerts/alert-1/ack", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403 and _error(response)["field"] == "Origin"


# ---- 4 events that poison the figures -------------------------------------------------------------
@pytest.mark.parametrize("event, field", [
    ({"event": "page_view", "page": "predict", "ts": "9999-12-31T00:00:00Z"}, "events[0].ts"),
    ({"event": "page_view", "page": "predict", "ts": "9999-12-31T23:59:59-14:00"}, "events[0].ts"),
    ({"event": "page_view", "page": "predict", "ts": "0001-01-01T00:00:00+14:00"}, "events[0].ts"),
    ({"event": "page_view", "page": "predict", "ts": "2020-01-01T00:00:00Z"}, "events[0].ts"),
    ({"event": "page_view", "page": "nowhere"}, "events[0].page"),
    ({"event": "click", "page": "predict", "payload": {"x": float("nan")}}, "events[0].payload"),
    ({"event": "admin_action", "page": "operations", "payload": {"action": "model_forge"}},
     "events[0].payload.action"),
])
def test_poisoning_events_get_422_naming_the_field(client, folder, event, field):
    before = len(_stored_lines(folder))
    response = client.post("/api/v1/events", data=json.dumps({"events": [event]}),
                           content_type="application/json")
    assert response.status_code == 422
    assert _error(response)["field"] == field
    assert len(_stored_lines(folder)) == before


def test_recent_event_is_accepted_and_stored_as_valid_json(client, folder):
    ts = (datetime.now(timezone.utc) - timedelta(days=34)).isoformat()
    response = client.post("/api/v1/events", json={"events": [{"event": "page_view", "page": "ebpm", "ts": ts}]})
    assert response.status_code == 202
    assert response.get_json()["event_ids"][0] in {e["event_id"] for e in _stored_lines(folder)}


# ---- 5 500s on bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", ["²", "--5", "9" * 400])
def test_recommendation_n_oddities_are_422(client, n):
    response = client.get("/api/v1/recommendations/S0001", query_string={"n": n})
    assert response.status_code == 422 and _error(response)["field"] == "n"
    response = client.post("/api/v1/recommendations", json={"history": [], "n": n})
    assert response.status_code == 422 and _error(response)["field"] == "n"


def test_huge_integer_scores_are_4xx_naming_the_field(client):
    student = {"gender": "female", "race_ethnicity": "group A", "parental_education": "high school",
               "lunch": "standard", "test_prep": "none", "reading_score": int("9" * 400), "writing_score": 70}
    response = client.post("/api/v1/predict", json=student)
    assert response.status_code == 422 and _error(response)["field"] == "reading_score"
    response = client.post("/api/v1/predict/batch", json={"students": [student]})
    assert response.status_code == 422 and "reading_score" in _error(response)["field"]


@pytest.mark.parametrize("rows, field", [
    ([{"t": i % 2, "y": 1, "x": i} for i in range(40)], None),
    ([{"t": i % 2, "y": {"a": 1}, "x": i} for i in range(40)], "rows[0].y"),
    ([{"t": i % 2, "y": [1, 2], "x": i} for i in range(40)], "rows[0].y"),
])
def test_effects_bad_cells_are_422(client, rows, field):
    response = client.post("/api/v1/effects", json={"rows": rows, "treatment": "t", "outcome": "y",
                                                     "covariates": ["x"]})
    assert response.status_code == 422, response.data[:300]
    if field:
        assert _error(response)["field"] == field


@pytest.mark.parametrize("body, content_type", [
    (b"garbage", "application/json"), (b'{"output": 1}', "application/json"),
    (b'{"output": "nope.children", "inputs": [], "outputs": {"id": "nope", "property": "children"}}',
     "application/json"),
    (b'{"output": "x"}', "text/plain"), (b"[]", "application/json"),
])
def test_malformed_dash_callback_is_json_4xx(client, body, content_type):
    response = client.post("/_dash-update-component", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.is_json and "error" in response.get_json()


# ---- 7 + 9 corrupt warehouse, no server paths -------------------------------------------------------
def test_health_and_models_show_names_not_paths(client, folder):
    for path in ("/api/v1/health", "/api/v1/models", "/api/v1/models/production"):
        response = client.get(path)
        assert response.status_code == 200
        assert str(folder) not in response.get_data(as_text=True) and "/tmp" not in response.get_data(as_text=True)
    assert client.get("/api/v1/health").get_json()["warehouse"] == "warehouse.duckdb"


@pytest.mark.parametrize("kind", ["empty", "garbage", "truncated"])
def test_unreadable_warehouse_answers_json_503_without_path(client, folder, tmp_path, monkeypatch, kind):
    data = (folder / "warehouse.duckdb").read_bytes()
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    con.close()
    # Fewer blocks than the file uses: some block the tables need is surely gone.
    half = data[: 3 * 4096 + block_size * (used // 2)]
    content = {"empty": b"", "garbage": b"not a duckdb file" * 100, "truncated": half}[kind]
    (tmp_path / "warehouse.duckdb").write_bytes(content)
    (tmp_path / "events").mkdir()
    point_app_at(monkeypatch, tmp_path)
    for path in ("/api/v1/health", "/api/v1/models", "/api/v1/models/production", "/api/v1/recommendations/S1",
                 "/api/v1/ops/summary?section=usage"):
        response = client.get(path)
        assert str(tmp_path) not in response.get_data(as_text=True)
        if kind == "truncated" and path != "/api/v1/health" and response.status_code < 500:
            continue   # half a file may still hold the blocks this answer needs; /health must not say ok
        assert response.status_code == 503, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "warehouse_unreadable"


# ---- 8 one request size limit ------------------------------------------------------------------------
def test_declared_oversize_body_is_413_on_every_route(client, monkeypatch):
    monkeypatch.setenv("EDULOOP_MAX_REQUEST_BYTES", "1000")
    for path in ("/api/v1/events", "/api/v1/effects", "/api/v1/predict", "/_dash-update-component", "/"):
        response = client.post(path, data=b"x" * 2000, content_type="application/json")
        assert response.status_code == 413 and _error(response)["code"] == "payload_too_large"


def test_operations_page_login_shares_the_failed_login_limit(locked):
    wrong = basic_auth("admin", "guess")
    codes = [locked.get("/operations", headers=wrong).status_code for _ in range(11)]
    assert codes == [401] * 11
    assert locked.get("/operations", headers=ADMIN).status_code == 401   # blocked for this window
    assert locked.post("/api/v1/admin/monitor", headers=ADMIN).status_code == 429


def test_health_sees_a_truncation_that_still_opens(client, folder, tmp_path, monkeypatch):
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    con.close()
    data = (folder / "warehouse.duckdb").read_bytes()
    (tmp_path / "warehouse.duckdb").write_bytes(data[: 3 * 4096 + block_size * (used - 1)])
    (tmp_path / "events").mkdir()
    point_app_at(monkeypatch, tmp_path)
    response = client.get("/api/v1/health")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "warehouse_unreadable"
