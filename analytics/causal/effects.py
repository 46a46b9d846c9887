"""Entry points: `estimate_effects` (all estimators + diagnostics) and `estimate_subgroup_effects`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.causal import diagnostics as diag
from analytics.causal.bootstrap import bootstrap_rows
from analytics.causal.clusters import cluster_warnings, group_codes, influence_se
from analytics.causal.design import build_design, treatment_indicator
from analytics.causal.estimators import TABLE_COLUMNS, effect_row, ipw_weights, trim_mask
from analytics.causal.fitting import Problem, run_methods
from analytics.causal.headline import (
    ESTIMANDS,
    EXTREME_SCORE,
    SUPPORT_SHARE_THRESHOLD,
    choose_headline,
    mark_reliability,
)
from analytics.causal.matching import psm_linear_influence
from analytics.causal.validation import MAX_CATEGORY_LEVELS, EffectInputError, validate_effect_input

METHODS = ("difference_in_means", "psm", "ipw", "regression_adjustment", "aipw")
ROW_EXTRA_COLUMNS = ["se_type", "reliable", "reason"]
SMD_THRESHOLD = 0.1
# A weight above 10 matters once that one unit carries more than 1% of its arm's total weight.
MAX_WEIGHT_THRESHOLD = 10.0
MAX_WEIGHT_SHARE_THRESHOLD = 0.01
ESS_SHARE_THRESHOLD = 0.5


@dataclass
class EffectResult:
    """Effect table, JSON-ready diagnostics and warning codes, plus arrays for the plots."""

    table: pd.DataFrame
    diagnostics: dict
    warnings: list[dict]
    propensity: np.ndarray
    treated: np.ndarray
    weights: dict[str, np.ndarray]  # 'matched', 'weighted_ate', 'weighted_att' (0 = not used)
    pairs: pd.DataFrame  # matched pairs as positions into the analysed rows
    smd: pd.DataFrame  # covariate, sample, smd
    overlap: pd.DataFrame  # sample, group, bin_left, bin_right, density
    index: pd.Index  # labels of the analysed rows in the input frame
    settings: dict = field(default_factory=dict)
    headline: dict | None = None  # the row chosen by the diagnostics (see analytics/causal/headline.py)

    def to_dict(self) -> dict:
        """JSON-serialisable summary (table, diagnostics, warnings, headline) for the API and CLI."""
        return to_jsonable({"table": self.table.to_dict(orient="records"), "headline": self.headline,
                            "diagnostics": self.diagnostics, "warnings": self.warnings})


def to_jsonable(value):
    """Recursively turn numpy scalars/arrays into Python values and NaN/inf into None."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    return value


def has_extreme_weights(summary: dict) -> bool:
    """A weight above the threshold that also carries a material share of its arm."""
    return (summary["max_weight"] > MAX_WEIGHT_THRESHOLD
            and summary["max_weight_share"] > MAX_WEIGHT_SHARE_THRESHOLD)


def _weighting_warnings(summary: dict, estimand: str) -> list[dict]:
    found = []
    if has_extreme_weights(summary):
        found.append({"code": "extreme_weights", "estimand": estimand, "max_weight": summary["max_weight"],
                      "max_weight_share": summary["max_weight_share"]})
    for group in ("treated", "control"):
        ess, n = summary[f"ess_{group}"], summary[f"n_{group}"]
        if n and ess < ESS_SHARE_THRESHOLD * n:
            found.append({"code": "low_effective_sample_size", "estimand": estimand, "group": group,
                          "ess": ess, "n": n})
    return found


def _balance_warnings(smd: pd.DataFrame) -> list[dict]:
    found = []
    for sample, group in smd[smd["sample"] != diag.UNADJUSTED].groupby("sample", sort=False):
        worst = group.loc[group["smd"].idxmax()] if group["smd"].notna().any() else None
        if worst is not None and worst["smd"] > SMD_THRESHOLD:
            found.append({"code": "imbalance_after_adjustment", "sample": sample,
                          "covariate": worst["covariate"], "max_smd": float(worst["smd"])})
    return found


def _score_warnings(score: np.ndarray, support: dict) -> list[dict]:
    found = []
    if support["share_outside"] > SUPPORT_SHARE_THRESHOLD:
        found.append({"code": "outside_common_support", "n_treated": support["n_treated_outside"],
                      "n_control": support["n_control_outside"], "share": support["share_outside"]})
    low, high = EXTREME_SCORE
    n_low, n_high = int(np.sum(score < low)), int(np.sum(score > high))
    if n_low or n_high:
        found.append({"code": "extreme_propensity_scores", "n_below": n_low, "n_above": n_high,
                      "low": low, "high": high})
    return found


def problem_of(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], cluster: str | None = None,
               fixed_effects: str | None = None) -> Problem:
    """Arrays of a validated effect problem (encoded covariates, group codes)."""
    return Problem(df[outcome].to_numpy(dtype=float), treatment_indicator(df[treatment]),
                   build_design(df, covariates).matrix,
                   None if fixed_effects is None else group_codes(df[fixed_effects]),
                   None if cluster is None else group_codes(df[cluster]))


def _uncertainty(problem: Problem, run, methods, *, cluster, bootstrap, bootstrap_methods, ci, seed,
                 options) -> list[dict]:
    """Rows with the SE type each one carries: analytic, cluster (CR1 / cluster bootstrap) or bootstrap."""
    se_type = "cluster" if cluster else "analytic"
    rows = [{**row, "se_type": se_type} for row in run.rows]
    if cluster and run.match is not None and math.isfinite(run.match.row["estimate"]):
        influence = psm_linear_influence(problem.y, problem.treated, problem.model_covariates(), run.match)
        se = influence_se(influence * len(influence), problem.clusters)
        rows = [effect_row_with_se(row, se) if row["method"] == "psm" else row for row in rows]
    if bootstrap:
        rows = bootstrap_rows(problem, methods, rows, n_boot=bootstrap, ci=ci, seed=seed,
                              only=None if bootstrap_methods is None else set(bootstrap_methods), **options)
    return rows


def effect_row_with_se(row: dict, se: float) -> dict:
    """A row re-stated with another SE (normal CI and p-value)."""
    return {**row, **effect_row(row["method"], row["estimand"], row["estimate"], se, row["n"])}


def estimate_effects(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                     methods: list[str] | None = None, psm_k: int = 1, caliper: float | None = 0.2,
                     replace: bool = True, trim: tuple[float, float] | None = None,
                     post_treatment: set[str] | frozenset[str] = frozenset(), min_group: int = 10,
                     cluster: str | None = None, fixed_effects: str | None = None, bootstrap: int = 0,
                     ci: str = "percentile", estimand: str = "ATE", seed: int = 0,
                     bootstrap_methods: tuple[str, ...] | None = None) -> EffectResult:
    """Estimate the treatment effect with each requested method, diagnose balance and overlap, pick a headline.

    `cluster` makes every SE cluster-robust; `fixed_effects` compares within its levels; `bootstrap`
    (replicates, cluster-aware) replaces the SEs and CIs by percentile or BCa (`ci`) ones, for every
    method or only `bootstrap_methods` (the tab bootstraps the weighting estimators under poor overlap).
    """
    methods = list(METHODS if methods is None else methods)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"unknown methods: {unknown}")
    if estimand not in ESTIMANDS:
        raise ValueError(f"unknown estimand: {estimand}")
    errors = validate_effect_input(df, treatment, outcome, covariates, min_group=min_group, cluster=cluster,
                                   fixed_effects=fixed_effects)
    if errors:
        raise EffectInputError(errors)
    problem = problem_of(df, treatment, outcome, covariates, cluster, fixed_effects)
    treated, y = problem.treated, problem.y
    options = {"psm_k": psm_k, "caliper": caliper, "replace": replace, "trim": trim}
    run = run_methods(problem, methods, **options)
    fit, match = run.fit, run.match
    kept = trim_mask(fit.score, trim)
    rows = _uncertainty(problem, run, methods, cluster=cluster, bootstrap=bootstrap,
                        bootstrap_methods=bootstrap_methods, ci=ci, seed=seed, options=options)
    table = pd.DataFrame(rows).reindex(columns=[*TABLE_COLUMNS, "se_type"])
    weights = {f"weighted_{estimand.lower()}": np.where(kept, ipw_weights(fit.score, treated, estimand), 0.0)
               for estimand in ("ATE", "ATT")}
    warnings = [{"code": "post_treatment_covariate", "column": column}
                for column in covariates if column in post_treatment]
    warnings += cluster_warnings(problem.clusters, cluster)
    psm_summary: dict = {}
    pairs = pd.DataFrame({"treated_row": [], "control_row": [], "weight": []})
    if match is not None:
        weights = {"matched": match.weights, **weights}
        pairs = match.pairs
        psm_summary = {**match.counts, "caliper_width": match.caliper_width, "k": psm_k, "replace": replace}
        if match.counts["n_treated_discarded"]:
            warnings.append({"code": "treated_unmatched", "n_unmatched": match.counts["n_treated_discarded"],
                             "n_treated": int(treated.sum())})
    warnings += [{"code": "estimate_unavailable", "method": row["method"], "estimand": row["estimand"]}
                 for row in rows if not math.isfinite(row["estimate"])]
    smd = diag.standardized_mean_differences(df, covariates, treated, weights)
    support = diag.common_support(fit.score, treated)
    weighting = {estimand: diag.weight_summary(weights[f"weighted_{estimand.lower()}"], treated)
                 for estimand in ("ATE", "ATT")}
    if trim is not None and not kept.all():
        warnings.append({"code": "units_trimmed", "n_trimmed": int((~kept).sum()), "low": trim[0], "high": trim[1]})
    warnings += _score_warnings(fit.score, support) + _balance_warnings(smd)
    if {"ipw", "aipw"} & set(methods):
        warnings += _weighting_warnings(weighting["ATE"], "ATE") + _weighting_warnings(weighting["ATT"], "ATT")
    overlap = diag.overlap_histograms(fit.score, treated, weights)
    diagnostics = to_jsonable({
        "n": len(y), "n_treated": int(treated.sum()), "n_control": int((~treated).sum()),
        "outcome_sd": float(y.std(ddof=1)),
        "propensity": {"min": fit.score.min(), "max": fit.score.max(),
                       "n_below": int(np.sum(fit.score < EXTREME_SCORE[0])),
                       "n_above": int(np.sum(fit.score > EXTREME_SCORE[1]))},
        "common_support": support, "weighting": weighting, "psm": psm_summary,
        "n_trimmed": int((~kept).sum()), "max_smd": diag.max_smd_by_sample(smd),
        "smd": smd.to_dict(orient="records"), "overlap": overlap.to_dict(orient="records"),
        "post_treatment_covariates": [c for c in covariates if c in post_treatment],
        "se_type": "bootstrap" if bootstrap else ("cluster" if cluster else "analytic"),
        "cluster": cluster, "n_clusters": problem.clusters.n_groups if problem.clusters else None,
        "fixed_effects": fixed_effects,
        "n_fixed_effects": problem.fixed_effects.n_groups if problem.fixed_effects else None,
        "bootstrap": {"replicates": int(bootstrap), "ci": ci,
                      "methods": list(bootstrap_methods or methods)} if bootstrap else None,
    })
    table = mark_reliability(table, diagnostics)
    headline = to_jsonable(choose_headline(table, diagnostics, estimand, trimmed=trim is not None))
    diagnostics["headline"] = headline
    settings = {"treatment": treatment, "outcome": outcome, "covariates": list(covariates), "methods": methods,
                "psm_k": psm_k, "caliper": caliper, "replace": replace, "trim": trim,
                "post_treatment": sorted(post_treatment), "cluster": cluster, "fixed_effects": fixed_effects,
                "bootstrap": bootstrap, "ci": ci, "estimand": estimand, "seed": seed,
                "bootstrap_methods": bootstrap_methods}
    return EffectResult(table=table, diagnostics=diagnostics, warnings=to_jsonable(warnings),
                        propensity=fit.score, treated=treated, weights=weights, pairs=pairs, smd=smd,
                        overlap=overlap, index=df.index, settings=settings, headline=headline)


def estimate_subgroup_effects(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                              by: str, method: str = "aipw", estimand: str = "ATE", min_group: int = 10,
                              **options) -> pd.DataFrame:
    """Effect per level of `by` with one method; levels too small to estimate get NaN rows."""
    errors = validate_effect_input(df, treatment, outcome, [*covariates, by], min_group=min_group)
    if by in df.columns and df[by].nunique() > MAX_CATEGORY_LEVELS:
        errors.append({"code": "high_cardinality_covariate", "column": by,
                       "message_params": {"n_levels": int(df[by].nunique()), "max_levels": MAX_CATEGORY_LEVELS}})
    if errors:
        raise EffectInputError(errors)
    if method == "psm":
        estimand = "ATT"
    within = [c for c in covariates if c != by]
    rows = []
    for level, subset in df.groupby(by, sort=True):
        row = {"variable": by, "subgroup": str(level), **dict.fromkeys(TABLE_COLUMNS[2:], float("nan")),
               "method": method, "estimand": estimand, "n": len(subset)}
        usable = [c for c in within if subset[c].nunique() > 1]
        if not validate_effect_input(subset, treatment, outcome, usable, min_group=min_group):
            table = estimate_effects(subset, treatment, outcome, usable, methods=[method], min_group=min_group,
                                     **options).table
            row.update(table[table["estimand"] == estimand].iloc[0].to_dict())
        rows.append(row)
    return pd.DataFrame(rows, columns=["variable", "subgroup", *TABLE_COLUMNS])
