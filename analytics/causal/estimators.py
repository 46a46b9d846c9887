"""Effect estimators on arrays: difference in means, regression adjustment, IPW and AIPW.

Every estimator returns rows of the tidy effect table (see `TABLE_COLUMNS`). Standard errors are
analytic: Welch for the difference, HC3 for regression, a stacked M-estimation sandwich that
accounts for the estimated propensity score for IPW, and the efficient influence function for AIPW.
Given clusters, the same influence functions are summed within clusters (CR1); fixed effects enter
as demeaning (regression, difference) or dummies (propensity and AIPW outcome models, by the caller).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analytics.causal.clusters import Grouping, influence_se, subset
from analytics.causal.design import with_intercept
from analytics.causal.propensity import PropensityFit
from analytics.causal.regression import least_squares, ols_treatment_coefficient

TABLE_COLUMNS = ["method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n"]
CONFIDENCE = 0.95
Z_CRITICAL = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))


def effect_row(method: str, estimand: str, estimate: float, se: float, n: int) -> dict:
    """One table row with a normal-approximation CI and two-sided p-value."""
    z = Z_CRITICAL
    p_value = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    return {
        "method": method, "estimand": estimand, "estimate": float(estimate), "se": float(se),
        "ci_low": float(estimate - z * se), "ci_high": float(estimate + z * se),
        "p_value": p_value, "n": int(n),
    }


def empty_row(method: str, estimand: str, n: int = 0) -> dict:
    """A row for an estimate that could not be computed (all numbers NaN)."""
    nan = float("nan")
    return {"method": method, "estimand": estimand, "estimate": nan, "se": nan, "ci_low": nan,
            "ci_high": nan, "p_value": nan, "n": int(n)}


def difference_in_means(outcome: np.ndarray, treated: np.ndarray, *, fixed_effects: Grouping | None = None,
                        clusters: Grouping | None = None, with_se: bool = True) -> list[dict]:
    """Naive treated-minus-control mean difference with Welch's t-test (within groups / clustered: OLS)."""
    if fixed_effects is not None or clusters is not None or not with_se:
        estimate, se = ols_treatment_coefficient(outcome, treated, np.empty((len(outcome), 0)),
                                                 fixed_effects=fixed_effects, clusters=clusters, with_se=with_se)
        return [effect_row("difference_in_means", "ATE", estimate, se, len(outcome))]
    treated_y, control_y = outcome[treated], outcome[~treated]
    test = stats.ttest_ind(treated_y, control_y, equal_var=False)
    interval = test.confidence_interval(CONFIDENCE)
    estimate = treated_y.mean() - control_y.mean()
    se = np.sqrt(treated_y.var(ddof=1) / len(treated_y) + control_y.var(ddof=1) / len(control_y))
    return [{
        "method": "difference_in_means", "estimand": "ATE", "estimate": float(estimate),
        "se": float(se), "ci_low": float(interval.low), "ci_high": float(interval.high),
        "p_value": float(test.pvalue), "n": len(outcome),
    }]


def regression_adjustment(outcome: np.ndarray, treated: np.ndarray, covariates: np.ndarray, *,
                          fixed_effects: Grouping | None = None, clusters: Grouping | None = None,
                          with_se: bool = True) -> list[dict]:
    """OLS of outcome on treatment and covariates (and fixed effects); the treatment coefficient."""
    estimate, se = ols_treatment_coefficient(outcome, treated, covariates, fixed_effects=fixed_effects,
                                             clusters=clusters, with_se=with_se)
    return [effect_row("regression_adjustment", "ATE", estimate, se, len(outcome))]


def trim_mask(score: np.ndarray, trim: tuple[float, float] | None) -> np.ndarray:
    """Units kept after dropping propensity scores outside [low, high] (all kept if None)."""
    if trim is None:
        return np.ones(len(score), dtype=bool)
    low, high = trim
    return (score >= low) & (score <= high)


def ipw_weights(score: np.ndarray, treated: np.ndarray, estimand: str) -> np.ndarray:
    """Stabilized inverse-probability weights for the ATE or the ATT."""
    share_treated = treated.mean()
    if estimand == "ATE":
        return np.where(treated, share_treated / score, (1 - share_treated) / (1 - score))
    # ATT: controls are reweighted to the treated covariate mix; scaling by n0/n1 keeps
    # the control weights summing to about the number of controls.
    odds = score / (1 - score)
    return np.where(treated, 1.0, odds * (1 - share_treated) / share_treated)


def _score_influence(fit: PropensityFit, treated: np.ndarray) -> np.ndarray:
    """Per-unit influence of the logistic coefficients (n x p), from the score equations."""
    design, score = fit.design, fit.score
    information = (design * (score * (1 - score))[:, None]).T @ design / len(score)
    return (design * (treated - score)[:, None]) @ np.linalg.pinv(information)


def _hajek_influence(outcome, unit_weight, weight_gradient, fit, coef_influence):
    """Weighted (Hajek) mean and its influence function, corrected for the estimated score.

    `unit_weight` is zero outside the arm (and for trimmed units); `weight_gradient` is its
    derivative with respect to the logistic linear predictor.
    """
    mean = np.sum(unit_weight * outcome) / np.sum(unit_weight)
    if coef_influence is None:   # point estimate only (bootstrap replicates)
        return mean, np.zeros(len(outcome))
    residual = outcome - mean
    jacobian = (weight_gradient * residual) @ fit.design / len(outcome)
    influence = (unit_weight * residual + coef_influence @ jacobian) / np.mean(unit_weight)
    return mean, influence


def ipw(outcome: np.ndarray, treated: np.ndarray, fit: PropensityFit, *,
        trim: tuple[float, float] | None = None, clusters: Grouping | None = None, with_se: bool = True) -> list[dict]:
    """Inverse-probability-weighted ATE and ATT (normalized weights, sandwich SE unless not with_se)."""
    kept = trim_mask(fit.score, trim).astype(float)
    score, is_treated, is_control = fit.score, treated.astype(float), (~treated).astype(float)
    if not (kept * is_treated).any() or not (kept * is_control).any():
        return [empty_row("ipw", "ATE"), empty_row("ipw", "ATT")]
    coef_influence = _score_influence(fit, treated) if with_se else None
    n_total, n_kept = len(outcome), int(kept.sum())
    # d(1/e)/d(eta) = -(1-e)/e, d(1/(1-e))/d(eta) = e/(1-e), d(e/(1-e))/d(eta) = e/(1-e).
    odds = score / (1 - score)
    ate_treated = _hajek_influence(outcome, kept * is_treated / score,
                                   -kept * is_treated / odds, fit, coef_influence)
    ate_control = _hajek_influence(outcome, kept * is_control / (1 - score),
                                   kept * is_control * odds, fit, coef_influence)
    att_treated = _hajek_influence(outcome, kept * is_treated, np.zeros(n_total), fit, coef_influence)
    att_control = _hajek_influence(outcome, kept * is_control * odds,
                                   kept * is_control * odds, fit, coef_influence)
    rows = []
    for estimand, (mean1, infl1), (mean0, infl0) in (("ATE", ate_treated, ate_control),
                                                     ("ATT", att_treated, att_control)):
        se = influence_se(infl1 - infl0, clusters) if with_se else float("nan")
        rows.append(effect_row("ipw", estimand, mean1 - mean0, se, n_kept))
    return rows


def _arm_predictions(outcome, covariates, fit_rows) -> np.ndarray:
    """Least-squares outcome model fitted on `fit_rows`, predicted for every unit."""
    design = with_intercept(covariates)
    return design @ least_squares(design[fit_rows], outcome[fit_rows])


def aipw(outcome: np.ndarray, treated: np.ndarray, covariates: np.ndarray, fit: PropensityFit, *,
         trim: tuple[float, float] | None = None, clusters: Grouping | None = None) -> list[dict]:
    """Doubly robust (augmented IPW) ATE and ATT with linear outcome models, influence-function SE."""
    kept = trim_mask(fit.score, trim)
    y, t, x, score = outcome[kept], treated[kept], covariates[kept], fit.score[kept]
    if not t.any() or t.all():
        return [empty_row("aipw", "ATE"), empty_row("aipw", "ATT")]
    predicted_treated = _arm_predictions(y, x, t)
    predicted_control = _arm_predictions(y, x, ~t)
    t_float = t.astype(float)
    ate_terms = (predicted_treated - predicted_control
                 + t_float * (y - predicted_treated) / score
                 - (1 - t_float) * (y - predicted_control) / (1 - score))
    ate = ate_terms.mean()
    share_treated = t_float.mean()
    odds = score / (1 - score)
    control_residual = y - predicted_control
    att_terms = (t_float * control_residual - (1 - t_float) * odds * control_residual) / share_treated
    att = att_terms.mean()
    # The ATT influence subtracts the estimate only from treated units (it is a ratio to P(T=1)).
    att_influence = att_terms - t_float * att / share_treated
    n, kept_clusters = len(y), subset(clusters, np.flatnonzero(kept))
    return [
        effect_row("aipw", "ATE", ate, influence_se(ate_terms - ate, kept_clusters), n),
        effect_row("aipw", "ATT", att, influence_se(att_influence, kept_clusters), n),
    ]
