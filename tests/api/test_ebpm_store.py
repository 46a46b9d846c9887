"""Issue 11 defect 2: the EBPM tab's store holds only a token, and every option is checked on the server.

Each test posts what a forged browser would send to /_dash-update-component through the Flask test
client: the callbacks must answer with a clear sentence and never open a client-named file, take
inline data, or run a huge k.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from warehouse.uploads import store_upload

CONTROLS = {"ebpm-treatment": "treat", "ebpm-outcome": "y", "ebpm-covariates": ["motivation", "baseline"],
            "ebpm-sub-gender": None, "ebpm-sub-race_ethnicity": None, "ebpm-sub-parental_education": None,
            "ebpm-sub-lunch": None, "ebpm-psm-k": 1, "ebpm-caliper": 0.2, "ebpm-replace": True,
            "ebpm-trim": "none", "ebpm-cluster": None, "ebpm-fixed-effects": None, "ebpm-estimand": "ATE",
            "ebpm-bootstrap": False, "ebpm-bootstrap-n": 200, "ebpm-ci": "percentile"}


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EDULOOP_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("EDULOOP_EVENTS_DIR", str(tmp_path / "events"))
    return tmp_path


@pytest.fixture
def client(data_dir):
    from dashboard.app import app

    return app.server.test_client()


@pytest.fixture
def token(data_dir) -> str:
    from tests.helpers.files import write_upload

    csv = write_upload(data_dir / "trial.csv", n=400)
    return store_upload(data_dir, csv.read_bytes(), name="trial.csv", max_bytes=10**7, max_rows=10**5).token


def _call(client, marker: str, values: dict, state: dict) -> dict:
    """Post the callback whose outputs include `marker` as the browser would; return {element id: new value}."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if marker in d["output"])
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in dep["output"].strip(".").split("...")]
    body = {"output": dep["output"], "outputs": outputs if "..." in dep["output"] else outputs[0],
            "inputs": [{"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in dep["inputs"]],
            "state": [{"id": i["id"], "property": i["property"], "value": state[i["id"]]} for i in dep["state"]],
            "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {key: next(iter(value.values())) for key, value in response.get_json()["response"].items()}


def _estimate(client, store, **controls) -> dict:
    """The estimates callback for this store and these control values (English)."""
    return _call(client, "ebpm-headline.children", {"ebpm-data": store, **CONTROLS, **controls},
                 {"ebpm-ui-lang": "en"})


def _text(component) -> str:
    return json.dumps(component, ensure_ascii=False)


@pytest.mark.parametrize("store", [
    {"source": "x:/etc/passwd:0"},
    {"source": "/etc/passwd"},
    {"source": "upload", "token": "../../etc/passwd"},
    {"source": "upload:" + "QUJD" * 10},              # the old inline base64 Parquet
    {"source": "upload", "token": "a" * 43, "data": "t,y\n1,2"},
    {"name": "x.csv", "rows": 3},
    "warehouse",
])
def test_forged_store_gets_a_clear_error_and_no_file_is_probed(client, store, monkeypatch):
    opened = []
    real_open = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: opened.append(str(self)) or real_open(self))
    out = _estimate(client, store)
    text = _text(out["ebpm-messages"])
    assert "page state was not recognised" in text or "no longer available" in text
    assert out["ebpm-estimates"] == []
    assert not any("passwd" in path for path in opened)


def test_unknown_token_is_refused_without_reading_anything(client):
    out = _estimate(client, {"source": "upload", "token": "A" * 43, "name": "x.csv", "rows": 3})
    assert "no longer available" in _text(out["ebpm-messages"])


def test_stored_upload_is_estimated_from_its_token(client, token):
    out = _estimate(client, {"source": "upload", "token": token, "name": "trial.csv", "rows": 400})
    assert "ebpm-headline-card" in _text(out["ebpm-headline"])
    assert out["ebpm-spec"]["treatment"] == "treat"


@pytest.mark.parametrize("controls, field_text", [
    ({"ebpm-psm-k": 100000}, "k"),
    ({"ebpm-psm-k": "1e9"}, "k"),
    ({"ebpm-caliper": 1e6}, "caliper"),
    ({"ebpm-caliper": "nan"}, "caliper"),
    ({"ebpm-trim": "0.4"}, "trim"),
    ({"ebpm-bootstrap": True, "ebpm-bootstrap-n": 100000}, "bootstrap"),
    ({"ebpm-estimand": "ATX"}, "estimand"),
    ({"ebpm-covariates": {"a": 1}}, "covariates"),
])
def test_method_options_are_bounded_on_the_server(client, token, controls, field_text):
    out = _estimate(client, {"source": "upload", "token": token}, **controls)
    text = _text(out["ebpm-messages"])
    assert "could not be estimated" in text and field_text in text.lower() and "invalid_" not in text
    assert out["ebpm-estimates"] == [] and out["ebpm-spec"] is None


WAREHOUSE_CONTROLS = {"ebpm-treatment": "test_prep", "ebpm-outcome": "math_score",
                      "ebpm-covariates": ["gender", "race_ethnicity", "parental_education", "lunch"]}


def test_a_warehouse_without_students_shows_the_empty_state(client, data_dir):
    import duckdb

    from dashboard.common.i18n import t
    from warehouse.schema import apply_schema

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    apply_schema(con)
    con.close()
    out = _estimate(client, {"source": "warehouse"}, **WAREHOUSE_CONTROLS)
    assert t("common.empty.students.title", "en") in _text(out["ebpm-messages"])
    assert out["ebpm-estimates"] == [] and out["ebpm-headline"] == []


@pytest.mark.slow
def test_real_students_get_estimates_without_the_demo_badge(client, data_dir):
    import subprocess

    from tests.helpers import PYTHON, ROOT, run_env

    groups, parents = "ABCDE", ["some high school", "high school", "some college", "bachelor's degree"]
    lines = ["gender,race/ethnicity,parental level of education,lunch,test preparation course,math score,"
             "reading score,writing score"]
    for i in range(120):
        lines.append(f"{'female' if i % 2 else 'male'},group {groups[i % 5]},{parents[i % 4]},"
                     f"{'standard' if i % 3 else 'free/reduced'},{'none' if i % 4 else 'completed'},"
                     f"{40 + (i * 37) % 55},{45 + (i * 29) % 50},{50 + (i * 17) % 45}")
    (data_dir / "students.csv").write_text("\n".join(lines) + "\n")
    done = subprocess.run([PYTHON, "-m", "pipelines", "build", "--students", str(data_dir / "students.csv")],
                          cwd=ROOT, env=run_env(data_dir), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    out = _estimate(client, {"source": "warehouse"}, **WAREHOUSE_CONTROLS)
    assert "ebpm-headline-card" in _text(out["ebpm-headline"])
    badges = {key: value for key, value in out.items() if key.startswith("ebpm-badge-")}
    assert len(badges) == 4 and set(map(str, badges.values())) == {"None"}


@pytest.mark.parametrize("spec", [
    {"treatment": "treat", "outcome": "y", "covariates": ["motivation"], "psm_k": 100000},
    {"treatment": "treat", "outcome": "y", "covariates": ["motivation"], "bootstrap": 5000},
    {"treatment": "treat", "outcome": "y", "covariates": ["motivation"], "path": "/etc/passwd"},
])
def test_forged_spec_store_runs_no_check(client, token, spec):
    state = {"ebpm-data": {"source": "upload", "token": token}, "ebpm-ui-lang": "en"}
    out = _call(client, "ebpm-sensitivity.children", {"ebpm-spec": spec}, state)
    assert out == {"ebpm-sensitivity": [], "ebpm-assumptions": []}
    good = {"treatment": "treat", "outcome": "y", "covariates": ["motivation", "baseline"]}
    assert "ebpm-placebo" in _text(_call(client, "ebpm-sensitivity.children", {"ebpm-spec": good},
                                         state)["ebpm-sensitivity"])
