"""The headline chosen by the diagnostics, row reliability, and the repeated placebo (issue 12)."""

import numpy as np
import pandas as pd
import pytest

from analytics.causal import assess_assumptions, e_values, estimate_effects, placebo_test, simulate_confounded
from analytics.causal.headline import RELIABLE_ESS_SHARE
from analytics.causal.messages import MESSAGES, describe
from analytics.causal.simulate import simulate_clustered


def _poor_overlap(n=3000, seed=7):
    """A strong confounder: many units with propensity near 0 or 1, so ATE weights explode."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    treat = (rng.random(n) < 1 / (1 + np.exp(-(4 * x - 2)))).astype(int)
    return pd.DataFrame({"treat": treat, "x": x, "y": 50 + 5 * x + 2 * treat + rng.standard_normal(n)})


def test_well_behaved_data_headline_aipw_for_the_requested_estimand():
    df = simulate_confounded(3000, seed=3)
    for estimand in ("ATE", "ATT"):
        result = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], estimand=estimand)
        assert (result.headline["method"], result.headline["estimand"]) == ("aipw", estimand)
        assert result.headline["reason"]["code"] == "headline_preferred"
        assert result.table["reliable"].all()
        row = result.table[(result.table.method == "aipw") & (result.table.estimand == estimand)].iloc[0]
        assert result.headline["estimate"] == row.estimate and result.headline["se_type"] == "analytic"


def test_poor_overlap_prefers_the_att_and_flags_unreliable_weights():
    result = estimate_effects(_poor_overlap(), "treat", "y", ["x"])
    weighting = result.diagnostics["weighting"]["ATE"]
    tiny = min(weighting["ess_control"] / weighting["n_control"], weighting["ess_treated"] / weighting["n_treated"])
    assert tiny < RELIABLE_ESS_SHARE
    unreliable = result.table[~result.table["reliable"]]
    assert {("ipw", "ATE"), ("aipw", "ATE")} <= set(zip(unreliable.method, unreliable.estimand))
    assert all(r["code"] in ("row_tiny_effective_sample", "row_dominant_weight") for r in unreliable["reason"])
    assert result.headline["estimand"] == "ATT"
    assert result.headline["reason"]["code"].startswith("headline_poor_overlap_att")
    assert "ATT" in describe(result.headline["reason"]) and "ATT" in describe(result.headline["reason"], "ja")


def test_trimmed_ate_stands_under_poor_overlap_and_says_why():
    result = estimate_effects(_poor_overlap(), "treat", "y", ["x"], trim=(0.05, 0.95))
    assert result.headline["estimand"] == "ATE"
    assert result.headline["reason"]["code"].startswith("headline_poor_overlap_trimmed")


def test_e_values_and_assumptions_refer_to_the_headline():
    result = estimate_effects(_poor_overlap(), "treat", "y", ["x"])
    table = e_values(result)
    marked = table[table["headline"]]
    assert list(zip(marked.method, marked.estimand)) == [(result.headline["method"], result.headline["estimand"])]
    confounding = assess_assumptions(result)[0]["evidence"]
    assert (confounding["method"], confounding["estimand"]) == (result.headline["method"], result.headline["estimand"])


def test_every_reason_code_has_both_languages():
    codes = {"row_unavailable", "row_tiny_effective_sample", "row_dominant_weight", "row_most_treated_unmatched",
             "headline_preferred", "headline_poor_overlap_att", "headline_poor_overlap_trimmed",
             "headline_naive_only", "few_clusters", "no_within_variation"}
    codes |= {f"{c}_after_skipping" for c in ("headline_preferred", "headline_poor_overlap_att",
                                               "headline_poor_overlap_trimmed")}
    assert all(set(MESSAGES[c]) == {"en", "ja"} for c in codes)


def test_placebo_is_a_permutation_distribution_with_a_p_value():
    df = simulate_confounded(3000, effect=2.0, seed=8)
    check = placebo_test(df, "treat", "y", ["x1", "x2", "group"], n_permutations=30, seed=1)
    assert check["n_permutations"] == 30 and len(check["distribution"]) == 30
    assert check["passed"] is True
    assert abs(check["estimate"]) < 3 * check["se"] / np.sqrt(30)
    assert check["p_value"] == pytest.approx(1 / 31)   # a real effect of 2 beats every permutation
    null = placebo_test(df.assign(y=df["y"] - 2.0 * df["treat"]), "treat", "y", ["x1", "x2", "group"],
                        n_permutations=30, seed=1)
    assert null["p_value"] > 0.05


def test_placebo_permutes_whole_schools_when_the_programme_is_given_by_school():
    df = simulate_clustered(2000, 40, seed=2)
    check = placebo_test(df, "treat", "y", ["school_ses", "x1"], method="regression_adjustment",
                         n_permutations=40, cluster="school_id", seed=2)
    # School-level permutations keep the school effect in the placebo: its spread is the clustered SE's scale,
    # far wider than a pupil-level permutation would give.
    pupil = placebo_test(df, "treat", "y", ["school_ses", "x1"], method="regression_adjustment",
                         n_permutations=40, seed=2)
    assert check["se"] > 2 * pupil["se"]
