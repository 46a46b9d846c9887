"""Champion/challenger through the API on a private warehouse copy: shadow scores are logged and never
served; a canary serves the challenger to its sessions only; promote prints the comparison first."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics.champion import compare_models
from pipelines.cli import main
from pipelines.train import train_and_register
from tests.helpers import SAMPLE_STUDENT
from tests.helpers.training import FAST
from tests.helpers.training import settings_for as _settings
from warehouse.publish import write_transaction

STUDENT = {**SAMPLE_STUDENT, "student_id": "S0000001"}


@pytest.fixture
def app_on_copy(copy, tmp_path, monkeypatch):
    """The app serving the copy, with its own event folder, plus a second (not promoted) run."""
    events = tmp_path / "events"
    monkeypatch.setenv("EDULOOP_DB", str(copy))
    monkeypatch.setenv("EDULOOP_EVENTS_DIR", str(events))
    with write_transaction(copy) as con:
        run = train_and_register(con, _settings(copy), seed=11, tolerance=0.9, promote=False, **FAST)
    from dashboard.app import server

    return server, copy, events, run.regression_version


def _events(folder, kind):
    return [
        e
        for path in folder.glob("*/*.jsonl")
        for line in path.read_text().splitlines()
        if (e := json.loads(line))["event"] == kind
    ]


@pytest.mark.slow
def test_shadow_scores_every_request_but_the_champion_answers(app_on_copy, capsys):
    from dashboard.common import challenger

    server, db, events, version = app_on_copy
    assert main(["challenger", "start", version, "--mode", "shadow", "--db", str(db)]) == 0
    client = server.test_client()
    served = {client.post("/api/v1/predict", json=STUDENT).get_json()["model_version"] for _ in range(4)}
    assert challenger.wait_for_shadow()
    assert version not in served
    shadow = _events(events, "shadow_prediction")
    assert len(shadow) == 4 and {e["model_version"] for e in shadow} == {version}
    assert {e["payload"]["champion_version"] for e in shadow} == served
    assert main(["ingest-events", "--db", str(db), "--events-dir", str(events)]) == 0
    capsys.readouterr()
    assert main(["promote", version, "--no-score", "--db", str(db)]) == 0
    printed = capsys.readouterr().out
    assert printed.index("before promoting: champion") < printed.index("promoted run")
    assert "(n=4)" in printed  # both models were compared on the same four real outcomes


@pytest.mark.slow
def test_canary_serves_the_challenger_to_its_sessions_only(app_on_copy):
    from analytics.experiments import assign_variant

    server, db, events, version = app_on_copy
    assert main(["challenger", "start", version, "--mode", "canary", "--percent", "30", "--db", str(db)]) == 0
    served = {}
    for i in range(40):
        client = server.test_client()
        client.set_cookie("eduloop_sid", f"sess-{i}")
        served[f"sess-{i}"] = client.post("/api/v1/predict", json=STUDENT).get_json()["model_version"]
    logged = _events(events, "prediction")
    key = logged[0]["payload"]["experiment"]
    for event in logged:
        expected = assign_variant(event["session_id"], key, ("champion", "challenger"), (0.7, 0.3))
        assert event["variant"] == expected
        assert (served[event["session_id"]] == version) == (expected == "challenger")
    assert 0 < sum(v == version for v in served.values()) < 40
    assert main(["challenger", "end", "--db", str(db)]) == 0


def test_compare_models_matches_numpy():
    rng = np.random.default_rng(0)
    ts = pd.date_range("2026-11-01", periods=200, freq="h")
    y = rng.normal(60, 10, 200)
    outcomes = pd.concat(
        [
            pd.DataFrame({"ts": ts, "model_version": "a", "y_true": y, "y_pred": y + rng.normal(0, 5, 200)}),
            pd.DataFrame({"ts": ts, "model_version": "b", "y_true": y, "y_pred": y + rng.normal(0, 3, 200)}),
        ]
    )
    result = compare_models(outcomes, "a", "b")
    err_a = outcomes.query("model_version == 'a'").eval("y_pred - y_true")
    assert result.rmse_champion == pytest.approx(np.sqrt(np.mean(err_a**2)))
    assert result.challenger_better is True and result.n_challenger == 200
    assert set(result.by_period["role"]) == {"champion", "challenger"}
    assert result.by_period.query("role == 'champion'")["n"].sum() == 200
