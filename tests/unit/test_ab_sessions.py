"""Session-level A/B statistics: delta-method SEs, SRM on sessions, formatting, an A/A simulation."""
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.ab_sessions import (
    binomial_estimate,
    compare,
    format_p_value,
    format_prob_best,
    probability_best_normal,
    ratio_estimate,
    results_over_time,
    session_srm,
    significance_label,
    sufficient_stats,
    summarize_sessions,
)
from analytics.abtest import wilson_interval
from analytics.sequential import sequential_interval, sequential_p_value


def _sessions(n, seed, *, mean_imps=4, a=0.3, b=2.7, split=0.5):
    """Sessions with several impressions each and a per-session click propensity (clicks go together)."""
    rng = np.random.default_rng(seed)
    imps = 1 + rng.poisson(mean_imps - 1, n)
    clicks = rng.binomial(imps, rng.beta(a, b, n))
    return pd.DataFrame({"variant": np.where(rng.random(n) < split, "A", "B"),
                         "impressions": imps, "clicks": clicks})


def test_delta_method_se_equals_an_independent_per_session_computation():
    df = _sessions(5000, 1)
    for variant, group in df.groupby("variant"):
        x, y = group["impressions"].to_numpy(float), group["clicks"].to_numpy(float)
        row = sufficient_stats(df).set_index("variant").loc[variant]
        est = ratio_estimate(row.sessions, row.sum_x, row.sum_y, row.sum_x2, row.sum_y2, row.sum_xy)
        # linearisation: the ratio's influence values (y - R x) / mean(x), their SE of the mean
        ratio = y.sum() / x.sum()
        influence = (y - ratio * x) / x.mean()
        assert est.value == pytest.approx(ratio, abs=1e-12)
        assert est.se == pytest.approx(influence.std(ddof=1) / math.sqrt(len(x)), abs=1e-9, rel=0)


def test_session_se_is_wider_than_the_impression_level_one_when_clicks_cluster():
    df = _sessions(4000, 2)
    row = sufficient_stats(df).iloc[0]
    est = ratio_estimate(row.sessions, row.sum_x, row.sum_y, row.sum_x2, row.sum_y2, row.sum_xy)
    naive = math.sqrt(est.value * (1 - est.value) / row.sum_x)
    assert est.se > 1.3 * naive


def test_binomial_conversion_matches_the_textbook_se():
    est = binomial_estimate(400, 100)
    assert (est.value, est.se) == (0.25, pytest.approx(math.sqrt(0.25 * 0.75 / 400)))


def test_z_test_and_lift_ci_against_scipy_and_a_planted_lift():
    a = ratio_estimate(1000, 3000, 300, 12000, 900, 3000)
    b = ratio_estimate(1000, 3000, 360, 12000, 1100, 3500)
    out = compare(a, b)
    z = (b.value - a.value) / math.hypot(a.se, b.se)
    assert out["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert out["lift"] == pytest.approx(0.2)
    assert out["lift_low"] < 0.2 < out["lift_high"]
    # the always-valid interval is wider than the fixed-horizon one, and its p-value larger
    assert out["seq_lift_low"] < out["lift_low"] and out["seq_lift_high"] > out["lift_high"]
    assert out["seq_p_value"] > out["p_value"]


def test_sequential_p_value_is_where_the_interval_touches_zero():
    p = sequential_p_value(0.3, 0.05, 2000)
    low, _ = sequential_interval(0.3, 0.05, 2000, alpha=p)
    assert low == pytest.approx(0.0, abs=1e-6)


def test_srm_fires_on_a_skewed_session_split_not_on_a_fair_one():
    fair = sufficient_stats(_sessions(20000, 3, split=0.5))
    skewed = sufficient_stats(_sessions(20000, 3, split=0.53))
    assert not session_srm(fair).mismatch
    assert session_srm(skewed).mismatch
    # a planned 90/10 split is fair when it is what was planned
    planned = sufficient_stats(_sessions(20000, 4, split=0.9))
    assert not session_srm(planned, {"A": 0.9, "B": 0.1}).mismatch
    assert session_srm(planned).mismatch


def test_formatting_never_shows_zero_or_certainty():
    assert format_p_value(0.0) == "< 0.001" and format_p_value(1e-9) == "< 0.001"
    assert format_p_value(0.0421) == "0.042"
    assert format_prob_best(1.0) == "> 99.9 %" and format_prob_best(0.99995) == "> 99.9 %"
    assert format_prob_best(0.0) == "< 0.1 %" and format_prob_best(0.5) == "50.0 %"


def test_significant_lift_below_the_mde_is_labelled():
    assert significance_label(0.01, 0.001, mde=0.10) == "significant_below_mde"
    assert significance_label(0.15, 0.001, mde=0.10) == "significant"
    assert significance_label(0.15, 0.2, mde=0.10) == "not_significant"


def test_summary_finds_a_planted_lift_and_counts_only_sessions():
    rng = np.random.default_rng(5)
    n = 20000
    variant = np.where(rng.random(n) < 0.5, "A", "B")
    imps = 1 + rng.poisson(2, n)
    p = np.where(variant == "A", 0.08, 0.12)
    df = pd.DataFrame({"variant": variant, "impressions": imps, "clicks": rng.binomial(imps, p)})
    table = summarize_sessions(sufficient_stats(df), mde=0.10).set_index("variant")
    assert table.loc["B", "ctr_lift_low"] < 0.5 < table.loc["B", "ctr_lift_high"]
    assert table.loc["B", "ctr_label"] == "significant"
    assert table.loc["B", "ctr_prob_best"] > 0.999
    assert table["sessions"].sum() == n


def test_probability_best_two_variants_is_the_normal_cdf():
    p = probability_best_normal([0.10, 0.11], [0.004, 0.003])
    assert p[1] == pytest.approx(stats.norm.cdf(0.01 / 0.005))


@pytest.mark.slow
def test_aa_simulation_sequential_is_safe_to_peek_and_session_ci_covers():
    """400 A/A experiments, 14 daily peeks, clustered clicks within sessions."""
    rng = np.random.default_rng(13)
    n_exp, days, per_day, a, b = 400, 14, 150, 0.3, 2.7
    true_ctr = a / (a + b)
    n = n_exp * days * 2 * per_day
    cell = np.repeat(np.arange(n_exp * days * 2), per_day)          # (experiment, day, arm)
    imps = 1 + rng.poisson(3, n)
    clicks = rng.binomial(imps, rng.beta(a, b, n))
    sums = {name: np.bincount(cell, weights=w, minlength=n_exp * days * 2).reshape(n_exp, days, 2).cumsum(axis=1)
            for name, w in (("x", imps), ("y", clicks), ("x2", imps**2), ("y2", clicks**2), ("xy", imps * clicks))}
    sessions = np.arange(1, days + 1)[None, :, None] * per_day * np.ones((n_exp, 1, 2))
    fixed_peeked = fixed_final = seq_peeked = 0
    covered_session = covered_impression = 0
    for e in range(n_exp):
        fixed_hit = seq_hit = False
        for d in range(days):
            arms = [ratio_estimate(sessions[e, d, k], *(sums[s][e, d, k] for s in ("x", "y", "x2", "y2", "xy")))
                    for k in (0, 1)]
            out = compare(*arms)
            fixed_hit |= out["p_value"] < 0.05
            seq_hit |= not (out["seq_lift_low"] <= 0 <= out["seq_lift_high"])
        fixed_peeked += fixed_hit
        seq_peeked += seq_hit
        fixed_final += out["p_value"] < 0.05
        for est, k in zip(arms, (0, 1)):
            covered_session += abs(est.value - true_ctr) <= 1.96 * est.se
            low, high = wilson_interval(sums["y"][e, -1, k], sums["x"][e, -1, k])
            covered_impression += low <= true_ctr <= high
    rates = {"sequential_peeked": seq_peeked / n_exp, "fixed_peeked": fixed_peeked / n_exp,
             "fixed_final_only": fixed_final / n_exp, "session_coverage": covered_session / (2 * n_exp),
             "impression_coverage": covered_impression / (2 * n_exp)}
    print(rates)
    assert rates["sequential_peeked"] <= 0.05
    assert rates["fixed_peeked"] >= 0.12            # peeking a fixed-horizon test daily inflates errors
    assert 0.02 <= rates["fixed_final_only"] <= 0.09  # one look at the end is calibrated
    assert 0.92 <= rates["session_coverage"] <= 0.98
    assert rates["impression_coverage"] < 0.88


def test_results_over_time_ends_at_the_summary_and_sequential_is_wider_every_day():
    rng = np.random.default_rng(11)
    df = _sessions(6000, 11)
    df["day"] = pd.Timestamp("2026-11-01") + pd.to_timedelta(rng.integers(0, 10, len(df)), unit="D")
    daily = pd.concat([sufficient_stats(part).assign(day=day) for day, part in df.groupby("day")])
    looks = results_over_time(daily)
    assert len(looks) == 10 and looks["sessions"].is_monotonic_increasing
    final = summarize_sessions(sufficient_stats(df)).set_index("variant").loc["B"]
    assert looks.iloc[-1]["lift"] == pytest.approx(final["ctr_lift"])
    assert looks.iloc[-1]["seq_p_value"] == pytest.approx(final["ctr_seq_p_value"])
    assert (looks["seq_lift_low"] < looks["lift_low"]).all() and (looks["seq_lift_high"] > looks["lift_high"]).all()
    conversion = results_over_time(daily, metric="conversion")
    assert conversion.iloc[-1]["lift"] == pytest.approx(final["conversion_lift"])
