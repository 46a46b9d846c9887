"""Known-answer tests of the A/B statistics against scipy / statsmodels references."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

from analytics.abtest import (
    compare_proportions,
    ctr_over_time,
    prob_b_beats_a,
    probability_best,
    relative_lift,
    required_sample_size,
    sample_ratio_mismatch,
    summarize_ab,
    wilson_interval,
)

PAIRS = [(45, 1000, 60, 1000), (480, 10_000, 545, 10_000), (120, 2_000, 95, 1_800), (30, 250, 41, 260)]


def _counts(impressions, clicks, variants=("A", "B")):
    return pd.DataFrame({"variant": list(variants), "impressions": impressions, "clicks": clicks})


def test_wilson_interval_matches_statsmodels():
    clicks = np.array([0, 1, 45, 500, 20])
    trials = np.array([10, 7, 1000, 1000, 20])
    low, high = wilson_interval(clicks, trials, alpha=0.05)
    ref_low, ref_high = proportion_confint(clicks, trials, alpha=0.05, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, rtol=1e-10, atol=1e-12)
    low90, high90 = wilson_interval(45, 1000, alpha=0.10)
    assert (low90, high90) == pytest.approx(proportion_confint(45, 1000, alpha=0.10, method="wilson"))


@pytest.mark.parametrize("clicks_a,n_a,clicks_b,n_b", PAIRS)
def test_z_test_matches_statsmodels(clicks_a, n_a, clicks_b, n_b):
    result = compare_proportions(clicks_a, n_a, clicks_b, n_b)
    z_ref, p_ref = proportions_ztest([clicks_b, clicks_a], [n_b, n_a])
    assert result.method == "z"
    assert result.statistic == pytest.approx(z_ref, rel=1e-10)
    assert result.p_value == pytest.approx(p_ref, rel=1e-10)


def test_fisher_exact_when_an_expected_cell_is_below_five():
    result = compare_proportions(3, 20, 1, 15)  # expected clicks ~ 1.7 and 2.3
    _, p_ref = stats.fisher_exact([[1, 14], [3, 17]])
    assert result.method == "fisher"
    assert result.p_value == pytest.approx(p_ref, rel=1e-12)


@pytest.mark.parametrize("clicks_a,n_a,clicks_b,n_b", PAIRS)
def test_lift_interval_matches_statsmodels_log_ratio(clicks_a, n_a, clicks_b, n_b):
    lift, low, high = relative_lift(clicks_a, n_a, clicks_b, n_b)
    ratio_low, ratio_high = confint_proportions_2indep(
        clicks_b, n_b, clicks_a, n_a, method="log", compare="ratio"
    )
    assert lift == pytest.approx((clicks_b / n_b) / (clicks_a / n_a) - 1, rel=1e-12)
    assert (low, high) == pytest.approx((ratio_low - 1, ratio_high - 1), rel=1e-8)


def test_srm_statistic_matches_scipy_chisquare_with_unequal_plan():
    observed = {"A": 2_950, "B": 7_050}
    check = sample_ratio_mismatch(observed, {"A": 0.3, "B": 0.7})
    reference = stats.chisquare([2_950, 7_050], f_exp=[3_000, 7_000])
    assert check.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert check.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert not check.mismatch


def test_srm_fires_on_planted_55_45_split_and_not_on_fair_draw():
    planted = summarize_ab(_counts([5_500, 4_500], [550, 450]))
    assert planted.srm.mismatch and planted.srm.p_value < 1e-6

    rng = np.random.default_rng(20240601)
    in_a = int(rng.binomial(10_000, 0.5))
    fair = summarize_ab(_counts([in_a, 10_000 - in_a], [500, 500]))
    assert not fair.srm.mismatch
    assert fair.srm.p_value == pytest.approx(
        stats.chisquare([in_a, 10_000 - in_a]).pvalue, rel=1e-10
    )


def test_srm_counts_users_when_given_and_checks_the_plan_names():
    # 5,000 users per arm but B's users see more impressions: no SRM, since users are the unit
    counts = _counts([10_000, 13_000], [500, 650]).assign(users=[5_000, 5_000])
    summary = summarize_ab(counts)
    assert summary.srm.statistic == 0.0 and not summary.srm.mismatch
    assert summarize_ab(counts.drop(columns="users")).srm.mismatch
    with pytest.raises(ValueError, match="planned_split"):
        summarize_ab(counts, planned_split={"A": 0.5, "C": 0.5})


@pytest.mark.parametrize("clicks_a,n_a,clicks_b,n_b", PAIRS + [(3, 20, 1, 15), (0, 50, 0, 50)])
def test_prob_b_beats_a_agrees_with_monte_carlo(clicks_a, n_a, clicks_b, n_b):
    rng = np.random.default_rng(7)
    draws_a = rng.beta(clicks_a + 1, n_a - clicks_a + 1, size=400_000)
    draws_b = rng.beta(clicks_b + 1, n_b - clicks_b + 1, size=400_000)
    assert prob_b_beats_a(clicks_a, n_a, clicks_b, n_b) == pytest.approx(
        np.mean(draws_b > draws_a), abs=0.01
    )


def test_probability_best_for_three_variants_matches_numerical_integration():
    clicks, impressions = [50, 58, 65], [1_000, 1_000, 1_000]
    posteriors = [stats.beta(x + 1, n - x + 1) for x, n in zip(clicks, impressions)]

    def p_best(k):
        others = [p for j, p in enumerate(posteriors) if j != k]
        density = lambda x: posteriors[k].pdf(x) * np.prod([p.cdf(x) for p in others])
        return integrate.quad(density, 0.0, 0.2, points=[0.05, 0.06, 0.07], limit=200)[0]

    estimate = probability_best(clicks, impressions, seed=3)
    assert estimate.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(estimate, [p_best(k) for k in range(3)], atol=0.01)
    np.testing.assert_array_equal(estimate, probability_best(clicks, impressions, seed=3))


@pytest.mark.parametrize(
    "baseline,mde,relative,alpha,power",
    [(0.05, 0.10, True, 0.05, 0.8), (0.20, 0.02, False, 0.05, 0.9), (0.5, -0.1, True, 0.01, 0.8),
     (0.01, 0.5, True, 0.10, 0.8)],
)
def test_sample_size_matches_normal_ind_power(baseline, mde, relative, alpha, power):
    target = baseline * (1 + mde) if relative else baseline + mde
    reference = NormalIndPower().solve_power(
        proportion_effectsize(target, baseline), alpha=alpha, power=power
    )
    n = required_sample_size(baseline, mde, relative=relative, alpha=alpha, power=power)
    assert n == pytest.approx(reference, rel=0.01)


def test_sample_size_rejects_impossible_targets():
    with pytest.raises(ValueError):
        required_sample_size(0.6, 0.8)  # target CTR 1.08
    with pytest.raises(ValueError):
        required_sample_size(0.1, 0.0)


def test_peeking_flag_follows_required_sample_size():
    required = required_sample_size(0.10, 0.20)
    early = summarize_ab(_counts([required // 2] * 2, [50, 60]), mde=0.20, baseline_ctr=0.10)
    done = summarize_ab(_counts([required, required + 5], [50, 60]), mde=0.20, baseline_ctr=0.10)
    assert early.required_n_per_variant == done.required_n_per_variant == required
    assert early.peeking and not done.peeking
    observed = summarize_ab(_counts([required] * 2, [required // 10] * 2), mde=0.20)
    assert observed.required_n_per_variant == required_sample_size(
        (required // 10) / required, 0.20
    )


def test_summary_detects_planted_lift_and_not_a_null_effect():
    rng = np.random.default_rng(11)
    n = 20_000
    lifted = summarize_ab(_counts([n, n], [rng.binomial(n, 0.05), rng.binomial(n, 0.06)]))
    treated = lifted.table.set_index("variant").loc["B"]
    assert treated["significant"] and treated["p_value"] < 0.01
    assert treated["lift_low"] < 0.2 < treated["lift_high"]
    assert treated["prob_best"] > 0.99

    null = summarize_ab(_counts([n, n], [rng.binomial(n, 0.05), rng.binomial(n, 0.05)]))
    assert not null.table.set_index("variant").loc["B", "significant"]


def test_summary_sums_rows_per_variant_and_uses_sorted_first_variant_as_control():
    daily = pd.DataFrame({
        "variant": ["B", "A", "B", "A"],
        "impressions": [100, 120, 150, 130],
        "clicks": [10, 6, 15, 9],
    })
    summary = summarize_ab(daily)
    table = summary.table.set_index("variant")
    assert summary.control == "A"
    assert table.loc["A", ["impressions", "clicks"]].tolist() == [250, 15]
    assert table.loc["B", "ctr"] == pytest.approx(25 / 250)
    assert np.isnan(table.loc["A", "p_value"])


def test_three_variants_get_holm_adjusted_p_values():
    summary = summarize_ab(_counts([5_000] * 3, [250, 300, 310], variants=("A", "B", "C")))
    table = summary.table.set_index("variant")
    raw = table.loc[["B", "C"], "p_value"].to_numpy()
    smallest, largest = np.argsort(raw)
    adjusted = table.loc[["B", "C"], "p_value_adj"].to_numpy()
    assert adjusted[smallest] == pytest.approx(min(1.0, 2 * raw[smallest]))
    assert adjusted[largest] == pytest.approx(max(adjusted[smallest], raw[largest]))


def test_summary_dict_is_strict_json():
    summary = summarize_ab(_counts([1_000, 1_000], [0, 3]))
    payload = json.loads(json.dumps(summary.to_dict(), allow_nan=False))
    assert payload["variants"][0]["lift"] is None
    assert payload["variants"][1]["test"] == "fisher"
    assert payload["variants"][1]["statistic"] is None  # infinite odds ratio
    assert payload["variants"][0]["ctr_low"] == 0.0
    assert payload["srm"]["mismatch"] is False


def test_counts_validation():
    with pytest.raises(ValueError, match="exceed"):
        summarize_ab(_counts([10, 10], [11, 2]))
    with pytest.raises(ValueError, match="missing columns"):
        summarize_ab(pd.DataFrame({"variant": ["A"], "clicks": [1]}))


def test_ctr_over_time_daily_and_cumulative():
    daily = pd.DataFrame({
        "date": pd.to_datetime(["2024-05-02", "2024-05-01", "2024-05-01", "2024-05-02"]),
        "variant": ["A", "A", "B", "B"],
        "impressions": [200, 100, 100, 0],
        "clicks": [10, 8, 5, 0],
    })
    result = ctr_over_time(daily).set_index(["variant", "date"])
    assert result.loc[("A", pd.Timestamp("2024-05-01")), "ctr"] == pytest.approx(0.08)
    assert result.loc[("A", pd.Timestamp("2024-05-02")), "cum_ctr"] == pytest.approx(18 / 300)
    assert np.isnan(result.loc[("B", pd.Timestamp("2024-05-02")), "ctr"])
    assert result.loc[("B", pd.Timestamp("2024-05-02")), "cum_ctr"] == pytest.approx(0.05)
    low, high = proportion_confint(10, 200, method="wilson")
    assert result.loc[("A", pd.Timestamp("2024-05-02")), ["ctr_low", "ctr_high"]].tolist() == (
        pytest.approx([low, high])
    )


def test_holm_adjust_equals_statsmodels():
    import numpy as np
    from statsmodels.stats.multitest import multipletests

    from analytics.abtest import holm_adjust

    rng = np.random.default_rng(4)
    for m in (1, 2, 3, 7):
        p = rng.random(m) ** 3
        assert np.allclose(holm_adjust(p), multipletests(p, method="holm")[1], atol=1e-12)
