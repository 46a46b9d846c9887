"""Balance/overlap diagnostics against hand computations, and the warning codes they raise."""

import json

import numpy as np
import pandas as pd
import pytest

from analytics.causal import (
    common_support,
    effective_sample_size,
    estimate_effects,
    overlap_histograms,
    simulate_confounded,
    standardized_mean_differences,
)


@pytest.fixture(scope="module")
def tiny():
    """Seven units, one numeric and one three-level covariate."""
    return pd.DataFrame({
        "treat": [1, 1, 1, 0, 0, 0, 0],
        "age": [30.0, 40.0, 50.0, 20.0, 30.0, 25.0, 45.0],
        "race": ["black", "white", "black", "white", "white", "hispan", "black"],
    })


def test_smd_equals_hand_computation(tiny):
    treated = tiny["treat"].to_numpy() == 1
    weights = np.array([1.0, 2.0, 1.0, 0.5, 1.0, 3.0, 0.0])
    smd = standardized_mean_differences(tiny, ["age", "race"], treated, {"weighted_ate": weights})
    t_age, c_age = np.array([30, 40, 50.0]), np.array([20, 30, 25, 45.0])
    sd_age = np.sqrt((t_age.var(ddof=1) + c_age.var(ddof=1)) / 2)
    # race = black: treated 2/3, controls 1/4; weighted: treated (1+1)/4, controls 0/4.5
    t_black, c_black = np.array([1, 0, 1.0]), np.array([0, 0, 0, 1.0])
    sd_black = np.sqrt((t_black.var(ddof=1) + c_black.var(ddof=1)) / 2)
    expected = {
        ("age", "unadjusted"): abs(40 - 30) / sd_age,
        ("age", "weighted_ate"): abs((30 + 80 + 50) / 4 - (10 + 30 + 75 + 0) / 4.5) / sd_age,
        ("race=black", "unadjusted"): abs(2 / 3 - 1 / 4) / sd_black,
        ("race=black", "weighted_ate"): abs(2 / 4 - 0) / sd_black,
    }
    lookup = smd.set_index(["covariate", "sample"])["smd"]
    for key, value in expected.items():
        assert lookup[key] == pytest.approx(value)
    # Every level of a categorical is shown (none dropped for balance checks).
    assert {"race=black", "race=hispan", "race=white"} <= set(smd["covariate"])


def test_common_support_counts_units_outside_other_arm_range():
    score = np.array([0.2, 0.5, 0.9, 0.1, 0.3, 0.6, 0.05])
    treated = np.array([True, True, True, False, False, False, False])
    support = common_support(score, treated)
    # treated 0.9 > max control 0.6; controls 0.1 and 0.05 < min treated 0.2
    assert (support["n_treated_outside"], support["n_control_outside"]) == (1, 2)
    assert support["share_outside"] == pytest.approx(3 / 7)


def test_effective_sample_size_is_kish_formula():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    assert effective_sample_size(np.array([1.0, 1.0, 2.0])) == pytest.approx(16 / 6)


def test_overlap_densities_integrate_to_one():
    rng = np.random.default_rng(0)
    score = rng.uniform(0.05, 0.95, 500)
    treated = rng.random(500) < score
    table = overlap_histograms(score, treated, {"weighted_ate": rng.uniform(0.5, 2, 500)})
    areas = table.assign(area=table["density"] * (table["bin_right"] - table["bin_left"]))
    np.testing.assert_allclose(areas.groupby(["sample", "group"])["area"].sum(), 1.0)


def test_adjustment_removes_planted_imbalance_and_diagnostics_are_json():
    df = simulate_confounded(20_000, seed=4)
    result = estimate_effects(df, "treat", "y", ["x1", "x2", "group"])
    max_smd = result.diagnostics["max_smd"]
    assert max_smd["unadjusted"] > 0.3
    assert max(max_smd["matched"], max_smd["weighted_ate"], max_smd["weighted_att"]) < 0.05
    weighting = result.diagnostics["weighting"]["ATE"]
    treated_weights = result.weights["weighted_ate"][result.treated]
    assert weighting["ess_treated"] == pytest.approx(effective_sample_size(treated_weights))
    assert json.loads(json.dumps(result.diagnostics)) == result.diagnostics
    assert json.dumps(result.to_dict())


def test_post_treatment_and_poor_overlap_warnings():
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.standard_normal(n)
    treat = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)  # near-separation: poor overlap
    later = x + treat + rng.standard_normal(n)
    df = pd.DataFrame({"treat": treat, "x": x, "later": later, "y": x + treat + rng.standard_normal(n)})
    result = estimate_effects(df, "treat", "y", ["x", "later"], post_treatment={"later", "unused"})
    codes = {w["code"] for w in result.warnings}
    assert {"code": "post_treatment_covariate", "column": "later"} in result.warnings
    assert {"outside_common_support", "extreme_propensity_scores", "extreme_weights",
            "low_effective_sample_size"} <= codes
    assert all(isinstance(w["code"], str) and " " not in w["code"] for w in result.warnings)


def test_trimming_drops_extreme_scores_and_says_so():
    df = simulate_confounded(5000, seed=2)
    result = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["ipw"], trim=(0.1, 0.9))
    outside = int(np.sum((result.propensity < 0.1) | (result.propensity > 0.9)))
    assert outside > 0
    assert result.table["n"].eq(len(df) - outside).all()
    assert {"code": "units_trimmed", "n_trimmed": outside, "low": 0.1, "high": 0.9} in result.warnings
    assert np.all(result.weights["weighted_ate"][(result.propensity < 0.1) | (result.propensity > 0.9)] == 0)
