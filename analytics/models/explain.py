"""SHAP explanations with exact, fast explainers per model family.

Linear models: shap.LinearExplainer on the encoded matrix. LightGBM: shap.TreeExplainer
(interventional). Both use a background sample of TRAINING rows, and one-hot columns are summed
back to the original feature. shap.Explainer on a callable is avoided on purpose: it JIT-compiles
and takes seconds per row. Build a ModelExplainer once per model version (caching is the
caller's job) and call explain() per request.

Outputs: regressors are explained in score points; classifiers in log-odds (the additive scale
of both logistic regression and LightGBM), so base_value + sum(shap) == prediction holds exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shap
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

from .estimators import estimator_output, is_tree_pipeline
from .features import (  # noqa: F401  (sample_background re-exported for callers)
    DEFAULT_BACKGROUND_SIZE,
    ESTIMATOR_STEP,
    PREPROCESSOR_STEP,
    encode_rows_fast,
    encoded_feature_sources,
    feature_frame,
    sample_background,
)
from .schema import FEATURES


def _aggregation_matrix() -> np.ndarray:
    # (encoded columns x original features) 0/1 matrix: encoded SHAP @ M = per-feature SHAP.
    sources = encoded_feature_sources()
    matrix = np.zeros((len(sources), len(FEATURES)))
    for row, source in enumerate(sources):
        matrix[row, FEATURES.index(source)] = 1.0
    return matrix


@dataclass
class Explanation:
    """One prediction explained: per-feature contributions, base value and model output."""

    contributions: pd.DataFrame  # feature, value, shap (schema order)
    base_value: float
    prediction: float
    output: str  # 'score' (regressor) or 'log_odds' (classifier)


class ModelExplainer:
    """Exact SHAP explainer for one fitted pipeline; construct once, explain many times."""

    def __init__(self, pipeline: Pipeline, background: pd.DataFrame) -> None:
        """Build the family's explainer on an encoded background sample of training rows."""
        self.pipeline = pipeline
        self.background = feature_frame(background)
        self.output = "log_odds" if is_classifier(pipeline) else "score"
        self._build()

    def _build(self) -> None:
        self._encoder = self.pipeline.named_steps[PREPROCESSOR_STEP]
        self._estimator = estimator = self.pipeline.named_steps[ESTIMATOR_STEP]
        encoded_background = self._encoder.transform(self.background)
        try:  # the fast path is used only if it reproduces the pipeline's own encoding
            self._fast_encoding = np.allclose(
                encode_rows_fast(self._encoder, self.background), encoded_background, rtol=0, atol=1e-12
            )
        except (AttributeError, KeyError, ValueError):
            self._fast_encoding = False
        if is_tree_pipeline(self.pipeline):
            self._explainer = shap.TreeExplainer(
                estimator, data=encoded_background,
                feature_perturbation="interventional", model_output="raw",
            )
        else:
            coef = np.ravel(estimator.coef_)
            intercept = float(np.ravel(estimator.intercept_)[0])
            # Independent() would silently subsample to 100 rows; keep the whole background.
            masker = shap.maskers.Independent(encoded_background, max_samples=len(encoded_background))
            self._explainer = shap.LinearExplainer((coef, intercept), masker)
        self.base_value = float(np.ravel(self._explainer.expected_value)[0])
        self._aggregate = _aggregation_matrix()

    def __getstate__(self) -> dict:
        """Pickle the pipeline and background only; the shap object is rebuilt on load."""
        return {"pipeline": self.pipeline, "background": self.background, "output": self.output}

    def __setstate__(self, state: dict) -> None:
        """Restore from pickle and rebuild the shap explainer."""
        self.__dict__.update(state)
        self._build()

    def _encode(self, df: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        if not isinstance(df, pd.DataFrame):
            df = pd.DataFrame(df) if not self._fast_encoding else df
        if self._fast_encoding:  # reads the columns directly: feature_frame() alone costs ~2 ms
            return encode_rows_fast(self._encoder, df)
        return self._encoder.transform(feature_frame(df))

    def _shap_encoded(self, encoded: np.ndarray) -> pd.DataFrame:
        if is_tree_pipeline(self.pipeline):
            values = self._explainer.shap_values(encoded, check_additivity=False)
        else:
            values = self._explainer.shap_values(encoded)
        values = np.asarray(values).reshape(encoded.shape)  # one output -> (rows, columns)
        return values @ self._aggregate

    def _output_encoded(self, encoded: np.ndarray) -> np.ndarray:
        if self.output == "log_odds":
            return np.asarray(self._estimator.decision_function(encoded), dtype=float)
        return estimator_output(self._estimator, encoded)

    def shap_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return per-feature SHAP values (rows x schema features), index kept."""
        values = self._shap_encoded(self._encode(df))
        return pd.DataFrame(values, columns=list(FEATURES), index=df.index)

    def model_output(self, df: pd.DataFrame) -> np.ndarray:
        """Return the explained output: predicted score, or log-odds for classifiers."""
        return self._output_encoded(self._encode(df))

    def explain(self, one_row: pd.DataFrame | Mapping[str, np.ndarray]) -> Explanation:
        """Explain one row (a frame, or a mapping of column -> 1-element array): contributions, base, prediction."""
        values = {name: np.asarray(one_row[name]) for name in FEATURES}
        rows = len(values[FEATURES[0]])
        if rows != 1:
            raise ValueError(f"explain() takes exactly one row, got {rows}")
        encoded = self._encode(one_row)
        contributions = pd.DataFrame(
            {
                "feature": list(FEATURES),
                "value": [values[name].tolist()[0] for name in FEATURES],
                "shap": self._shap_encoded(encoded)[0],
            }
        )
        prediction = float(self._output_encoded(encoded)[0])  # from the model: additivity is checkable
        return Explanation(contributions, self.base_value, prediction, self.output)

    def global_importance(self, df: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return mean |SHAP| per feature over df (default: the background), largest first."""
        values = self.shap_frame(self.background if df is None else df)
        importance = values.abs().mean().rename("mean_abs_shap").rename_axis("feature").reset_index()
        return importance.sort_values("mean_abs_shap", ascending=False, ignore_index=True)

    def dependence(self, feature: str, df: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return (value, shap) pairs of one feature over df (default: the background)."""
        if feature not in FEATURES:
            raise ValueError(f"unknown feature {feature!r}; expected one of {FEATURES}")
        data = feature_frame(self.background if df is None else df)
        return pd.DataFrame(
            {"value": data[feature].to_numpy(), "shap": self.shap_frame(data)[feature].to_numpy()},
            index=data.index,
        )


def global_importance(shap_values: pd.DataFrame) -> pd.DataFrame:
    """Mean |SHAP| per feature over rows: [feature, mean_abs_shap] (the global importance chart's data)."""
    return shap_values.abs().mean().rename("mean_abs_shap").rename_axis("feature").reset_index()
