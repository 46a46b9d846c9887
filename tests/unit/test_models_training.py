"""train_all, training-data checks, fingerprint and the promotion gate."""

import pickle

import numpy as np
import pytest

from analytics.models.data_checks import validate_training_data
from analytics.models.fingerprint import fingerprint_frame
from analytics.models.promotion import compare_to_production
from analytics.models.schema import FEATURES, TARGET
from analytics.models.synthetic import make_synthetic_students
from analytics.models.training import TrainingDataError, train_all

FAST = {"n_trials": 2, "cv_splits": 3, "cv_repeats": 1, "inner_splits": 2}


@pytest.fixture(scope="module")
def students():
    return make_synthetic_students(400, seed=8)


@pytest.fixture(scope="module")
def result(students):
    return train_all(students, seed=1, pass_mark=55, **FAST)


@pytest.fixture(scope="module")
def shuffled_result(students):
    shuffled = students.copy()
    shuffled[TARGET] = np.random.default_rng(0).permutation(shuffled[TARGET].to_numpy())
    return train_all(
        shuffled, seed=1, pass_mark=55, regressors=("linear",), classifiers=("logistic",), **FAST
    )


def test_train_all_packages_every_model_with_metrics(result):
    assert set(result.regressors) == {"linear", "ridge", "lightgbm"}
    assert set(result.classifiers) == {"logistic", "lightgbm"}
    for name, metrics in result.metrics["regression"].items():
        expected = {"cv_rmse_mean", "cv_rmse_sd", "cv_r2_mean", "test_rmse", "test_mae", "test_r2"}
        assert expected <= set(metrics)
        assert metrics["test_r2"] > 0.7, name
    cv_means = {name: m["cv_rmse_mean"] for name, m in result.metrics["regression"].items()}
    assert result.selected_regressor == min(cv_means, key=cv_means.get)
    assert result.production_metrics == result.metrics["regression"][result.selected_regressor]
    assert result.metrics["classification"]["logistic"]["validation_recall"] >= 0.8
    assert result.params["train_rows"] + result.params["test_rows"] == 400


def test_train_all_test_metrics_describe_the_shipped_model(students, result):
    test = students.loc[result.test_index]
    assert not test.index.isin(result.background.index).any()  # background is training-only
    for name, report in result.regressors.items():
        predicted = report.model.predict(test)
        np.testing.assert_allclose(report.test_predictions["predicted"], predicted)
        rmse = float(np.sqrt(((test[TARGET].to_numpy() - predicted) ** 2).mean()))
        assert report.metrics["test_rmse"] == pytest.approx(rmse), name


def test_train_all_trials_table(result):
    trials = result.trials
    assert list(trials.columns) == ["model", "stage", "outer_fold", "number", "value", "params"]
    nested = trials[(trials["model"] == "lightgbm") & (trials["stage"] == "nested")]
    assert len(nested) == FAST["n_trials"] * FAST["cv_splits"]
    final = trials[(trials["model"] == "ridge") & (trials["stage"] == "final")]
    assert len(final) == FAST["n_trials"] and final["outer_fold"].isna().all()
    assert "linear" not in set(trials["model"])


def test_train_all_fingerprint_schema_and_background(students, result):
    assert result.fingerprint == fingerprint_frame(students.loc[:, [*FEATURES, TARGET]])
    assert [spec["name"] for spec in result.feature_schema] == list(FEATURES)
    assert list(result.background.columns) == list(FEATURES)
    assert result.background.index.isin(students.index).all()


def test_train_all_result_pickles_and_predicts_identically(students, result):
    restored = pickle.loads(pickle.dumps(result))
    rows = students.head(10)
    np.testing.assert_array_equal(restored.regressor.predict(rows), result.regressor.predict(rows))
    np.testing.assert_array_equal(
        restored.risk_model.predict_proba(rows), result.risk_model.predict_proba(rows)
    )


def test_train_all_refuses_bad_data(students):
    broken = students.head(50).copy()
    broken.loc[broken.index[0], "lunch"] = "caviar"
    with pytest.raises(TrainingDataError) as caught:
        train_all(broken, **FAST)
    assert {"too_few_rows", "invalid_category"} <= {issue.code for issue in caught.value.issues}


def test_shuffled_target_candidate_is_rejected(result, shuffled_result):
    candidate = shuffled_result.production_metrics
    assert candidate["test_r2"] < 0.1
    ok, reason = compare_to_production(candidate, result.production_metrics, tolerance=0.05)
    assert (ok, reason) == (False, "no_better_than_mean") or (ok, reason) == (False, "worse_than_production")
    assert not compare_to_production(candidate, None)[0]  # rejected even with nothing in production


@pytest.mark.parametrize(
    ("candidate", "production", "expected"),
    [
        ({"test_rmse": 4.9, "test_r2": 0.86}, {"test_rmse": 5.0}, (True, "better_than_production")),
        ({"test_rmse": 5.2, "test_r2": 0.84}, {"test_rmse": 5.0}, (True, "within_tolerance")),
        ({"test_rmse": 5.3, "test_r2": 0.83}, {"test_rmse": 5.0}, (False, "worse_than_production")),
        ({"test_rmse": 5.3, "test_r2": 0.83}, {}, (True, "no_production_model")),
        ({"test_r2": 0.9}, {"test_rmse": 5.0}, (False, "candidate_metric_missing")),
        ({"test_rmse": float("nan")}, {"test_rmse": 5.0}, (False, "candidate_metric_not_finite")),
        ({"test_rmse": 4.0}, {"test_mae": 3.0}, (True, "production_metric_missing")),
        ({"test_rmse": 4.0, "test_r2": -0.01}, {"test_rmse": 5.0}, (False, "no_better_than_mean")),
    ],
)
def test_compare_to_production_reason_codes(candidate, production, expected):
    assert compare_to_production(candidate, production, 0.05) == expected


def test_compare_to_production_higher_is_better_metrics():
    production = {"test_pr_auc": 0.80}
    assert compare_to_production({"test_pr_auc": 0.70}, production, 0.05, metric="test_pr_auc") == (
        False, "worse_than_production",
    )
    assert compare_to_production({"test_pr_auc": 0.77}, production, 0.05, metric="test_pr_auc") == (
        True, "within_tolerance",
    )


def test_validate_training_data_accepts_clean_data(students):
    assert validate_training_data(students, pass_mark=55) == []


def test_validate_training_data_finds_each_issue_kind(students):
    bad = students.copy()
    bad = bad.astype({"reading_score": "float64", "writing_score": object})
    bad.loc[bad.index[:3], "gender"] = None
    bad.loc[bad.index[3:5], "race_ethnicity"] = "group Q"
    bad.loc[bad.index[5], "reading_score"] = 140.0
    bad.loc[bad.index[6], "writing_score"] = "n/a"
    issues = {(issue.code, issue.field): issue for issue in validate_training_data(bad, min_rows=500)}
    assert issues[("too_few_rows", None)].count == 400
    assert issues[("null_values", "gender")].count == 3
    assert issues[("invalid_category", "race_ethnicity")].detail["examples"] == ["group Q"]
    assert issues[("out_of_range", "reading_score")].count == 1
    assert issues[("not_numeric", "writing_score")].count == 1
    missing = validate_training_data(students.drop(columns="test_prep"))
    assert [(i.code, i.field) for i in missing] == [("missing_column", "test_prep")]


def test_validate_training_data_target_checks(students):
    constant = students.assign(math_score=60)
    codes = {issue.code for issue in validate_training_data(constant, pass_mark=50)}
    assert codes == {"constant_target", "too_few_at_risk"}
    all_fail = students.assign(math_score=10)
    codes = {issue.code for issue in validate_training_data(all_fail, pass_mark=50)}
    assert "too_few_not_at_risk" in codes


def test_fingerprint_ignores_order_and_integer_vs_float(students):
    base = fingerprint_frame(students)
    reordered = students.sample(frac=1.0, random_state=3).loc[:, list(reversed(students.columns))]
    assert fingerprint_frame(reordered.reset_index(drop=True)) == base
    assert fingerprint_frame(students.astype({"math_score": "float64"})) == base
    changed = students.copy()
    changed.loc[changed.index[0], "math_score"] += 1
    assert fingerprint_frame(changed).sha256 != base.sha256
    assert base.rows == 400 and len(base.sha256) == 64
    with_null = students.astype({"gender": object})
    with_null.loc[with_null.index[0], "gender"] = None
    assert fingerprint_frame(with_null).sha256 != base.sha256
