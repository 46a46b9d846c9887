"""Sensitivity and honesty checks: E-values, placebo and random-common-cause refutations, and a
per-assumption status report with the numbers behind it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.causal.clusters import Grouping
from analytics.causal.effects import (
    ESS_SHARE_THRESHOLD,
    EXTREME_SCORE,
    SMD_THRESHOLD,
    SUPPORT_SHARE_THRESHOLD,
    EffectResult,
    estimate_effects,
    has_extreme_weights,
    problem_of,
    to_jsonable,
)
from analytics.causal.fitting import Problem, point_estimates

# VanderWeele & Ding (2017): a standardized mean difference d maps to RR ~ exp(0.91 d).
SMD_TO_LOG_RR = 0.91
PRIMARY_ORDER = (("aipw", "ATE"), ("ipw", "ATE"), ("regression_adjustment", "ATE"), ("psm", "ATT"),
                 ("difference_in_means", "ATE"))
ADJUSTED_METHODS = ("psm", "ipw", "regression_adjustment", "aipw")
RANDOM_CAUSE_TOLERANCE_SE = 0.5
SPREAD_THRESHOLD_SE = 2.0
RANDOM_CAUSE_COLUMN = "_random_common_cause"
PLACEBO_PERMUTATIONS = 20
# The placebo passes while the mean placebo estimate is within this many Monte Carlo SEs of zero.
PLACEBO_TOLERANCE_MC_SE = 3.0


def e_value_from_risk_ratio(risk_ratio: float) -> float:
    """E-value of a risk ratio: RR + sqrt(RR (RR - 1)), after flipping protective ratios above 1."""
    ratio = risk_ratio if risk_ratio >= 1 else 1 / risk_ratio
    return float(ratio + math.sqrt(ratio * (ratio - 1)))


def e_value(estimate: float, ci_low: float, ci_high: float, outcome_sd: float) -> dict:
    """E-values of a mean difference (via d = estimate / SD) and of its CI bound nearest the null."""
    d = estimate / outcome_sd
    risk_ratio = math.exp(SMD_TO_LOG_RR * d)
    bounds = [math.exp(SMD_TO_LOG_RR * bound / outcome_sd) for bound in (ci_low, ci_high)]
    nearest = bounds[0] if risk_ratio >= 1 else bounds[1]
    crosses_null = bounds[0] <= 1 <= bounds[1]
    return {"d": d, "risk_ratio": risk_ratio, "e_value": e_value_from_risk_ratio(risk_ratio),
            "e_value_ci": 1.0 if crosses_null else e_value_from_risk_ratio(nearest)}


def e_values(result: EffectResult) -> pd.DataFrame:
    """E-value of every estimate in an effect table; `headline` marks the one the report is about."""
    sd = result.diagnostics["outcome_sd"]
    chosen = (result.headline or {}).get("method"), (result.headline or {}).get("estimand")
    rows = [{"method": row.method, "estimand": row.estimand,
             **e_value(row.estimate, row.ci_low, row.ci_high, sd), "headline": (row.method, row.estimand) == chosen}
            for row in result.table.itertuples() if math.isfinite(row.estimate) and math.isfinite(row.ci_low)]
    return pd.DataFrame(rows, columns=["method", "estimand", "d", "risk_ratio", "e_value", "e_value_ci", "headline"])


def _single_row(df, treatment, outcome, covariates, method, estimand, options) -> dict:
    table = estimate_effects(df, treatment, outcome, covariates, methods=[method], **options).table
    return table[table["estimand"] == estimand].iloc[0].to_dict()


def _permuted(treated: np.ndarray, problem: Problem, rng: np.random.Generator) -> np.ndarray:
    """A permuted treatment that keeps the design: whole clusters when the programme was given by
    cluster, within fixed-effect levels when effects are compared within them, else units."""
    clusters, within = problem.clusters, problem.fixed_effects
    if clusters is not None:
        by_cluster = np.bincount(clusters.codes, weights=treated, minlength=clusters.n_groups)
        sizes = np.bincount(clusters.codes, minlength=clusters.n_groups)
        if np.all((by_cluster == 0) | (by_cluster == sizes)):
            return (rng.permutation(by_cluster > 0))[clusters.codes]
    if within is not None:
        return _permute_within(treated, within, rng)
    return rng.permutation(treated)


def _permute_within(treated: np.ndarray, within: Grouping, rng: np.random.Generator) -> np.ndarray:
    order = np.lexsort((rng.random(len(treated)), within.codes))   # random order inside each level
    by_level = np.argsort(within.codes, kind="stable")             # positions level by level
    permuted = np.empty_like(treated)
    permuted[by_level] = treated[order]
    return permuted


def placebo_test(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                 method: str = "aipw", estimand: str = "ATE", seed: int = 0,
                 n_permutations: int = PLACEBO_PERMUTATIONS, cluster: str | None = None,
                 fixed_effects: str | None = None, **options) -> dict:
    """Re-estimate under many random permutations of the treatment: their distribution and a p-value.

    The permutations show what the method finds where there is nothing to find: the check passes when
    their mean is within 3 Monte Carlo SEs of zero. The p-value is the permutation test of the actual
    estimate, (1 + #|placebo| >= |actual|) / (1 + permutations).
    """
    problem = problem_of(df, treatment, outcome, covariates, cluster, fixed_effects)
    key = (method, estimand)
    actual = point_estimates(problem, [method], **options)[key]
    rng = np.random.default_rng(seed)
    draws = np.array([point_estimates(problem.with_treatment(_permuted(problem.treated, problem, rng)),
                                      [method], **options)[key] for _ in range(n_permutations)])
    draws = draws[np.isfinite(draws)]
    mean, sd = float(draws.mean()), float(draws.std(ddof=1))
    low, high = np.quantile(draws, [0.025, 0.975])
    p_value = (1 + int(np.sum(np.abs(draws) >= abs(actual)))) / (1 + len(draws))
    return to_jsonable({
        "check": "placebo_treatment", "method": method, "estimand": estimand, "estimate": mean, "se": sd,
        "ci_low": float(low), "ci_high": float(high), "expected": 0.0, "n_permutations": len(draws),
        "actual_estimate": actual, "p_value": p_value, "distribution": draws.tolist(),
        "passed": bool(abs(mean) <= PLACEBO_TOLERANCE_MC_SE * sd / np.sqrt(len(draws)))})


def random_common_cause_test(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                             method: str = "aipw", estimand: str = "ATE", seed: int = 0,
                             **options) -> dict:
    """Add an independent random covariate; passes when the estimate moves < 0.5 SE."""
    original = _single_row(df, treatment, outcome, covariates, method, estimand, options)
    augmented = df.assign(**{RANDOM_CAUSE_COLUMN: np.random.default_rng(seed).standard_normal(len(df))})
    row = _single_row(augmented, treatment, outcome, [*covariates, RANDOM_CAUSE_COLUMN], method, estimand, options)
    shift = row["estimate"] - original["estimate"]
    return to_jsonable({"check": "random_common_cause", **row, "expected": original["estimate"],
                        "shift_in_se": shift / original["se"],
                        "passed": bool(abs(shift) <= RANDOM_CAUSE_TOLERANCE_SE * original["se"])})


def primary_estimate(table: pd.DataFrame) -> dict | None:
    """The most robust method present (AIPW first, naive last); the result's `headline` supersedes it."""
    for method, estimand in PRIMARY_ORDER:
        match = table[(table["method"] == method) & (table["estimand"] == estimand)]
        if len(match) and math.isfinite(match["estimate"].iloc[0]):
            return match.iloc[0].to_dict()
    return None


def _confounding(result: EffectResult, primary: dict | None, refutations: list[dict]) -> dict:
    evidence: dict = {"refutations_failed": [r["check"] for r in refutations if not r["passed"]]}
    if primary is not None:
        evidence.update(method=primary["method"], estimand=primary["estimand"],
                        **e_value(primary["estimate"], primary["ci_low"], primary["ci_high"],
                                  result.diagnostics["outcome_sd"]))
    return {"assumption": "no_unmeasured_confounding",
            "status": "warn" if evidence["refutations_failed"] else "info", "evidence": evidence}


def _overlap(result: EffectResult, estimand: str) -> dict:
    support, weighting = result.diagnostics["common_support"], result.diagnostics["weighting"][estimand]
    propensity = result.diagnostics["propensity"]
    n = result.diagnostics["n"]
    share_extreme = (propensity["n_below"] + propensity["n_above"]) / n
    low_ess = any(weighting[f"n_{g}"] and weighting[f"ess_{g}"] < ESS_SHARE_THRESHOLD * weighting[f"n_{g}"]
                  for g in ("treated", "control"))
    problem = (support["share_outside"] > SUPPORT_SHARE_THRESHOLD or share_extreme > SUPPORT_SHARE_THRESHOLD
               or has_extreme_weights(weighting) or low_ess)
    evidence = {"estimand": estimand, "share_outside_support": support["share_outside"],
                "n_treated_outside": support["n_treated_outside"],
                "n_control_outside": support["n_control_outside"],
                "propensity_min": propensity["min"], "propensity_max": propensity["max"],
                "share_extreme_propensity": share_extreme, "extreme_bounds": list(EXTREME_SCORE),
                "max_weight": weighting["max_weight"], "max_weight_share": weighting["max_weight_share"],
                "ess_treated": weighting["ess_treated"],
                "ess_control": weighting["ess_control"], "n_treated": weighting["n_treated"],
                "n_control": weighting["n_control"]}
    return {"assumption": "overlap", "status": "warn" if problem else "ok", "evidence": evidence}


def _estimate_spread(table: pd.DataFrame, estimand: str) -> float | None:
    adjusted = table[table["method"].isin(ADJUSTED_METHODS) & (table["estimand"] == estimand)].dropna()
    if len(adjusted) < 2:
        return None
    return float(np.ptp(adjusted["estimate"]) / adjusted["se"].median())


def _specification(result: EffectResult, primary: dict | None) -> dict:
    max_smd = {k: v for k, v in result.diagnostics["max_smd"].items() if k != "unadjusted"}
    # Balance is judged on the sample the headline estimate actually uses (none for regression).
    sample = None
    if primary and primary["method"] == "psm":
        sample = "matched"
    elif primary and primary["method"] in ("ipw", "aipw"):
        sample = f"weighted_{primary['estimand'].lower()}"
    balance = max_smd.get(sample) if sample else None
    spread = _estimate_spread(result.table, primary["estimand"] if primary else "ATE")
    post_treatment = result.diagnostics["post_treatment_covariates"]
    problem = bool(post_treatment) or (balance is not None and balance > SMD_THRESHOLD) or (
        spread is not None and spread > SPREAD_THRESHOLD_SE)
    evidence = {"post_treatment_covariates": post_treatment, "max_smd_after_adjustment": max_smd,
                "balance_sample": sample, "smd_threshold": SMD_THRESHOLD,
                "estimate_spread_in_se": spread, "spread_threshold_se": SPREAD_THRESHOLD_SE}
    return {"assumption": "model_specification", "status": "warn" if problem else "ok", "evidence": evidence}


def assess_assumptions(result: EffectResult, refutations: list[dict] | None = None) -> list[dict]:
    """Status ('ok' | 'warn' | 'info') and supporting numbers for each identifying assumption (of the headline)."""
    primary = result.headline if result.headline is not None else primary_estimate(result.table)
    estimand = primary["estimand"] if primary else "ATE"
    return to_jsonable([
        _confounding(result, primary, refutations or []),
        _overlap(result, estimand),
        # Interference and hidden versions of treatment cannot be seen in one cross-section.
        {"assumption": "sutva", "status": "info", "evidence": {"n": result.diagnostics["n"]}},
        _specification(result, primary),
    ])
