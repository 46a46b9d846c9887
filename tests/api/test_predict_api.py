"""Prediction API: known answers, a corpus of malformed requests (4xx JSON, never 5xx), and schemathesis."""
from __future__ import annotations

import json
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from analytics.models.schema import FEATURES
from tests.helpers import SAMPLE_STUDENT as STUDENT
from tests.helpers import live_query as _rows


def test_predict_matches_batch_scoring_and_logs_inputs(client):
    students = _rows("""SELECT s.student_id, s.gender, s.race_ethnicity, s.parental_education, s.lunch, s.test_prep,
                               s.reading_score, s.writing_score, r.predicted_math, r.risk_probability, r.risk_level,
                               r.model_version
                        FROM core.students s JOIN ml.risk_scores r USING (student_id) ORDER BY s.student_id LIMIT 25""")
    batch = client.post("/api/v1/predict/batch", json={"students": [
        {"student_id": row[0], **dict(zip(FEATURES, row[1:8]))} for row in students]}).get_json()
    for row, from_batch in zip(students, batch["predictions"]):
        body = client.post("/api/v1/predict", json={"student_id": row[0], **dict(zip(FEATURES, row[1:8]))}).get_json()
        # API == batch scoring (ml.risk_scores) == API batch, for the same student.
        assert body["predicted_math"] == pytest.approx(row[8], abs=1e-9)
        assert body["risk_probability"] == pytest.approx(row[9], abs=1e-12)
        assert body["risk_level"] == row[10] == from_batch["risk_level"]
        assert from_batch["predicted_math"] == pytest.approx(row[8], abs=1e-9)
        assert body["model_version"] == row[11] == batch["model_version"]
    logged = _rows("SELECT json_extract(payload, '$.inputs') FROM live_events WHERE event = 'prediction' "
                   "AND page = 'api' AND student_id = ?", [students[0][0]], live=True)
    assert {k: json.loads(logged[0][0])[k] for k in ("gender", "reading_score")} == {
        "gender": students[0][1], "reading_score": float(students[0][6])}


def test_explanation_adds_up_and_algorithms_differ(client):
    linear = client.post("/api/v1/predict", json={**STUDENT, "explain": True, "algorithm": "linear"}).get_json()
    boosted = client.post("/api/v1/predict", json={**STUDENT, "explain": True, "algorithm": "lightgbm"}).get_json()
    for body in (linear, boosted):
        assert [c["feature"] for c in body["contributions"]] == list(FEATURES)
        total = body["base_value"] + sum(c["shap"] for c in body["contributions"])
        assert total == pytest.approx(body["predicted_math"], abs=1e-4)    # SHAP additivity (LightGBM: float32)
    assert linear["algorithm"] == "linear" and boosted["algorithm"] == "lightgbm"
    assert linear["predicted_math"] != boosted["predicted_math"]
    # Higher reading and writing scores raise the predicted math score (the planted demo relation).
    better = client.post("/api/v1/predict", json={**STUDENT, "reading_score": 95, "writing_score": 95}).get_json()
    plain = client.post("/api/v1/predict", json=STUDENT).get_json()
    assert better["predicted_math"] > plain["predicted_math"] + 5
    assert better["risk_probability"] <= plain["risk_probability"]


MALFORMED = [
    # (description, body or raw text, status, error code, field)
    ("missing field", {k: v for k, v in STUDENT.items() if k != "lunch"}, 422, "missing", "lunch"),
    ("unknown category", {**STUDENT, "gender": "x"}, 422, "invalid_category", "gender"),
    ("category in other case", {**STUDENT, "lunch": "Standard"}, 422, "invalid_category", "lunch"),
    ("category wrong type", {**STUDENT, "test_prep": 1}, 422, "invalid_type", "test_prep"),
    ("score as string", {**STUDENT, "reading_score": "72"}, 422, "invalid_type", "reading_score"),
    ("score as bool", {**STUDENT, "writing_score": True}, 422, "invalid_type", "writing_score"),
    ("score above 100", {**STUDENT, "reading_score": 100.5}, 422, "out_of_range", "reading_score"),
    ("score below 0", {**STUDENT, "writing_score": -1}, 422, "out_of_range", "writing_score"),
    ("score null", {**STUDENT, "writing_score": None}, 422, "missing", "writing_score"),
    ("unknown field", {**STUDENT, "math_score": 50}, 422, "unknown_field", "math_score"),
    ("bad explain", {**STUDENT, "explain": "yes"}, 422, "invalid_type", "explain"),
    ("bad algorithm", {**STUDENT, "algorithm": "svm"}, 422, "invalid_algorithm", "algorithm"),
    ("student id too long", {**STUDENT, "student_id": "S" * 65}, 422, "invalid_type", "student_id"),
    ("array body", [STUDENT], 400, "wrong_body_type", None),
    ("empty body", "", 400, "empty_body", None),
    ("malformed JSON", "{\"gender\": ", 400, "malformed_json", None),
    ("NaN score", '{"gender": "female", "race_ethnicity": "group A", "parental_education": "high school", '
                  '"lunch": "standard", "test_prep": "none", "reading_score": NaN, "writing_score": 50}',
     422, "not_finite", "reading_score"),
    ("huge number", '{"gender": "female", "race_ethnicity": "group A", "parental_education": "high school", '
                    '"lunch": "standard", "test_prep": "none", "reading_score": 1e999, "writing_score": 50}',
     422, "not_finite", "reading_score"),
]


@pytest.mark.parametrize("case", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_predict_requests_get_named_4xx_json(client, case):
    _, body, status, code, field = case
    if isinstance(body, str):
        response = client.post("/api/v1/predict", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/predict", json=body)
    assert response.status_code == status and response.is_json
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    if code == "invalid_category":
        assert error["allowed"] == {"gender": ["female", "male"], "lunch": ["standard", "free/reduced"]}[field]


def test_batch_limits_and_names_the_bad_row(client, monkeypatch):
    bad = [STUDENT, STUDENT, {**STUDENT, "parental_education": "PhD"}]
    error = client.post("/api/v1/predict/batch", json={"students": bad}).get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_category", "students[2].parental_education")
    assert "master's degree" in error["allowed"]
    monkeypatch.setenv("EDULOOP_PREDICT_BATCH_LIMIT", "3")
    response = client.post("/api/v1/predict/batch", json={"students": [STUDENT] * 4})
    assert response.status_code == 422
    assert response.get_json()["error"] | {"message": ""} == {"code": "too_many_rows", "field": "students",
                                                              "limit": 3, "message": ""}
    ok = client.post("/api/v1/predict/batch", json={"students": [STUDENT] * 3})
    assert ok.status_code == 200 and ok.get_json()["count"] == 3
    for body, field in (({"students": []}, "students"), ({"students": "x"}, "students"),
                        ({"students": [STUDENT], "extra": 1}, "extra"), ({"students": [STUDENT, 5]}, "students[1]")):
        response = client.post("/api/v1/predict/batch", json=body)
        assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_registry_routes(client):
    production = client.get("/api/v1/models/production").get_json()
    assert production["regression"]["status"] == production["risk"]["status"] == "production"
    assert production["regression"]["run_id"] == production["risk"]["run_id"]
    models = client.get("/api/v1/models").get_json()["models"]
    assert {m["version"] for m in models} >= {production["regression"]["version"], production["risk"]["version"]}
    reg = next(m for m in models if m["version"] == production["regression"]["version"])
    assert reg["test_metrics"]["test_r2"] > 0.5 and len(reg["artifact_sha256"]) == 64
    assert client.post("/api/v1/admin/models/no-such-version/promote").status_code == 404
    assert client.post("/api/v1/admin/models/..%2Fetc/promote").status_code in (404, 422)


def test_without_models_or_warehouse_the_api_answers_503_json(client, tmp_path, monkeypatch):
    from warehouse.publish import write_transaction

    empty = tmp_path / "empty.duckdb"
    with write_transaction(empty):
        pass
    monkeypatch.setenv("EDULOOP_DB", str(empty))
    response = client.post("/api/v1/predict", json=STUDENT)
    assert (response.status_code, response.get_json()["error"]["code"]) == (503, "no_production_model")
    assert client.get("/api/v1/models/production").status_code == 404
    assert client.get("/api/v1/models").get_json() == {"models": []}
    monkeypatch.setenv("EDULOOP_DB", str(tmp_path / "missing.duckdb"))
    response = client.post("/api/v1/predict/batch", json={"students": [STUDENT]})
    assert (response.status_code, response.get_json()["error"]["code"]) == (503, "warehouse_missing")


# ---- schemathesis: generated requests against the documented schema, on a private warehouse copy ----
@pytest.fixture(scope="module")
def private_warehouse(built_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict-api")
    shutil.copyfile(built_warehouse, folder / "warehouse.duckdb")
    return folder / "warehouse.duckdb"


def _schema():
    from dashboard.app import server

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", server).include(
        path_regex=r"^/(predict|models|admin/models)")


schema = _schema()   # loaded at collection: only the OpenAPI document, no warehouse needed


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_get_a_server_error(case, private_warehouse, monkeypatch):
    monkeypatch.setenv("EDULOOP_DB", str(private_warehouse))   # rollback/promote must not touch the shared one
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    # Documented status, JSON content type, response schema, 4xx for bad data, and 405 with an exact
    # Allow header for undeclared methods (the /api/<path> catch-all answers those).
    case.validate_response(response)


def test_a_known_path_with_the_wrong_method_is_a_json_405_with_allow(client):
    response = client.get("/api/v1/predict")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert client.delete("/api/v1/nowhere").status_code == 404
    assert client.options("/api/v1/predict").headers["Allow"] == "POST, OPTIONS"
