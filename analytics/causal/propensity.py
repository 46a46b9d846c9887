"""Propensity score by (practically unpenalized) logistic regression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from analytics.causal.design import with_intercept

# Weak enough to leave the MLE untouched in practice, strong enough to keep the
# coefficients finite under (quasi-)separation.
INVERSE_PENALTY = 1e6
# Keeps logits and inverse weights finite when a fitted score is numerically 0 or 1.
SCORE_FLOOR = 1e-12


@dataclass(frozen=True)
class PropensityFit:
    """Fitted scores plus the design the score equations were solved on (for sandwich SEs)."""

    score: np.ndarray
    logit: np.ndarray
    design: np.ndarray


def _standardize(matrix: np.ndarray) -> np.ndarray:
    # Scaling changes neither the unpenalized fit nor the sandwich SEs, but keeps Newton
    # steps well conditioned when covariates are in dollars next to 0/1 dummies.
    if matrix.shape[1] == 0:
        return matrix
    return (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)


def fit_propensity(covariates: np.ndarray, treated: np.ndarray) -> PropensityFit:
    """Logistic regression of the treatment flag on an encoded covariate matrix."""
    scaled = _standardize(np.asarray(covariates, dtype=float))
    treated = np.asarray(treated, dtype=bool)
    if scaled.shape[1] == 0:
        score = np.full(len(treated), treated.mean())
    else:
        model = LogisticRegression(C=INVERSE_PENALTY, solver="newton-cholesky", tol=1e-10, max_iter=500)
        model.fit(scaled, treated)
        score = model.predict_proba(scaled)[:, 1]
    score = np.clip(score, SCORE_FLOOR, 1 - SCORE_FLOOR)
    return PropensityFit(score=score, logit=np.log(score / (1 - score)), design=with_intercept(scaled))
