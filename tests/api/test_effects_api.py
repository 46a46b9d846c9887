"""POST /api/v1/effects: the CLI's JSON for the warehouse students or given rows; 422 naming the field."""
from __future__ import annotations

import numpy as np
import pytest

from analytics.causal import METHODS, estimate_effects, simulate_confounded
from tests.helpers.files import scalar

ROW_KEYS = {"method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n",
            "se_type", "reliable", "reason"}


@pytest.fixture(scope="module")
def client(built_warehouse):
    from dashboard.app import app

    return app.server.test_client()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return simulate_confounded(400, seed=4).to_dict("records")


def estimate(body: dict, key=("aipw", "ATE")) -> dict:
    return next(r for r in body["rows"] if (r["method"], r["estimand"]) == key)


def test_default_request_analyses_the_warehouse_students(client, built_warehouse):
    response = client.post("/api/v1/effects", json={"checks": False})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"rows", "headline", "diagnostics", "warnings"}
    assert all(set(r) == ROW_KEYS for r in body["rows"]) and {r["method"] for r in body["rows"]} == set(METHODS)
    assert body["diagnostics"]["n"] == scalar(built_warehouse, "SELECT count(*) FROM core.students")
    assert body["diagnostics"]["planted_effect"] == 3.0


def test_filters_restrict_the_students_and_post_treatment_is_flagged(client, built_warehouse):
    response = client.post("/api/v1/effects", json={"filters": {"lunch": "standard"}, "checks": False,
                                                    "covariates": ["gender", "parental_education", "reading_score"]})
    body = response.get_json()
    assert response.status_code == 200
    assert body["diagnostics"]["n"] == scalar(built_warehouse, "SELECT count(*) FROM core.students "
                                                               "WHERE lunch = 'standard'")
    assert any("reading_score is measured after the treatment" in text for text in body["warnings"])


def test_rows_give_the_same_estimates_as_the_estimators(client, rows):
    response = client.post("/api/v1/effects", json={"rows": rows, "treatment": "treat", "outcome": "y",
                                                    "covariates": ["x1", "x2", "group"], "psm_k": 2,
                                                    "caliper": None, "trim": [0.02, 0.98]})
    assert response.status_code == 200
    body = response.get_json()
    expected = estimate_effects(simulate_confounded(400, seed=4), "treat", "y", ["x1", "x2", "group"], psm_k=2,
                                caliper=None, trim=(0.02, 0.98)).table
    got = {(r["method"], r["estimand"]): r["estimate"] for r in body["rows"]}
    assert np.allclose([got[(m, e)] for m, e in zip(expected["method"], expected["estimand"])],
                       expected["estimate"], rtol=0, atol=1e-9)
    assert [c["check"] for c in body["diagnostics"]["refutations"]] == ["placebo_treatment", "random_common_cause"]


def _with(rows, **changes):
    return [{**row, **{k: (v(i) if callable(v) else v) for k, v in changes.items()}} for i, row in enumerate(rows)]


def test_cluster_fixed_effects_bootstrap_and_estimand_options(client):
    from analytics.causal.simulate import simulate_clustered

    frame = simulate_clustered(1200, 40, seed=3)
    body = {"rows": frame.to_dict("records"), "treatment": "treat", "outcome": "y",
            "covariates": ["school_ses", "x1"], "cluster": "school_id", "estimand": "att", "checks": False}
    response = client.post("/api/v1/effects", json=body)
    assert response.status_code == 200, response.get_json()
    payload = response.get_json()
    expected = estimate_effects(frame, "treat", "y", ["school_ses", "x1"], cluster="school_id", estimand="ATT").table
    regression = expected[expected["method"] == "regression_adjustment"].iloc[0]
    got = next(r for r in payload["rows"] if r["method"] == "regression_adjustment")
    assert got["se"] == pytest.approx(regression.se, abs=1e-9) and got["se_type"] == "cluster"
    assert payload["diagnostics"]["n_clusters"] == 40
    assert payload["headline"]["estimand"] == "ATT" and payload["headline"]["reason"]["message"]
    boot = client.post("/api/v1/effects", json={**body, "bootstrap": 20, "ci": "bca"}).get_json()
    assert {r["se_type"] for r in boot["rows"]} == {"bootstrap"}
    within = client.post("/api/v1/effects", json={**body, "fixed_effects": "school_id", "cluster": None})
    assert within.status_code == 422
    assert within.get_json()["error"]["field"] == "fixed_effects"
    too_many = client.post("/api/v1/effects", json={**body, "bootstrap": 100_000})
    assert too_many.status_code == 422 and too_many.get_json()["error"]["field"] == "bootstrap"


@pytest.mark.parametrize("make_body, code, field", [
    (lambda rows: {"rows": rows, "treatment": "treat", "outcome": "y", "covariates": ["x1", "nope"]},
     "missing_column", "covariates"),
    (lambda rows: {"rows": rows, "treatment": "x1", "outcome": "y", "covariates": ["x2"]},
     "non_binary_treatment", "treatment"),
    (lambda rows: {"rows": rows[:12], "treatment": "treat", "outcome": "y", "covariates": ["x2"]},
     "too_few_treated", "treatment"),
    (lambda rows: {"rows": _with(rows, treat=lambda i: int(i < 5)), "treatment": "treat", "outcome": "y",
                   "covariates": ["x2"]}, "too_few_treated", "treatment"),
    (lambda rows: {"rows": _with(rows, treat=lambda i: int(i >= 5)), "treatment": "treat", "outcome": "y",
                   "covariates": ["x2"]}, "too_few_controls", "treatment"),
    (lambda rows: {"rows": _with(rows, school=3), "treatment": "treat", "outcome": "y",
                   "covariates": ["x2", "school"]}, "constant_covariate", "covariates"),
    (lambda rows: {"rows": _with(rows, x2=lambda i: "abc" if i == 7 else rows[i]["x2"]), "treatment": "treat",
                   "outcome": "y", "covariates": ["x2"]}, "non_numeric_covariate", "covariates"),
    (lambda rows: {"rows": _with(rows, y=lambda i: f"s{i}"), "treatment": "treat", "outcome": "y",
                   "covariates": ["x2"]}, "non_numeric_outcome", "outcome"),
    (lambda rows: {"rows": rows, "outcome": "y", "covariates": ["x2"]}, "required", "treatment"),
    (lambda rows: {"rows": rows, "treatment": "treat", "outcome": "y"}, "required", "covariates"),
    (lambda rows: {"rows": rows, "treatment": "treat", "outcome": "y", "covariates": ["x2"], "psm_k": 0},
     "invalid_psm_k", "psm_k"),
    (lambda rows: {"rows": rows, "treatment": "treat", "outcome": "y", "covariates": ["x2"], "trim": [0.7, 0.9]},
     "invalid_trim", "trim"),
    (lambda rows: {"rows": {"treat": 1}, "treatment": "treat", "outcome": "y", "covariates": ["x2"]},
     "rows_not_objects", "rows"),
    (lambda rows: {"rows": rows, "treatment": "treat", "outcome": "y", "covariates": ["x2"], "seed": 1},
     "unknown_field", "seed"),
    (lambda rows: {"filters": {"lunch": "caviar"}}, "invalid", "filters.lunch"),
])
def test_validation_errors_are_422_naming_the_field(client, rows, make_body, code, field):
    response = client.post("/api/v1/effects", json=make_body(rows))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


def test_the_422_names_the_data_column_too(client, rows):
    error = client.post("/api/v1/effects", json={"rows": rows, "treatment": "treat", "outcome": "y",
                                                 "covariates": ["x1", "nope"]}).get_json()["error"]
    assert error["column"] == "nope" and error["message"] == "Column 'nope' is not in the data."


@pytest.mark.parametrize("data, code", [("{not json", "malformed_json"), ("", "empty_body"),
                                        ("[1, 2]", "wrong_body_type")])
def test_malformed_body_is_400(client, data, code):
    response = client.post("/api/v1/effects", data=data, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code


def test_body_over_the_upload_limit_is_413(client, rows, monkeypatch):
    monkeypatch.setenv("EDULOOP_MAX_UPLOAD_BYTES", "1000")
    response = client.post("/api/v1/effects", json={"rows": rows, "treatment": "treat", "outcome": "y",
                                                    "covariates": ["x2"]})
    assert response.status_code == 413 and response.get_json()["error"]["field"] == "rows"


def test_openapi_documents_request_and_response(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/effects"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"treatment", "outcome", "covariates", "rows", "psm_k", "caliper", "replace", "trim"} <= set(
        request["properties"])
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["required"] == ["rows", "headline", "diagnostics", "warnings"]
    assert set(response["properties"]["rows"]["items"]["required"]) == ROW_KEYS
    assert {"400", "413", "422"} <= set(operation["responses"])
