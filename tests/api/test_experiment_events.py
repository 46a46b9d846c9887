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


def test_experiments_list_assignment_and_results(client):
    from analytics.experiments import assign_variant

    listed = client.get("/api/v1/experiments").get_json()["experiments"]
    assert {"key": "advice-v1", "kind": "ab", "status": "running", "variants": ["A", "B"],
            "allocation": [0.5, 0.5], "primary_action": "follow"} in listed
    for session in ("x1", "x2", "x3"):
        body = client.get(f"/api/v1/experiments/advice-v1/assignment?session_id={session}").get_json()
        assert body["variant"] == assign_variant(session, "advice-v1", ("A", "B"), (0.5, 0.5))
    assert client.get("/api/v1/experiments/nope/assignment?session_id=s").status_code == 404
    assert client.get("/api/v1/experiments/advice-v1/assignment").get_json()["error"]["field"] == "session_id"
    results = client.get("/api/v1/experiments/advice-v1/results?mde=10").get_json()
    assert [v["variant"] for v in results["variants"]] == ["A", "B"]
    treatment = results["variants"][1]
    assert treatment["ctr_p_value_text"] != "0.000" and treatment["ctr_prob_best_text"] != "100.0 %"
    assert treatment["ctr_seq_lift_low"] < treatment["ctr_lift_low"]
    assert results["srm"]["mismatch"] is False and results["looks"]
    actions = {(a["variant"], a["action"]) for a in results["actions"]}
    assert {("A", "follow"), ("B", "follow"), ("A", "another")} <= actions   # secondary actions beside it
    follow_b = next(a for a in results["actions"] if (a["variant"], a["action"]) == ("B", "follow"))
    assert follow_b["sessions_clicking"] == round(treatment["conversion"] * treatment["sessions"])
    assert client.get("/api/v1/experiments/advice-v1/results?mde=x").status_code == 422
