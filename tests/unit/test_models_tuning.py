"""Optuna search and nested CV: outer scores are recomputable and differ from the inner best."""

import json

import numpy as np
import pytest
from sklearn.model_selection import RepeatedKFold

from analytics.models.estimators import make_regressor
from analytics.models.evaluation import regression_metrics
from analytics.models.features import feature_frame
from analytics.models.schema import TARGET
from analytics.models.synthetic import make_synthetic_students
from analytics.models.tuning import cross_validate_model, tune


@pytest.fixture(scope="module")
def data():
    students = make_synthetic_students(300, seed=11)
    return feature_frame(students), students[TARGET].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def nested_ridge(data):
    X, y = data
    return cross_validate_model("ridge", X, y, n_splits=3, n_repeats=2, n_trials=4, inner_splits=3, seed=2)


def test_nested_trials_table_has_budget_per_outer_fold(nested_ridge):
    trials = nested_ridge.trials
    assert list(trials.columns) == ["outer_fold", "number", "value", "params"]
    assert trials.groupby("outer_fold").size().tolist() == [4] * 6
    assert all("alpha" in json.loads(params) for params in trials["params"])


def test_outer_scores_are_refits_of_each_folds_best_params_on_unseen_rows(data, nested_ridge):
    X, y = data
    splitter = RepeatedKFold(n_splits=3, n_repeats=2, random_state=2)
    for number, (train_idx, test_idx) in enumerate(splitter.split(X)):
        fold = nested_ridge.folds.iloc[number]
        fold_trials = nested_ridge.trials[nested_ridge.trials["outer_fold"] == number]
        best = fold_trials.loc[fold_trials["value"].idxmin()]
        assert fold["params"] == best["params"]
        assert fold["inner_best_rmse"] == pytest.approx(best["value"])
        model = make_regressor("ridge", params=json.loads(fold["params"]), seed=2)
        model.fit(X.iloc[train_idx], y[train_idx])
        expected = regression_metrics(y[test_idx], model.predict(X.iloc[test_idx]))["rmse"]
        assert fold["rmse"] == pytest.approx(expected)


def test_reported_nested_score_is_not_the_tuned_on_score(nested_ridge):
    outer = nested_ridge.folds["rmse"].to_numpy()
    inner = nested_ridge.folds["inner_best_rmse"].to_numpy()
    assert not np.allclose(outer, inner)
    assert nested_ridge.summary["rmse_mean"] != pytest.approx(nested_ridge.inner_best_rmse_mean, abs=1e-6)
    assert nested_ridge.summary["rmse_sd"] > 0


def test_tune_best_is_the_minimum_trial_and_is_seeded(data):
    X, y = data
    first = tune("lightgbm", X, y, n_trials=3, inner_splits=2, seed=4)
    second = tune("lightgbm", X, y, n_trials=3, inner_splits=2, seed=4)
    assert list(first.trials.columns) == ["number", "value", "params"]
    assert first.trials["number"].tolist() == [0, 1, 2]
    assert first.best_value == pytest.approx(first.trials["value"].min())
    best_row = first.trials.loc[first.trials["value"].idxmin()]
    assert json.loads(best_row["params"]) == pytest.approx(first.best_params)
    assert first.trials.equals(second.trials)


def test_untunable_model_reports_plain_cv_without_trials(data):
    X, y = data
    result = cross_validate_model("linear", X, y, n_splits=3, n_repeats=1, n_trials=5, seed=0)
    assert result.trials.empty
    assert set(result.folds["params"]) == {"{}"} and result.folds["inner_best_rmse"].isna().all()
    assert result.summary["r2_mean"] > 0.8
