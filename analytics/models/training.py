"""train_all: every score model and at-risk classifier, evaluated and packaged for the pipeline.

One seeded held-out test split (stratified by the at-risk label) serves every model. Regressors
are scored by repeated k-fold CV on the training part (tuned ones with nested search) and once on
the test part; the shipped model is refitted on the whole training part with params tuned there,
so the test metrics describe exactly the shipped object. Everything returned is picklable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .data_checks import DataIssue, validate_training_data
from .estimators import CLASSIFIER_NAMES, REGRESSOR_NAMES, make_regressor
from .evaluation import flat_regression_metrics, prediction_frame, regression_metrics, split_train_test
from .features import DEFAULT_BACKGROUND_SIZE, feature_frame, sample_background
from .fingerprint import DataFingerprint, fingerprint_frame
from .risk import RiskEvaluation, RiskModel, at_risk_label, train_risk_model
from .schema import FEATURES, TARGET, feature_schema_dicts
from .tuning import CrossValidationResult, TuningResult, cross_validate_model, tune


class TrainingDataError(ValueError):
    """Raised by train_all when validate_training_data finds blocking issues."""

    def __init__(self, issues: list[DataIssue]) -> None:
        """Keep the issues for the caller (they are codes, not prose)."""
        super().__init__(", ".join(f"{issue.code}:{issue.field}" for issue in issues))
        self.issues = issues


@dataclass
class RegressorReport:
    """One fitted regressor with its params, CV result, final search and test predictions."""

    name: str
    model: Pipeline
    params: dict[str, Any]
    cv: CrossValidationResult
    tuning: TuningResult
    metrics: dict[str, float]  # cv_rmse_mean, cv_rmse_sd, ..., test_rmse, test_mae, test_r2
    test_predictions: pd.DataFrame  # actual, predicted, residual


@dataclass
class TrainingResult:
    """Everything the training pipeline stores: models, metrics, trials, schema, params, fingerprint."""

    regressors: dict[str, RegressorReport]
    selected_regressor: str
    classifiers: dict[str, RiskEvaluation]
    selected_classifier: str
    metrics: dict[str, dict[str, dict[str, float]]]  # {'regression'|'classification': {name: flat}}
    trials: pd.DataFrame  # model, stage, outer_fold, number, value, params
    feature_schema: list[dict[str, Any]]
    params: dict[str, Any]
    fingerprint: DataFingerprint
    background: pd.DataFrame = field(repr=False)  # training sample for ModelExplainer
    test_index: list = field(default_factory=list, repr=False)  # input index labels of the test split
    elapsed_seconds: float = 0.0

    @property
    def regressor(self) -> Pipeline:
        """Return the selected (lowest CV RMSE) fitted regressor pipeline."""
        return self.regressors[self.selected_regressor].model

    @property
    def risk_model(self) -> RiskModel:
        """Return the selected (highest validation PR-AUC) at-risk model."""
        return self.classifiers[self.selected_classifier].model

    @property
    def production_metrics(self) -> dict[str, float]:
        """Return the flat metrics of the selected regressor (input to compare_to_production)."""
        return dict(self.metrics["regression"][self.selected_regressor])


def _train_regressor(
    name: str, train: pd.DataFrame, test: pd.DataFrame, *, seed: int, n_trials: int,
    cv_splits: int, cv_repeats: int, inner_splits: int, n_jobs: int,
) -> RegressorReport:
    X_train, y_train = feature_frame(train), train[TARGET].to_numpy(dtype=float)
    cv = cross_validate_model(
        name, X_train, y_train, n_splits=cv_splits, n_repeats=cv_repeats,
        n_trials=n_trials, inner_splits=inner_splits, seed=seed, n_jobs=n_jobs,
    )
    search = tune(name, X_train, y_train, n_trials=n_trials, inner_splits=inner_splits, seed=seed)
    model = make_regressor(name, params=search.best_params, seed=seed).fit(X_train, y_train)
    predicted = model.predict(feature_frame(test))
    test_metrics = regression_metrics(test[TARGET].to_numpy(dtype=float), predicted)
    return RegressorReport(
        name=name,
        model=model,
        params=search.best_params,
        cv=cv,
        tuning=search,
        metrics=flat_regression_metrics(cv.summary, test_metrics),
        test_predictions=prediction_frame(test[TARGET].to_numpy(), predicted),
    )


def _all_trials(reports: dict[str, RegressorReport]) -> pd.DataFrame:
    frames = []
    for name, report in reports.items():
        if not report.cv.trials.empty:
            frames.append(report.cv.trials.assign(model=name, stage="nested"))
        if not report.tuning.trials.empty:
            frames.append(report.tuning.trials.assign(model=name, stage="final", outer_fold=pd.NA))
    columns = ["model", "stage", "outer_fold", "number", "value", "params"]
    if not frames:
        return pd.DataFrame(columns=columns)
    trials = pd.concat(frames, ignore_index=True).loc[:, columns]
    return trials.astype({"outer_fold": "Int64", "number": "int64", "value": "float64"})


def _risk_metrics(evaluation: RiskEvaluation) -> dict[str, float]:
    flat = {f"validation_{key}": value for key, value in evaluation.validation.items()}
    flat.update({f"test_{key}": value for key, value in evaluation.test.items()})
    return flat


def train_all(
    df: pd.DataFrame,
    *,
    seed: int = 0,
    n_trials: int = 20,
    pass_mark: float = 50,
    test_size: float = 0.2,
    cv_splits: int = 5,
    cv_repeats: int = 2,
    inner_splits: int = 3,
    min_recall: float = 0.8,
    regressors: tuple[str, ...] = REGRESSOR_NAMES,
    classifiers: tuple[str, ...] = CLASSIFIER_NAMES,
    background_size: int = DEFAULT_BACKGROUND_SIZE,
    min_rows: int = 100,
    n_jobs: int = 1,
) -> TrainingResult:
    """Validate, split, tune, cross-validate and fit every regressor and risk classifier."""
    started = time.perf_counter()
    issues = validate_training_data(df, min_rows=min_rows, pass_mark=pass_mark)
    if issues:
        raise TrainingDataError(issues)
    data = df.loc[:, [*FEATURES, TARGET]]
    train, test = split_train_test(
        data, seed=seed, test_size=test_size, stratify=pd.Series(at_risk_label(data[TARGET], pass_mark))
    )
    reports = {
        name: _train_regressor(
            name, train, test, seed=seed, n_trials=n_trials, cv_splits=cv_splits,
            cv_repeats=cv_repeats, inner_splits=inner_splits, n_jobs=n_jobs,
        )
        for name in regressors
    }
    risk = {
        name: train_risk_model(name, train, test, pass_mark=pass_mark, min_recall=min_recall, seed=seed)
        for name in classifiers
    }
    selected_regressor = min(reports, key=lambda name: reports[name].metrics["cv_rmse_mean"])
    # Chosen on validation (out-of-fold) PR-AUC, never on the test split.
    selected_classifier = max(risk, key=lambda name: np.nan_to_num(risk[name].validation["pr_auc"]))
    params = {
        "seed": seed, "n_trials": n_trials, "pass_mark": pass_mark, "test_size": test_size,
        "cv_splits": cv_splits, "cv_repeats": cv_repeats, "inner_splits": inner_splits,
        "min_recall": min_recall, "background_size": background_size,
        "train_rows": len(train), "test_rows": len(test),
        "best_params": {name: report.params for name, report in reports.items()},
        "thresholds": {name: evaluation.model.threshold for name, evaluation in risk.items()},
    }
    return TrainingResult(
        regressors=reports,
        selected_regressor=selected_regressor,
        classifiers=risk,
        selected_classifier=selected_classifier,
        metrics={
            "regression": {name: report.metrics for name, report in reports.items()},
            "classification": {name: _risk_metrics(evaluation) for name, evaluation in risk.items()},
        },
        trials=_all_trials(reports),
        feature_schema=feature_schema_dicts(),
        params=params,
        fingerprint=fingerprint_frame(data),
        background=sample_background(train, size=background_size, seed=seed),
        test_index=test.index.tolist(),
        elapsed_seconds=time.perf_counter() - started,
    )
