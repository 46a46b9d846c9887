"""POST /api/v1/events refuses events of undeclared experiments or variants (422 naming the field)."""
import pytest


@pytest.fixture(scope="module")
def client(built_warehouse):
    from dashboard.app import server

    return server.test_client()


def test_unknown_experiment_and_variant_are_422_naming_the_field(client):
    ok = {"event": "impression", "session_id": "t1", "page": "predict", "variant": "A"}
    bad_key = {"event": "click", "session_id": "t1", "experiment": "no-such-test", "variant": "A"}
    bad_variant = {"event": "impression", "session_id": "t1", "page": "predict", "variant": "Z"}
    response = client.post("/api/v1/events", json={"events": [ok, bad_key]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "events[1].experiment"
    response = client.post("/api/v1/events", json={"events": [bad_variant]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "events[0].variant" and "A" in error["message"]


def test_declared_experiment_events_are_accepted(client):
    events = [{"event": "impression", "session_id": "t2", "page": "predict", "variant": "B"},
              {"event": "click", "session_id": "t2", "page": "predict", "variant": "B", "experiment": "advice-v1",
               "payload": {"action": "follow"}}]
    response = client.post("/api/v1/events", json={"events": events})
    assert response.status_code == 202 and response.get_json()["accepted"] == 2
