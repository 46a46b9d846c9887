"""One pass of every requested estimator over arrays: shared by the table, the bootstrap and the placebo."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.causal.clusters import Grouping, dummies, subset
from analytics.causal.estimators import aipw, difference_in_means, ipw, regression_adjustment
from analytics.causal.matching import MatchResult, psm_att
from analytics.causal.propensity import PropensityFit, fit_propensity


@dataclass(frozen=True)
class Problem:
    """Outcome, treated flag and encoded covariates, with optional fixed-effect and cluster groupings."""

    y: np.ndarray
    treated: np.ndarray
    x: np.ndarray
    fixed_effects: Grouping | None = None
    clusters: Grouping | None = None

    def rows(self, rows: np.ndarray) -> Problem:
        """The problem restricted to (or resampled at) these row positions."""
        return Problem(self.y[rows], self.treated[rows], self.x[rows], subset(self.fixed_effects, rows),
                       subset(self.clusters, rows))

    def with_treatment(self, treated: np.ndarray) -> Problem:
        """The same data with another treatment vector (placebo permutations)."""
        return Problem(self.y, treated, self.x, self.fixed_effects, self.clusters)

    def model_covariates(self) -> np.ndarray:
        """Covariates of the propensity and AIPW outcome models: the fixed effects enter as dummies."""
        if self.fixed_effects is None:
            return self.x
        return np.column_stack([self.x, dummies(self.fixed_effects)])


@dataclass
class Pass:
    """Rows of one pass plus the fitted propensity and the PSM result (if PSM ran)."""

    rows: list[dict]
    fit: PropensityFit
    match: MatchResult | None


def run_methods(problem: Problem, methods: list[str], *, psm_k: int = 1, caliper: float | None = 0.2,
                replace: bool = True, trim: tuple[float, float] | None = None, with_se: bool = True) -> Pass:
    """Rows of the effect table in the requested order (SEs clustered when the problem has clusters).

    with_se=False gives the point estimates alone (SEs NaN): bootstrap replicates and placebo runs."""
    p = problem
    covariates = p.model_covariates()
    fit = fit_propensity(covariates, p.treated)
    rows: list[dict] = []
    match = None
    for method in methods:
        if method == "difference_in_means":
            rows += difference_in_means(p.y, p.treated, fixed_effects=p.fixed_effects, clusters=p.clusters,
                                        with_se=with_se)
        elif method == "regression_adjustment":
            rows += regression_adjustment(p.y, p.treated, p.x, fixed_effects=p.fixed_effects, clusters=p.clusters,
                                          with_se=with_se)
        elif method == "ipw":
            rows += ipw(p.y, p.treated, fit, trim=trim, clusters=p.clusters, with_se=with_se)
        elif method == "aipw":
            rows += aipw(p.y, p.treated, covariates, fit, trim=trim, clusters=p.clusters)
        else:
            strata = None if p.fixed_effects is None else p.fixed_effects.codes
            match = psm_att(p.y, p.treated, fit.logit, k=psm_k, caliper=caliper, replace=replace, strata=strata,
                            with_se=with_se)
            rows.append(match.row)
    return Pass(rows, fit, match)


def point_estimates(problem: Problem, methods: list[str], **options) -> dict[tuple[str, str], float]:
    """{(method, estimand): estimate} of one pass (bootstrap replicates, placebo permutations)."""
    rows = run_methods(problem, methods, with_se=False, **options).rows
    return {(row["method"], row["estimand"]): row["estimate"] for row in rows}
