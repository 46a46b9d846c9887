"""Hyperparameter search (optuna TPE, fixed trial budget) and nested cross-validation.

The reported CV score of a tuned model comes from OUTER folds the search never saw: each outer
training part runs its own inner search, the winner is refitted on that part and scored on the
outer test part. The inner best scores are kept only to show how optimistic they are.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import KFold, RepeatedKFold

from .estimators import make_regressor
from .evaluation import regression_metrics, summarize_folds
from .features import ESTIMATOR_STEP, PREPROCESSOR_STEP

TRIAL_COLUMNS = ("number", "value", "params")


def _suggest_ridge(trial: optuna.Trial) -> dict[str, Any]:
    return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}


def _suggest_lightgbm(trial: optuna.Trial) -> dict[str, Any]:
    # Bounds keep one fit well under 0.1 s on ~1,000 rows, so 20 trials stay affordable.
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 400, step=25),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 32, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 5, 60),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
    }


SEARCH_SPACES = {"ridge": _suggest_ridge, "lightgbm": _suggest_lightgbm}


@dataclass
class TuningResult:
    """Outcome of one search: best params, best inner-CV RMSE and every trial."""

    best_params: dict[str, Any]
    best_value: float
    trials: pd.DataFrame  # number, value (inner-CV RMSE), params (JSON text)


@dataclass
class CrossValidationResult:
    """Outer-fold scores of one model, with per-fold inner search results when tuned."""

    model_name: str
    folds: pd.DataFrame  # repeat, fold, rmse, mae, r2, inner_best_rmse, params
    trials: pd.DataFrame  # outer_fold, number, value, params
    summary: dict[str, float]  # rmse_mean, rmse_sd, mae_mean, ...

    @property
    def inner_best_rmse_mean(self) -> float:
        """Mean over outer folds of the inner search's best RMSE (NaN for untuned models)."""
        return float(self.folds["inner_best_rmse"].mean())


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    # optuna logs one INFO line per trial; restore the caller's level afterwards.
    logger = logging.getLogger("optuna")
    previous = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


EncodedFold = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _encoded_folds(name: str, X: pd.DataFrame, y: np.ndarray, splits: int, seed: int) -> list[EncodedFold]:
    # The encoder does not depend on hyperparameters, so each inner fold is encoded once and
    # reused by every trial: same numbers as fitting the whole pipeline, without ~10 ms per fit.
    folds = []
    for train_idx, valid_idx in KFold(splits, shuffle=True, random_state=seed).split(X):
        encoder = make_regressor(name).named_steps[PREPROCESSOR_STEP].fit(X.iloc[train_idx])
        folds.append(
            (encoder.transform(X.iloc[train_idx]), y[train_idx],
             encoder.transform(X.iloc[valid_idx]), y[valid_idx])
        )
    return folds


def _folds_rmse(name: str, params: dict, folds: list[EncodedFold], seed: int) -> float:
    scores = []
    for X_train, y_train, X_valid, y_valid in folds:
        estimator = make_regressor(name, params=params, seed=seed).named_steps[ESTIMATOR_STEP]
        estimator.fit(X_train, y_train)
        scores.append(regression_metrics(y_valid, estimator.predict(X_valid))["rmse"])
    return float(np.mean(scores))


def trials_frame(study: optuna.Study) -> pd.DataFrame:
    """Return a study's completed trials as (number, value, params as sorted JSON)."""
    rows = [
        {"number": t.number, "value": float(t.value), "params": json.dumps(t.params, sort_keys=True)}
        for t in study.trials
        if t.value is not None
    ]
    return pd.DataFrame(rows, columns=list(TRIAL_COLUMNS))


def tune(
    name: str, X: pd.DataFrame, y: np.ndarray, *, n_trials: int = 20, inner_splits: int = 3, seed: int = 0
) -> TuningResult:
    """Search a model's hyperparameters by inner-CV RMSE; models without a space get {} and no trials."""
    suggest = SEARCH_SPACES.get(name)
    if suggest is None:
        return TuningResult({}, float("nan"), pd.DataFrame(columns=list(TRIAL_COLUMNS)))
    folds = _encoded_folds(name, X, np.asarray(y, dtype=float), inner_splits, seed)

    def objective(trial: optuna.Trial) -> float:
        return _folds_rmse(name, suggest(trial), folds, seed)

    with _quiet_optuna():
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=n_trials)
    return TuningResult(dict(study.best_params), float(study.best_value), trials_frame(study))


def _score_outer_fold(
    name: str, X: pd.DataFrame, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray,
    fold_number: int, n_splits: int, n_trials: int, inner_splits: int, seed: int,
) -> tuple[dict, pd.DataFrame]:
    X_train, y_train = X.iloc[train_idx], y[train_idx]
    search = tune(name, X_train, y_train, n_trials=n_trials, inner_splits=inner_splits, seed=seed)
    model = make_regressor(name, params=search.best_params, seed=seed).fit(X_train, y_train)
    scores = regression_metrics(y[test_idx], model.predict(X.iloc[test_idx]))
    fold = {
        "repeat": fold_number // n_splits,
        "fold": fold_number % n_splits,
        **scores,
        "inner_best_rmse": search.best_value,
        "params": json.dumps(search.best_params, sort_keys=True),
    }
    trials = search.trials.assign(outer_fold=fold_number)
    return fold, trials


def cross_validate_model(
    name: str,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    n_splits: int = 5,
    n_repeats: int = 2,
    n_trials: int = 20,
    inner_splits: int = 3,
    seed: int = 0,
    n_jobs: int = 1,
) -> CrossValidationResult:
    """Repeated k-fold CV of a regressor; tunable models are tuned inside each outer fold (nested)."""
    y = np.asarray(y, dtype=float)
    splitter = RepeatedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=seed)
    jobs = (
        delayed(_score_outer_fold)(
            name, X, y, train_idx, test_idx, number, n_splits, n_trials, inner_splits, seed
        )
        for number, (train_idx, test_idx) in enumerate(splitter.split(X))
    )
    outcomes = Parallel(n_jobs=n_jobs)(jobs)
    folds = pd.DataFrame([fold for fold, _ in outcomes])
    trial_frames = [trials for _, trials in outcomes if not trials.empty]
    trials = (
        pd.concat(trial_frames, ignore_index=True)
        if trial_frames
        else pd.DataFrame(columns=["outer_fold", *TRIAL_COLUMNS])
    )
    trials = trials.loc[:, ["outer_fold", *TRIAL_COLUMNS]]
    return CrossValidationResult(name, folds, trials, summarize_folds(folds))
