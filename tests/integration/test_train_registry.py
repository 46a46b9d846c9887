"""Train -> register -> gate -> promote / rollback on copies of the shared warehouse (real files, no mocks)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pipelines.cli import main
from pipelines.errors import PipelineError
from pipelines.model_lifecycle import make_scheduler, retrain
from pipelines.train import train_and_register
from tests.helpers import ROOT
from tests.helpers.training import FAST
from tests.helpers.training import set_math as _set_math
from tests.helpers.training import settings_for as _settings
from warehouse.model_artifacts import file_sha256
from warehouse.publish import write_transaction
from warehouse.settings import get_settings


def _q(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _production(db: Path) -> dict[str, str]:
    return dict(_q(db, "SELECT task, version FROM ml.model_registry WHERE status = 'production' "
                       "AND task IN ('regression', 'risk')"))


def test_build_registered_scored_and_recorded_one_production_run(built_warehouse):
    rows = _q(built_warehouse, """SELECT task, version, run_id, artifact_path, artifact_sha256, data_rows,
                                         json_extract(test_metrics, '$.test_r2')::DOUBLE
                                  FROM ml.model_registry WHERE status = 'production' AND task IN ('regression', 'risk')
                                  ORDER BY task""")
    assert [r[0] for r in rows] == ["regression", "risk"]
    assert rows[0][2] == rows[1][2] and rows[0][1] == f"reg-{rows[0][2]}" and rows[1][1] == f"risk-{rows[0][2]}"
    for _, _, _, path, sha, data_rows, _ in rows:
        assert file_sha256(path) == sha and data_rows == 1000
    assert rows[0][6] > 0.8                           # demo math is well explained by reading and writing
    assert _q(built_warehouse, "SELECT count(*) FROM ml.tuning_trials WHERE version = ?", [rows[0][1]])[0][0] > 0
    assert _q(built_warehouse, "SELECT status FROM ml.retrain_runs WHERE run_id = ?", [rows[0][2]]) == [("ok",)]
    scored = _q(built_warehouse, "SELECT count(*), min(model_version), max(model_version), min(risk_model_version) "
                                 "FROM ml.risk_scores")[0]
    assert scored == (1000, rows[0][1], rows[0][1], rows[1][1])


@pytest.mark.slow
def test_candidate_on_shuffled_target_never_replaces_production(copy):
    before = _production(copy)
    math = np.array([r[0] for r in _q(copy, "SELECT math_score FROM core.students ORDER BY student_id")])
    _set_math(copy, np.random.default_rng(5).permutation(math))          # planted bad data: no relation left
    with write_transaction(copy) as con:
        # Even a very lax tolerance does not let a model that cannot beat the mean through.
        summary = train_and_register(con, _settings(copy), seed=1, tolerance=0.9, **FAST)
    assert summary.status == "ok" and summary.decision == "rejected"
    assert "no_better_than_mean" in summary.reason and summary.metrics["test_r2"] <= 0
    assert _production(copy) == before
    statuses = _q(copy, "SELECT DISTINCT status FROM ml.model_registry WHERE run_id = ?", [summary.run_id])
    assert statuses == [("rejected",)]
    assert _q(copy, "SELECT DISTINCT model_version FROM ml.risk_scores") == [(before["regression"],)]


@pytest.mark.slow
def test_failed_run_is_recorded_leaves_production_and_raises_an_alert(copy):
    before = _production(copy)
    _set_math(copy, np.full(1000, 60))                                   # constant target: training must refuse
    outcome = retrain(copy, _settings(copy), **FAST)
    run_id = outcome["train"]["run_id"]
    assert outcome["train"]["status"] == "failed" and "constant_target" in outcome["train"]["reason"]
    assert _production(copy) == before
    assert _q(copy, "SELECT count(*) FROM ml.model_registry WHERE run_id = ?", [run_id]) == [(0,)]
    assert not any((Path(get_settings().models_dir) / f"{p}-{run_id}").exists() for p in ("reg", "risk"))
    assert _q(copy, "SELECT status FROM ml.retrain_runs WHERE run_id = ?", [run_id]) == [("failed",)]
    alerts = _q(copy, "SELECT rule, subject FROM ml.alerts WHERE rule = 'retrain_failed'")
    assert alerts == [("retrain_failed", run_id)]
    assert main(["retrain", "--db", str(copy), "--n-trials", "2", "--cv-repeats", "1"]) == 2   # CLI: exit 2


@pytest.mark.slow
def test_promote_rollback_and_artifact_check_through_the_cli(copy, capsys):
    first = _production(copy)
    assert main(["train", "--db", str(copy), "--n-trials", "2", "--cv-repeats", "1", "--seed", "3",
                 "--tolerance", "0.3", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["decision"] == "production" and trained["score"]["rows"] == 1000
    second = _production(copy)
    assert second == {"regression": trained["regression_version"], "risk": trained["risk_version"]}
    assert _q(copy, "SELECT DISTINCT status FROM ml.model_registry WHERE version IN (?, ?)",
              list(first.values())) == [("archived",)]
    assert _q(copy, "SELECT DISTINCT model_version FROM ml.risk_scores") == [(second["regression"],)]

    assert main(["rollback", "--db", str(copy)]) == 0                   # previous production comes back
    assert _production(copy) == first
    assert _q(copy, "SELECT DISTINCT model_version FROM ml.risk_scores") == [(first["regression"],)]
    assert _q(copy, "SELECT DISTINCT status_reason LIKE 'rolled_back%' FROM ml.model_registry WHERE version IN (?, ?)",
              list(second.values())) == [(True,)]
    assert main(["rollback", "--db", str(copy)]) == 2                   # nothing older to go back to
    assert _production(copy) == first

    assert main(["promote", second["risk"], "--db", str(copy)]) == 0    # either row promotes the whole run
    assert _production(copy) == second
    assert main(["rollback", "--db", str(copy)]) == 0
    assert _production(copy) == first
    # Only this test's own artifacts may be altered (the first run's belong to the shared warehouse).
    (new_artifact,), = _q(copy, "SELECT artifact_path FROM ml.model_registry WHERE version = ?", [second["risk"]])
    assert Path(new_artifact).is_relative_to(Path(get_settings().models_dir))
    Path(new_artifact).write_bytes(b"x")
    assert main(["promote", second["regression"], "--db", str(copy)]) == 2   # sibling's sha256 mismatch: refused
    assert _production(copy) == first
    assert main(["promote", "reg-nope", "--db", str(copy)]) == 2


def test_scheduler_runs_retrain_on_the_configured_cron():
    scheduler = make_scheduler("30 4 * * *", lambda: None)
    job = scheduler.get_jobs()[0]
    now = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
    assert job.trigger.get_next_fire_time(None, now) == datetime(2026, 11, 24, 4, 30, tzinfo=timezone.utc)
    assert (job.max_instances, job.coalesce) == (1, True)
    with pytest.raises(PipelineError, match="invalid cron"):
        make_scheduler("every day", lambda: None)
    procfile = (ROOT / "Procfile").read_text()
    assert "worker: python -m pipelines scheduler" in procfile
