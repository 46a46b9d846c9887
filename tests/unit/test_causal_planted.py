"""Planted truth: confounded treatment with a known constant effect (analytics.causal.simulate)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.causal import (
    EffectInputError,
    estimate_effects,
    estimate_subgroup_effects,
    placebo_test,
    random_common_cause_test,
    simulate_confounded,
)

EFFECT = 2.0
COVARIATES = ["x1", "x2", "group"]
CONSISTENT = ["psm", "ipw", "regression_adjustment", "aipw"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_consistent_estimators_recover_planted_effect_at_100k(seed):
    table = estimate_effects(simulate_confounded(100_000, effect=EFFECT, seed=seed), "treat", "y", COVARIATES).table
    naive = table[table["method"] == "difference_in_means"].iloc[0]
    assert not naive.ci_low <= EFFECT <= naive.ci_high
    adjusted = table[table["method"].isin(CONSISTENT)]
    assert len(adjusted) == 6
    # Six correlated 95% intervals per seed all cover only ~2 times in 3 (seed 0 is a draw where OLS,
    # itself exactly unbiased here, lands 2 SE low), so each is held to a Bonferroni band
    # (99.9% two-sided); `test_confidence_intervals_have_nominal_coverage` checks the 95% level itself.
    z = stats.norm.ppf(1 - 0.001 / 2)
    assert np.all(np.abs(adjusted["estimate"] - EFFECT) <= z * adjusted["se"]), adjusted
    assert np.all(adjusted["se"] < 0.05)


@pytest.mark.slow
def test_confidence_intervals_have_nominal_coverage():
    """200 replications: each method's 95% CI covers the truth 91–100% of the time, SEs match the spread."""
    tables = []
    for seed in range(200):
        table = estimate_effects(simulate_confounded(800, effect=EFFECT, seed=500 + seed), "treat", "y", COVARIATES,
                                 methods=CONSISTENT).table
        tables.append(table)
    runs = pd.concat(tables).assign(covered=lambda t: (t.ci_low <= EFFECT) & (EFFECT <= t.ci_high))
    summary = runs.groupby(["method", "estimand"]).agg(
        coverage=("covered", "mean"), spread=("estimate", "std"), mean_se=("se", "mean"), bias=("estimate", "mean"))
    assert (summary["coverage"] >= 0.91).all(), summary
    # Abadie–Imbens SEs ignore propensity estimation and run a little conservative for the ATT.
    ratio = summary["mean_se"] / summary["spread"]
    assert ratio.between(0.85, 1.3).all(), summary
    assert (summary["bias"] - EFFECT).abs().max() < 0.05, summary


def test_placebo_treatment_has_no_effect():
    df = simulate_confounded(20_000, effect=EFFECT, seed=8)
    for method, estimand in (("aipw", "ATE"), ("psm", "ATT")):
        check = placebo_test(df, "treat", "y", COVARIATES, method=method, estimand=estimand, seed=3)
        assert check["check"] == "placebo_treatment"
        assert check["ci_low"] <= 0 <= check["ci_high"]
        assert check["passed"] is True


def test_random_common_cause_barely_moves_the_estimate():
    df = simulate_confounded(20_000, effect=EFFECT, seed=9)
    check = random_common_cause_test(df, "treat", "y", COVARIATES, seed=4)
    assert check["passed"] is True
    assert abs(check["shift_in_se"]) < 0.2
    assert abs(check["estimate"] - check["expected"]) < 0.2 * check["se"]


def test_subgroup_effects_recover_planted_heterogeneity():
    df = simulate_confounded(30_000, effect=EFFECT, seed=6)
    # Plant a larger effect in group c on top of the common one.
    df["y"] = df["y"] + 3.0 * df["treat"] * (df["group"] == "c")
    table = estimate_subgroup_effects(df, "treat", "y", COVARIATES, by="group", method="aipw")
    assert list(table["subgroup"]) == ["a", "b", "c"]
    assert table["n"].sum() == len(df)
    truth = {"a": EFFECT, "b": EFFECT, "c": EFFECT + 3.0}
    for row in table.itertuples():
        assert abs(row.estimate - truth[row.subgroup]) < 3.3 * row.se


def test_subgroup_too_small_to_estimate_gets_empty_row():
    df = simulate_confounded(2000, seed=1)
    df["site"] = np.where(np.arange(len(df)) < 12, "tiny", "big")
    table = estimate_subgroup_effects(df, "treat", "y", ["x1", "x2"], by="site", method="ipw")
    tiny = table[table["subgroup"] == "tiny"].iloc[0]
    assert np.isnan(tiny.estimate) and tiny.n == 12
    assert np.isfinite(table[table["subgroup"] == "big"].iloc[0].estimate)


def test_trimming_everything_gives_empty_rows_and_a_warning():
    df = simulate_confounded(2000, seed=2)
    result = estimate_effects(df, "treat", "y", COVARIATES, methods=["ipw", "aipw"], trim=(0.999, 1.0))
    assert result.table["estimate"].isna().all()
    assert {w["code"] for w in result.warnings} >= {"estimate_unavailable", "units_trimmed"}


def test_subgroups_by_a_continuous_column_are_refused():
    df = simulate_confounded(2000, seed=2)
    with pytest.raises(EffectInputError) as caught:
        estimate_subgroup_effects(df, "treat", "y", ["x2"], by="x1")
    assert caught.value.errors[0]["code"] == "high_cardinality_covariate"
