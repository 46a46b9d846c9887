"""Known-answer tests of PSI, KS / chi-square drift checks and error-by-period."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.drift import (
    PSI_EPSILON,
    REPORT_COLUMNS,
    drift_report,
    numeric_bin_counts,
    psi_band,
    psi_from_counts,
    rmse_by_period,
)


def _students(rng, n, *, math_mean=66.0, lunch_share=0.35, prep_share=0.36):
    """A synthetic slice shaped like core.students (scores, lunch, test prep)."""
    return pd.DataFrame({
        "math_score": np.clip(rng.normal(math_mean, 15, n), 0, 100).round(),
        "reading_score": np.clip(rng.normal(69, 14, n), 0, 100).round(),
        "lunch": rng.choice(["free/reduced", "standard"], n, p=[lunch_share, 1 - lunch_share]),
        "test_prep": rng.choice(["completed", "none"], n, p=[prep_share, 1 - prep_share]),
    })


def _hand_psi(ref_shares, cur_shares):
    return sum((c - r) * math.log(c / r) for r, c in zip(ref_shares, cur_shares))


def test_psi_equals_hand_computation_on_tiny_case():
    # shares 0.5/0.3/0.2 -> 0.4/0.3/0.3: (-0.1)·ln(0.8) + 0 + 0.1·ln(1.5)
    assert psi_from_counts([50, 30, 20], [40, 30, 30]) == pytest.approx(
        -0.1 * math.log(0.8) + 0.1 * math.log(1.5), rel=1e-12
    )


def test_numeric_psi_uses_reference_quantile_bins_and_epsilon_for_empty_bins():
    reference = pd.DataFrame({"x": np.arange(1.0, 11.0)})
    current = pd.DataFrame({"x": [1.0] * 5 + [10.0] * 5})
    # bins=5 cut at the reference quantiles 2.8, 4.6, 6.4, 8.2 -> 2 per bin vs 5, 0, 0, 0, 5
    assert [c.tolist() for c in numeric_bin_counts(reference["x"], current["x"], bins=5)] == [
        [2, 2, 2, 2, 2], [5, 0, 0, 0, 5],
    ]
    expected = _hand_psi([0.2] * 5, [0.5, PSI_EPSILON, PSI_EPSILON, PSI_EPSILON, 0.5])
    report = drift_report(reference, current, ["x"], bins=5)
    assert report.loc[0, "psi"] == pytest.approx(expected, rel=1e-12)
    assert report.loc[0, "band"] == "major"


def test_categorical_psi_covers_categories_new_in_current():
    reference = pd.DataFrame({"lunch": ["standard", "standard", "free/reduced", "free/reduced"]})
    current = pd.DataFrame({"lunch": ["standard", "standard", "standard", "unknown"]})
    expected = _hand_psi([0.5, 0.5, PSI_EPSILON], [PSI_EPSILON, 0.75, 0.25])  # free, std, unknown
    report = drift_report(reference, current, ["lunch"])
    assert report.loc[0, "kind"] == "categorical" and report.loc[0, "test"] == "chi2"
    assert report.loc[0, "psi"] == pytest.approx(expected, rel=1e-12)


def test_psi_bands():
    assert [psi_band(v) for v in (0.0, 0.099, 0.1, 0.25, 0.2501)] == [
        "stable", "stable", "moderate", "moderate", "major",
    ]


def test_planted_shift_is_flagged_and_same_distribution_is_not():
    rng = np.random.default_rng(42)
    reference = _students(rng, 3_000)
    same = _students(rng, 3_000)
    shifted = _students(rng, 3_000, math_mean=76.0, lunch_share=0.65)
    features = ["math_score", "reading_score", "lunch", "test_prep"]

    quiet = drift_report(reference, same, features)
    assert list(quiet.columns) == REPORT_COLUMNS
    assert not quiet["drifted"].any()
    assert (quiet["band"] == "stable").all()

    loud = drift_report(reference, shifted, features).set_index("feature")
    assert loud.loc["math_score", "drifted"] and loud.loc["lunch", "drifted"]
    assert loud.loc["math_score", "psi"] > 0.25 and loud.loc["lunch", "psi"] > 0.25
    assert not loud.loc["reading_score", "drifted"] and not loud.loc["test_prep", "drifted"]


def test_tests_match_scipy_references():
    rng = np.random.default_rng(5)
    reference, current = _students(rng, 500), _students(rng, 400, math_mean=70.0, prep_share=0.5)
    report = drift_report(reference, current, ["math_score", "test_prep"]).set_index("feature")
    ks = stats.ks_2samp(reference["math_score"], current["math_score"])
    assert report.loc["math_score", ["statistic", "p_value"]].tolist() == pytest.approx(
        [ks.statistic, ks.pvalue]
    )
    table = pd.crosstab(
        np.r_[np.zeros(500), np.ones(400)], np.r_[reference["test_prep"], current["test_prep"]]
    )
    chi2 = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert report.loc["test_prep", ["statistic", "p_value"]].tolist() == pytest.approx(
        [chi2.statistic, chi2.pvalue]
    )


def test_a_jump_in_missing_values_counts_as_drift():
    rng = np.random.default_rng(8)
    reference = _students(rng, 2_000)
    current = _students(rng, 2_000)
    current.loc[current.sample(frac=0.4, random_state=1).index, "math_score"] = np.nan
    report = drift_report(reference, current, ["math_score"])
    assert report.loc[0, "psi"] > 0.25
    assert report.loc[0, "band"] == "major"


def test_rmse_by_period_matches_hand_computation():
    df = pd.DataFrame({
        # Mon 2024-01-01 and Sun 2024-01-07 share an ISO week; Mon 2024-01-08 starts the next
        "ts": ["2024-01-01T09:00:00Z", "2024-01-07T23:30:00Z", "2024-01-08T00:10:00Z",
               "2024-01-09T12:00:00Z", "2024-01-10T12:00:00Z"],
        "y_true": [70.0, 60.0, 50.0, 80.0, np.nan],
        "y_pred": [73.0, 56.0, 50.0, 86.0, 75.0],
    })
    weekly = rmse_by_period(df, freq="W")
    assert weekly["period_start"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")]
    assert weekly["n"].tolist() == [2, 2]
    assert weekly["rmse"].tolist() == pytest.approx([math.sqrt((9 + 16) / 2), math.sqrt(36 / 2)])
    assert weekly["mae"].tolist() == pytest.approx([3.5, 3.0])
    assert rmse_by_period(df, freq="D")["n"].tolist() == [1, 1, 1, 1]


def test_jensen_shannon_distance_equals_scipy():
    from scipy.spatial.distance import jensenshannon

    from analytics.drift import jensen_shannon_distance

    rng = np.random.default_rng(0)
    for _ in range(20):
        p, q = rng.integers(0, 50, 8), rng.integers(0, 50, 8)
        p[0], q[-1] = 0, 0   # empty bins on either side
        assert jensen_shannon_distance(p, q) == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)
    assert jensen_shannon_distance([5, 5], [5, 5]) == 0.0
    assert jensen_shannon_distance([1, 0], [0, 1]) == pytest.approx(1.0)


def test_drift_report_carries_jsd_of_the_psi_bins():
    from scipy.spatial.distance import jensenshannon

    from analytics.drift import categorical_bin_counts

    ref = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50})
    cur = pd.DataFrame({"c": ["a"] * 80 + ["b"] * 15 + ["z"] * 5})
    row = drift_report(ref, cur, ["c"]).iloc[0]
    assert row["jsd"] == pytest.approx(jensenshannon(*categorical_bin_counts(ref["c"], cur["c"]), base=2))
