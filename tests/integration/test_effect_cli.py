"""`python -m pipelines effect` on the demo warehouse and on CSV files (text, --json, errors, planted truth)."""
from __future__ import annotations

import json
import subprocess

import pytest

from analytics.causal import METHODS, estimate_effects
from pipelines import build as build_mod
from pipelines.cli import main
from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import scalar, write_upload

ROW_KEYS = {"method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n",
            "se_type", "reliable", "reason"}
# Estimators consistent for their estimand under the demo's design (constant effect, right models).
CONSISTENT = {("psm", "ATT"), ("ipw", "ATE"), ("ipw", "ATT"), ("regression_adjustment", "ATE"),
              ("aipw", "ATE"), ("aipw", "ATT")}


def run(capsys, *args) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(["effect", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *args) -> dict:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def row(payload: dict, method: str, estimand: str) -> dict:
    return next(r for r in payload["rows"] if r["method"] == method and r["estimand"] == estimand)


def test_text_and_json_on_the_demo_warehouse(built_warehouse, capsys):
    code, out, err = run(capsys, "--db", built_warehouse, "--no-checks")
    assert code == 0 and err == ""
    assert out.startswith("effect of test_prep on math_score (warehouse: 1000 rows")
    assert all(method in out for method in METHODS)
    assert "planted true effect (demo data): 3" in out

    payload = run_json(capsys, "--db", built_warehouse)
    assert set(payload) == {"rows", "headline", "diagnostics", "warnings"}
    assert all(set(r) == ROW_KEYS for r in payload["rows"])
    assert {r["method"] for r in payload["rows"]} == set(METHODS)
    assert all(isinstance(text, str) for text in payload["warnings"])
    diagnostics = payload["diagnostics"]
    assert diagnostics["n"] == 1000
    assert diagnostics["n_treated"] == scalar(built_warehouse, "SELECT count(*) FROM core.students "
                                                               "WHERE test_prep = 'completed'")
    assert {s["sample"] for s in diagnostics["smd"]} == {"unadjusted", "matched", "weighted_ate", "weighted_att"}
    assert [c["check"] for c in diagnostics["refutations"]] == ["placebo_treatment", "random_common_cause"]
    assert [a["assumption"] for a in diagnostics["assumptions"]] == [
        "no_unmeasured_confounding", "overlap", "sutva", "model_specification"]
    assert diagnostics["planted_effect"] == scalar(built_warehouse, "SELECT true_effect FROM core.demo_truth "
                                                                    "WHERE outcome = 'math_score'")
    # The naive row is the plain difference of group means, straight from SQL.
    naive = scalar(built_warehouse, "SELECT avg(math_score) FILTER (test_prep = 'completed') "
                                    "- avg(math_score) FILTER (test_prep = 'none') FROM core.students")
    assert row(payload, "difference_in_means", "ATE")["estimate"] == pytest.approx(naive, abs=1e-9)


def test_post_treatment_score_as_covariate_is_flagged(built_warehouse, capsys):
    payload = run_json(capsys, "--db", built_warehouse, "--covariates", "gender,lunch,reading_score",
                       "--no-checks")
    assert any("reading_score is measured after the treatment" in text for text in payload["warnings"])
    assert payload["diagnostics"]["post_treatment_covariates"] == ["reading_score"]
    plain = run_json(capsys, "--db", built_warehouse, "--covariates", "gender,lunch", "--no-checks")
    assert not any("after the treatment" in text for text in plain["warnings"])


def test_upload_format_works_as_is_and_recovers_the_planted_effect(tmp_path, capsys):
    csv = write_upload(tmp_path / "trial.csv")
    code, out, err = run(capsys, "--csv", csv, "--treatment", "treat", "--outcome", "y",
                         "--covariates", "motivation,baseline", "--no-checks")
    assert code == 0, err
    assert "effect of treat on y" in out and "3000 rows" in out
    payload = run_json(capsys, "--csv", csv, "--treatment", "treat", "--outcome", "y",
                       "--covariates", "motivation,baseline", "--psm-k", "2", "--trim", "0.02,0.98")
    assert row(payload, "aipw", "ATE")["ci_low"] <= 2.0 <= row(payload, "aipw", "ATE")["ci_high"]
    assert row(payload, "regression_adjustment", "ATE")["ci_low"] <= 2.0
    assert row(payload, "difference_in_means", "ATE")["ci_low"] > 2.0
    assert payload["diagnostics"]["settings"]["psm_k"] == 2
    assert payload["diagnostics"]["settings"]["trim"] == [0.02, 0.98]


@pytest.mark.parametrize("content, args, expected", [
    ("treat,motivation,y\n" + "1,2,3\n0,1,2\n" * 20, ("--covariates", "motivation,baseline"),
     "Column 'baseline' is not in the data"),
    ("treat,motivation,y\n" + "2,1,3\n0,2,2\n1,3,4\n" * 10, ("--covariates", "motivation"),
     "Treatment 'treat' must be 0/1"),
    ("treat,motivation,y\n" + "1,1,3\n" * 5 + "0,2,2\n" * 30, ("--covariates", "motivation"),
     "Only 5 treated units"),
    ("treat,motivation,y\n" + "1,7,3\n0,7,2\n" * 20, ("--covariates", "motivation"),
     "Covariate 'motivation' has the same value in every row"),
    ("treat,motivation,y\n" + "".join(f"{i % 2},{i},{i}\n" for i in range(40)) + "1,abc,3\n",
     ("--covariates", "motivation"), "Covariate 'motivation' mixes numbers with text (abc)"),
    ("", ("--covariates", "motivation"), "is empty"),
])
def test_bad_csv_fails_with_one_line(tmp_path, capsys, content, args, expected):
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    code, out, err = run(capsys, "--csv", csv, "--treatment", "treat", "--outcome", "y", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: bad.csv: ") and expected in err


def test_csv_over_the_size_limit_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    csv = write_upload(tmp_path / "big.csv", n=500)
    monkeypatch.setenv("EDULOOP_MAX_UPLOAD_BYTES", "1000")
    code, _, err = run(capsys, "--csv", csv, "--treatment", "treat", "--outcome", "y", "--covariates", "baseline")
    assert code == 2 and "the limit is 0.0 MB" in err and err.count("\n") == 1


@pytest.mark.slow
def test_bad_csv_exit_code_in_a_real_process(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary")
    done = subprocess.run([PYTHON, "-m", "pipelines", "effect", "--csv", str(csv), "--treatment", "t",
                           "--outcome", "y", "--covariates", "x"], cwd=ROOT, env=run_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "error: bad.csv: bad.csv is not a text CSV (UTF-8 or Shift_JIS)."


@pytest.mark.slow
def test_planted_truth_recovered_on_a_bigger_demo_build(tmp_path, capsys, monkeypatch):
    db = tmp_path / "w.duckdb"
    build_mod.build(build_mod.BuildOptions(db_path=db, events_dir=tmp_path / "events", scale=20000, seed=42,
                                           sessions=200, quiet=True))
    for outcome in ("math_score", "writing_score"):
        payload = run_json(capsys, "--db", db, "--outcome", outcome, "--no-checks")
        truth = payload["diagnostics"]["planted_effect"]
        assert truth == {"math_score": 3.0, "writing_score": 7.0}[outcome]
        covered = {(r["method"], r["estimand"]) for r in payload["rows"] if r["ci_low"] <= truth <= r["ci_high"]}
        assert covered == CONSISTENT   # every consistent estimator covers; the naive difference does not


def test_cluster_bootstrap_and_estimand_options_on_a_csv(tmp_path, capsys):
    from analytics.causal.simulate import simulate_clustered

    frame = simulate_clustered(1500, 40, seed=4)
    path = tmp_path / "schools.csv"
    frame.to_csv(path, index=False)
    common = ["--csv", path, "--treatment", "treat", "--outcome", "y", "--covariate", "school_ses",
              "--covariate", "x1", "--cluster", "school_id", "--no-checks"]
    payload = run_json(capsys, *common, "--estimand", "att")
    expected = estimate_effects(frame, "treat", "y", ["school_ses", "x1"], cluster="school_id").table
    assert {r["se_type"] for r in payload["rows"]} == {"cluster"}
    assert [r["se"] for r in payload["rows"]] == pytest.approx(expected["se"].tolist(), abs=1e-9)
    assert payload["headline"]["estimand"] == "ATT" and payload["diagnostics"]["n_clusters"] == 40
    boot = run_json(capsys, *common, "--bootstrap", "30", "--ci", "bca")
    assert {r["se_type"] for r in boot["rows"]} == {"bootstrap"}
    code, out, _ = run(capsys, *common)
    assert code == 0 and " cluster " in out
    assert "headline: aipw ATT" in out and "overlap poorly" in out   # school_ses separates the schools
    code, _, err = run(capsys, *common, "--fixed-effects", "school_id")
    assert code == 2 and "No level of 'school_id'" in err
