"""Serving: one object that predicts score, risk probability and risk level for any number of rows.

The UI, the API and batch scoring all call ServingModels.predict, so one input gives one answer
everywhere. Rows are encoded once per model family with encode_rows_fast (checked against the
pipeline's own ColumnTransformer on the training background when built) and handed to the fitted
estimators as numpy arrays: a single row takes well under a millisecond to encode, a million rows
with categorical columns a fraction of a second. SHAP explainers are built lazily, once per
algorithm, and kept on the object, so callers cache one ServingModels per model version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from .estimators import estimator_output
from .features import ESTIMATOR_STEP, PREPROCESSOR_STEP, encode_rows_fast, feature_frame
from .risk import RiskModel, risk_levels

if TYPE_CHECKING:  # explain imports shap (~2 s); only explain() needs it
    from .explain import Explanation, ModelExplainer

PREDICTION_COLUMNS = ("predicted_math", "risk_probability", "risk_level")


def _check_fast_encoding(pipeline: Pipeline, background: pd.DataFrame) -> None:
    encoder = pipeline.named_steps[PREPROCESSOR_STEP]
    expected = encoder.transform(feature_frame(background))
    if not np.allclose(encode_rows_fast(encoder, background), expected, rtol=0, atol=1e-12):
        raise ValueError("fast encoding differs from the pipeline's encoder; refusing to serve")


def _estimator_input(pipeline: Pipeline, frame: pd.DataFrame) -> tuple[object, np.ndarray]:
    return pipeline.named_steps[ESTIMATOR_STEP], encode_rows_fast(pipeline.named_steps[PREPROCESSOR_STEP], frame)


def _check_fast_output(pipeline: Pipeline, background: pd.DataFrame) -> None:
    estimator, encoded = _estimator_input(pipeline, background)
    expected = estimator.predict_proba(encoded)[:, 1] if hasattr(estimator, "predict_proba") \
        else estimator.predict(encoded)
    if not np.allclose(estimator_output(estimator, encoded), expected, rtol=1e-9, atol=1e-9):
        raise ValueError("direct prediction differs from the estimator's own; refusing to serve")


@dataclass
class ServingModels:
    """The production regressors (one per algorithm) and risk model of one model version."""

    regressors: dict[str, Pipeline]
    default_algorithm: str
    risk: RiskModel
    background: pd.DataFrame = field(repr=False)  # training rows: SHAP baseline and encoding check
    _explainers: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """Verify once that the fast encoding matches every pipeline's encoder."""
        if self.default_algorithm not in self.regressors:
            raise ValueError(f"default algorithm {self.default_algorithm!r} has no fitted regressor")
        for pipeline in (*self.regressors.values(), self.risk.pipeline):
            _check_fast_encoding(pipeline, self.background)
            _check_fast_output(pipeline, self.background)

    @property
    def algorithms(self) -> tuple[str, ...]:
        """Names of the fitted score regressors."""
        return tuple(self.regressors)

    def resolve(self, algorithm: str | None) -> str:
        """Return the algorithm to use (None = the selected default); ValueError if unknown."""
        name = algorithm or self.default_algorithm
        if name not in self.regressors:
            raise ValueError(f"unknown algorithm {name!r}; expected one of {self.algorithms}")
        return name

    def predict_scores(self, frame: pd.DataFrame, algorithm: str | None = None) -> np.ndarray:
        """Predicted math score per row."""
        return estimator_output(*_estimator_input(self.regressors[self.resolve(algorithm)], frame))

    def predict_risk(self, frame: pd.DataFrame) -> np.ndarray:
        """P(math score < pass mark) per row."""
        return estimator_output(*_estimator_input(self.risk.pipeline, frame))

    def predict_arrays(self, frame: pd.DataFrame, algorithm: str | None = None) -> tuple[np.ndarray, ...]:
        """Return (predicted score, risk probability, risk level) arrays, one entry per row."""
        probability = self.predict_risk(frame)
        return self.predict_scores(frame, algorithm), probability, risk_levels(probability, self.risk.threshold)

    def predict(self, frame: pd.DataFrame, algorithm: str | None = None) -> pd.DataFrame:
        """Return predicted_math, risk_probability and risk_level per row (index kept)."""
        return pd.DataFrame(dict(zip(PREDICTION_COLUMNS, self.predict_arrays(frame, algorithm))), index=frame.index)

    def explainer(self, algorithm: str | None = None) -> ModelExplainer:
        """The SHAP explainer of one regressor, built on first use and kept."""
        from .explain import ModelExplainer

        name = self.resolve(algorithm)
        if name not in self._explainers:
            self._explainers[name] = ModelExplainer(self.regressors[name], self.background)
        return self._explainers[name]

    def explain(self, one_row, algorithm: str | None = None) -> Explanation:
        """SHAP contributions (score points) of one row's predicted score."""
        return self.explainer(algorithm).explain(one_row)


def serving_from_bundles(regression: dict, risk: dict) -> ServingModels:
    """Build ServingModels from the two artifact bundles pipelines/train.py writes.

    regression bundle: regressors {name: Pipeline}, selected (default name), background (training rows);
    risk bundle: model (RiskModel).
    """
    return ServingModels(regressors=dict(regression["regressors"]), default_algorithm=regression["selected"],
                         risk=risk["model"], background=regression["background"])
