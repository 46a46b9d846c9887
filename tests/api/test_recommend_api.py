"""GET /api/v1/recommendations/{student_id} (stored, or computed now) and POST /api/v1/recommendations (cold start):
known lists from the warehouse, reasons that are true of the data, 404/422 naming the field."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers.files import rows as query

NEW_STUDENT = "S9000003"
NEW_HISTORY = ["M0001", "M0002", "M0003", "M0004", "M0005", "M0006"]




def stored_list(db: Path, student_id: str) -> list[str]:
    return [m for m, in query(db, "SELECT material_id FROM ml.recommendations WHERE student_id = ? ORDER BY rank",
                              [student_id])]


@pytest.fixture(scope="module")
def folder(built_warehouse, tmp_path_factory) -> dict:
    """A private copy: S0000002's stored rows removed, a student added after the build (no stored rows)."""
    folder = tmp_path_factory.mktemp("recommend-api")
    db = folder / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, db)
    before = stored_list(db, "S0000002")
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM ml.recommendations WHERE student_id = 'S0000002'")
    con.execute(f"""INSERT INTO core.students SELECT '{NEW_STUDENT}', gender, race_ethnicity, parental_education, lunch,
                    test_prep, math_score, reading_score, writing_score, school_id, class_id, exam_date, source,
                    load_id, line_no FROM core.students WHERE student_id = 'S0000001'""")
    for day, material in enumerate(NEW_HISTORY, start=1):
        con.execute("INSERT INTO core.interaction_rows (student_id, material_id, rating, completed, ts) "
                    "VALUES (?, ?, 4, true, ?)",
                    [NEW_STUDENT, material, f"2026-10-0{day}"])
    con.close()
    return {"db": db, "events": folder / "events", "removed": before, "path": folder}


@pytest.fixture(scope="module")
def client(folder):
    from dashboard.app import app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDULOOP_DB", str(folder["db"]))
        patch.setenv("EDULOOP_EVENTS_DIR", str(folder["events"]))
        yield app.server.test_client()


def production_version(db: Path) -> str:
    return query(db, "SELECT version FROM ml.model_registry WHERE task = 'recsys' AND status = 'production'")[0][0]


def had(db: Path, student_ids, material: str) -> set[str]:
    return {s for s, in query(db, "SELECT student_id FROM core.interactions WHERE material_id = ? "
                                  "AND list_contains(?, student_id)", [material, list(student_ids)])}


def test_stored_list(client, folder):
    response = client.get("/api/v1/recommendations/S0000001?n=5")
    assert response.status_code == 200
    body = response.get_json()
    assert body["source"] == "stored" and body["student_id"] == "S0000001" and body["n"] == 5
    assert body["model_version"] == production_version(folder["db"])
    assert [i["material_id"] for i in body["items"]] == stored_list(folder["db"], "S0000001")[:5]
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4, 5]
    title, = query(folder["db"], "SELECT title FROM core.materials WHERE material_id = ?",
                   [body["items"][0]["material_id"]])[0]
    assert body["items"][0]["title"] == title


def test_student_without_stored_rows_is_computed_with_true_reasons(client, folder):
    body = client.get("/api/v1/recommendations/S0000002").get_json()
    assert body["source"] == "computed" and body["method"] == "user_knn"
    assert [i["material_id"] for i in body["items"]] == folder["removed"]     # what the batch had stored
    for item in body["items"]:
        assert item["reason"] == "similar_students" and item["because_of"]
        assert had(folder["db"], item["because_of"], item["material_id"]) == set(item["because_of"])


def test_student_added_after_the_build_is_ranked_from_their_history(client, folder):
    body = client.get(f"/api/v1/recommendations/{NEW_STUDENT}?n=8").get_json()
    assert body["source"] == "computed" and body["method"] == "user_knn" and len(body["items"]) == 8
    assert not set(NEW_HISTORY) & {i["material_id"] for i in body["items"]}
    for item in body["items"]:
        assert had(folder["db"], item["because_of"], item["material_id"]) == set(item["because_of"])


def test_longer_list_than_stored_is_computed(client, folder):
    body = client.get("/api/v1/recommendations/S0000001?n=30").get_json()
    assert body["source"] == "computed" and len(body["items"]) == 30
    assert [i["material_id"] for i in body["items"]][:10] == stored_list(folder["db"], "S0000001")
    seen = {m for m, in query(folder["db"], "SELECT material_id FROM core.interactions WHERE student_id = 'S0000001'")}
    assert not seen & {i["material_id"] for i in body["items"]}


def test_cold_start_history(client, folder):
    body = client.post("/api/v1/recommendations", json={"history": [{"material_id": "M0001", "rating": 5}],
                                                        "n": 7}).get_json()
    assert body["method"] == "hybrid" and body["source"] == "computed" and len(body["items"]) == 7
    assert "M0001" not in {i["material_id"] for i in body["items"]}
    # No history at all: the most used materials (ties by id), as the popularity component ranks them.
    body = client.post("/api/v1/recommendations", json={"history": []}).get_json()
    top = [m for m, in query(folder["db"], """SELECT material_id FROM core.interactions WHERE student_id <> ?
                                           GROUP BY 1 ORDER BY count(DISTINCT student_id) DESC, material_id LIMIT 10""",
                             [NEW_STUDENT])]
    assert [i["material_id"] for i in body["items"]] == top
    assert {i["reason"] for i in body["items"]} == {"popular"}


def test_each_answer_is_logged_as_a_recommendation_event(client, folder):
    client.get("/api/v1/recommendations/S0000003?n=4")
    import json

    events = [json.loads(line) for path in folder["events"].glob("*/*.jsonl") for line in path.read_text().splitlines()]
    logged = [e for e in events if e["event"] == "recommendation" and e.get("student_id") == "S0000003"]
    assert logged and logged[-1]["page"] == "api" and len(logged[-1]["payload"]["items"]) == 4


@pytest.mark.parametrize("url, field", [
    ("/api/v1/recommendations/S0000001?n=0", "n"), ("/api/v1/recommendations/S0000001?n=101", "n"),
    ("/api/v1/recommendations/S0000001?n=abc", "n"), ("/api/v1/recommendations/S0000001?n=2.5", "n"),
])
def test_n_outside_range_is_422(client, url, field):
    response = client.get(url)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_unknown_student_is_404(client):
    response = client.get("/api/v1/recommendations/S7777777")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"code": "unknown_student", "field": "student_id",
                                            "message": "no student with student_id 'S7777777'"}


@pytest.mark.parametrize("body, field", [
    ({"history": [{"material_id": "M0001"}, {"material_id": "NOPE"}]}, "history[1].material_id"),
    ({"history": [{"material_id": 7}]}, "history[0].material_id"),
    ({"history": [{"rating": 4}]}, "history[0].material_id"),
    ({"history": [{"material_id": "M0001", "rating": 7}]}, "history[0].rating"),
    ({"history": [{"material_id": "M0001", "liked": True}]}, "history[0].liked"),
    ({"history": ["M0001"]}, "history[0]"),
    ({"history": "M0001"}, "history"),
    ({"n": 5}, "history"),
    ({"history": [], "n": 0}, "n"),
    ({"history": [], "n": True}, "n"),
    ({"history": [], "k": 0}, "k"),
    ({"history": [], "student": "S1"}, "student"),
])
def test_bad_history_is_422_naming_the_field(client, body, field):
    response = client.post("/api/v1/recommendations", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/recommendations", data="{no", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"


def test_routes_are_documented_with_schemas(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    get = paths["/recommendations/{student_id}"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"student_id", "n"}
    assert set(get["responses"]) >= {"200", "404", "422"}
    items = get["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["items"]
    assert {"material_id", "rank", "score", "method", "reason", "because_of"} <= set(items["items"]["properties"])
    post = paths["/recommendations"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]
    assert request["required"] == ["history"] and request["properties"]["n"]["maximum"] == 100


def test_without_a_recommender_the_answer_is_503(client, tmp_path_factory):
    from tests.helpers.ops import build_data_only

    db, events = build_data_only(tmp_path_factory.mktemp("no-recsys"), scale=50)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDULOOP_DB", str(db))
        patch.setenv("EDULOOP_EVENTS_DIR", str(events))
        for response in (client.get("/api/v1/recommendations/S0000001"),
                         client.post("/api/v1/recommendations", json={"history": []})):
            assert response.status_code == 503 and response.get_json()["error"]["code"] == "no_recommender"
