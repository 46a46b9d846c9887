"""Known-answer tests for the array-level estimators: scipy/statsmodels references and hand formulas."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from analytics.causal import estimate_effects, fit_propensity, ipw_weights, simulate_confounded
from analytics.causal.design import build_design
from analytics.causal.estimators import aipw, difference_in_means, ipw

COVARIATES = ["x1", "x2", "group"]


@pytest.fixture(scope="module")
def data():
    """Planted-truth sample, small enough for exact reference computations."""
    return simulate_confounded(3000, seed=11)


def _row(table, method, estimand):
    return table[(table["method"] == method) & (table["estimand"] == estimand)].iloc[0]


def _arrays(df):
    treated = df["treat"].to_numpy() == 1
    x = build_design(df, COVARIATES).matrix
    return df["y"].to_numpy(), treated, x, fit_propensity(x, treated)


def test_table_has_exact_columns_and_methods(data):
    table = estimate_effects(data, "treat", "y", COVARIATES).table
    assert list(table.columns) == ["method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n",
                                   "se_type", "reliable", "reason"]
    assert set(table["method"]) == {"difference_in_means", "psm", "ipw", "regression_adjustment", "aipw"}
    assert set(table["estimand"]) <= {"ATE", "ATT"}


def test_difference_in_means_matches_scipy_welch(data):
    treated_y, control_y = data.loc[data.treat == 1, "y"], data.loc[data.treat == 0, "y"]
    reference = stats.ttest_ind(treated_y, control_y, equal_var=False)
    row = _row(estimate_effects(data, "treat", "y", COVARIATES, methods=["difference_in_means"]).table,
               "difference_in_means", "ATE")
    assert row.estimate == pytest.approx(treated_y.mean() - control_y.mean(), abs=1e-12)
    assert row.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (row.ci_low, row.ci_high) == pytest.approx(tuple(reference.confidence_interval(0.95)), rel=1e-10)
    assert row.se == pytest.approx(np.sqrt(treated_y.var() / len(treated_y) + control_y.var() / len(control_y)))


def test_regression_adjustment_equals_statsmodels_formula_hc3(data):
    reference = smf.ols("y ~ treat + x1 + x2 + C(group)", data=data).fit(cov_type="HC3")
    row = _row(estimate_effects(data, "treat", "y", COVARIATES, methods=["regression_adjustment"]).table,
               "regression_adjustment", "ATE")
    assert row.estimate == pytest.approx(reference.params["treat"], abs=1e-8)
    assert row.se == pytest.approx(reference.bse["treat"], abs=1e-8)
    assert row.p_value == pytest.approx(reference.pvalues["treat"], abs=1e-8)
    assert (row.ci_low, row.ci_high) == pytest.approx(tuple(reference.conf_int().loc["treat"]), abs=1e-8)


def test_propensity_matches_statsmodels_logit(data):
    _, treated, x, fit = _arrays(data)
    reference = sm.Logit(treated.astype(float), sm.add_constant(x)).fit(disp=0)
    np.testing.assert_allclose(fit.score, reference.predict(), atol=1e-6)


def test_ipw_equals_direct_weighted_means(data):
    y, treated, _, fit = _arrays(data)
    e = fit.score
    ate = (np.sum(treated * y / e) / np.sum(treated / e)
           - np.sum(~treated * y / (1 - e)) / np.sum(~treated / (1 - e)))
    att = y[treated].mean() - np.sum(~treated * y * e / (1 - e)) / np.sum(~treated * e / (1 - e))
    rows = {row["estimand"]: row for row in ipw(y, treated, fit)}
    assert rows["ATE"]["estimate"] == pytest.approx(ate, abs=1e-10)
    assert rows["ATT"]["estimate"] == pytest.approx(att, abs=1e-10)
    # Stabilized weights give the same normalized means and average about 1 per arm.
    weights = ipw_weights(e, treated, "ATE")
    assert np.average(y[treated], weights=weights[treated]) - np.average(
        y[~treated], weights=weights[~treated]) == pytest.approx(ate, abs=1e-10)
    assert weights[treated].mean() == pytest.approx(1, abs=0.1)


def _stacked_sandwich_se(y, treated, fit, estimand, kept):
    """Reference SE: sandwich of the stacked (logistic score, weighted means) equations, numerical Jacobian."""
    design = fit.design
    beta, *_ = np.linalg.lstsq(design, fit.logit, rcond=None)
    t = treated.astype(float)

    def equations(theta):
        """Per-unit stacked estimating equations (n x (p + 2))."""
        coef, mean1, mean0 = theta[:-2], theta[-2], theta[-1]
        e = 1 / (1 + np.exp(-design @ coef))
        w1 = t / e if estimand == "ATE" else t
        w0 = (1 - t) / (1 - e) if estimand == "ATE" else (1 - t) * e / (1 - e)
        return np.column_stack([design * (t - e)[:, None], kept * w1 * (y - mean1), kept * w0 * (y - mean0)])

    w1 = t / fit.score if estimand == "ATE" else t
    w0 = (1 - t) / (1 - fit.score) if estimand == "ATE" else (1 - t) * fit.score / (1 - fit.score)
    theta = np.concatenate([beta, [np.sum(kept * w1 * y) / np.sum(kept * w1),
                                   np.sum(kept * w0 * y) / np.sum(kept * w0)]])
    step = 1e-6
    jacobian = np.column_stack([
        (equations(theta + step * unit).mean(axis=0) - equations(theta - step * unit).mean(axis=0)) / (2 * step)
        for unit in np.eye(len(theta))])
    psi = equations(theta)
    bread = np.linalg.inv(jacobian)
    covariance = bread @ (psi.T @ psi / len(y)) @ bread.T / len(y)
    contrast = np.zeros(len(theta))
    contrast[-2:] = [1, -1]
    return np.sqrt(contrast @ covariance @ contrast)


@pytest.mark.parametrize("trim", [None, (0.1, 0.9)])
def test_ipw_se_equals_stacked_sandwich_with_numerical_jacobian(data, trim):
    y, treated, _, fit = _arrays(data)
    kept = np.ones(len(y)) if trim is None else ((fit.score >= trim[0]) & (fit.score <= trim[1])).astype(float)
    rows = {row["estimand"]: row for row in ipw(y, treated, fit, trim=trim)}
    for estimand in ("ATE", "ATT"):
        assert rows[estimand]["se"] == pytest.approx(_stacked_sandwich_se(y, treated, fit, estimand, kept), rel=1e-4)
    if trim is not None:
        assert rows["ATE"]["n"] == int(kept.sum()) < len(y)


def test_without_covariates_weighting_estimators_reduce_to_difference_in_means(data):
    y, treated = data["y"].to_numpy(), data["treat"].to_numpy() == 1
    no_covariates = np.empty((len(y), 0))
    fit = fit_propensity(no_covariates, treated)
    naive = difference_in_means(y, treated)[0]["estimate"]
    # Known answer: the influence-function variance is the Welch variance with ddof = 0.
    plain_se = np.sqrt(y[treated].var() / treated.sum() + y[~treated].var() / (~treated).sum())
    for row in [*ipw(y, treated, fit), *aipw(y, treated, no_covariates, fit)]:
        assert row["estimate"] == pytest.approx(naive, abs=1e-10)
        if row["estimand"] == "ATE":
            assert row["se"] == pytest.approx(plain_se, rel=1e-10)


def test_aipw_is_unbiased_when_only_the_outcome_model_is_right():
    # Double robustness: the propensity model misses the confounder's square and cube, the outcome
    # model is linear and correct, so AIPW stays on target while IPW is clearly biased.
    rng = np.random.default_rng(5)
    n = 40_000
    x = rng.standard_normal(n)
    treated = rng.random(n) < 1 / (1 + np.exp(-(0.5 + x - x**2 + 0.5 * x**3)))
    y = 3.0 * treated + 2.0 * x + rng.standard_normal(n)
    frame = pd.DataFrame({"treat": treated.astype(int), "x": x, "y": y})
    table = estimate_effects(frame, "treat", "y", ["x"], methods=["ipw", "aipw"]).table
    aipw_row = _row(table, "aipw", "ATE")
    assert abs(aipw_row.estimate - 3.0) < 3 * aipw_row.se
    ipw_row = _row(table, "ipw", "ATE")
    assert abs(ipw_row.estimate - 3.0) > 5 * ipw_row.se
