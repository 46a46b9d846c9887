"""Clusters, fixed effects and the bootstrap against statsmodels and known answers (issue 12)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analytics.causal import EffectInputError, estimate_effects, simulate_confounded
from analytics.causal.bootstrap import interactive_replicates, resample, time_one_replicate
from analytics.causal.clusters import group_codes, influence_se
from analytics.causal.effects import problem_of
from analytics.causal.simulate import simulate_clustered

COVARIATES = ["school_ses", "x1", "x2", "group"]


@pytest.fixture(scope="module")
def schools():
    """Programme assigned by school, 80 schools of varying size."""
    return simulate_clustered(4000, 80, seed=5)


@pytest.fixture(scope="module")
def pupils_in_schools():
    """Pupil-level treatment (so within-school comparisons exist) plus a school effect on the outcome."""
    df = simulate_confounded(3000, seed=12)
    rng = np.random.default_rng(3)
    df["school"] = [f"school-{i}" for i in rng.integers(0, 60, len(df))]   # a text id, 60 levels
    df["y"] = df["y"] + rng.normal(0, 2, 60)[df["school"].str.slice(7).astype(int)]
    return df


def _row(table, method, estimand="ATE"):
    return table[(table["method"] == method) & (table["estimand"] == estimand)].iloc[0]


def test_regression_with_cluster_equals_statsmodels_cluster(schools):
    groups = pd.factorize(schools["school_id"])[0]
    reference = smf.ols("y ~ treat + school_ses + x1 + x2 + C(group)", data=schools).fit(
        cov_type="cluster", cov_kwds={"groups": groups})
    table = estimate_effects(schools, "treat", "y", COVARIATES, methods=["regression_adjustment"],
                             cluster="school_id").table
    row = _row(table, "regression_adjustment")
    assert row.estimate == pytest.approx(reference.params["treat"], abs=1e-6)
    assert row.se == pytest.approx(reference.bse["treat"], abs=1e-6)
    assert (row.ci_low, row.ci_high) == pytest.approx(tuple(reference.conf_int().loc["treat"]), abs=1e-6)
    assert row.se_type == "cluster"


def test_difference_with_cluster_equals_statsmodels_cluster(schools):
    groups = pd.factorize(schools["school_id"])[0]
    reference = smf.ols("y ~ treat", data=schools).fit(cov_type="cluster", cov_kwds={"groups": groups})
    row = _row(estimate_effects(schools, "treat", "y", COVARIATES, methods=["difference_in_means"],
                                cluster="school_id").table, "difference_in_means")
    assert (row.estimate, row.se) == pytest.approx((reference.params["treat"], reference.bse["treat"]), abs=1e-6)


def test_regression_with_fixed_effects_equals_statsmodels_dummies(pupils_in_schools):
    df = pupils_in_schools
    formula = "y ~ treat + x1 + x2 + C(group) + C(school)"
    hc3 = smf.ols(formula, data=df).fit(cov_type="HC3")
    row = _row(estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["regression_adjustment"],
                                fixed_effects="school").table, "regression_adjustment")
    assert (row.estimate, row.se) == pytest.approx((hc3.params["treat"], hc3.bse["treat"]), abs=1e-6)
    clustered = smf.ols(formula, data=df).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df["school"])[0]})
    row = _row(estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["regression_adjustment"],
                                fixed_effects="school", cluster="school").table, "regression_adjustment")
    assert (row.estimate, row.se) == pytest.approx((clustered.params["treat"], clustered.bse["treat"]), abs=1e-6)


def test_singleton_clusters_give_the_iid_influence_se_times_cr1_factor():
    influence = np.random.default_rng(0).standard_normal(500)
    singletons = group_codes(pd.Series(np.arange(500)))
    assert influence_se(influence, singletons) == pytest.approx(influence_se(influence, None) * np.sqrt(500 / 499))


def test_weighting_estimators_with_singleton_clusters_match_their_iid_se():
    df = simulate_confounded(2000, seed=4).assign(unit=np.arange(2000))
    plain = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["ipw", "aipw"]).table
    clustered = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["ipw", "aipw"],
                                 cluster="unit").table
    assert np.allclose(clustered["se"], plain["se"] * np.sqrt(2000 / 1999), rtol=1e-9)
    assert np.allclose(clustered["estimate"], plain["estimate"], rtol=1e-12)


def test_fixed_effects_psm_matches_only_within_the_level(pupils_in_schools):
    result = estimate_effects(pupils_in_schools, "treat", "y", ["x1", "x2", "group"], methods=["psm"],
                              fixed_effects="school")
    school = pupils_in_schools["school"].to_numpy()
    assert len(result.pairs) > 0
    assert (school[result.pairs["treated_row"]] == school[result.pairs["control_row"]]).all()


def test_school_assigned_programme_cannot_be_compared_within_schools(schools):
    with pytest.raises(EffectInputError) as excinfo:
        estimate_effects(schools, "treat", "y", ["x1"], fixed_effects="school_id")
    assert [(e["code"], e["column"]) for e in excinfo.value.errors] == [("no_within_variation", "school_id")]


def test_id_columns_are_refused_as_covariates_but_accepted_as_cluster_or_fixed_effects(pupils_in_schools):
    with pytest.raises(EffectInputError, match="high_cardinality_covariate"):
        estimate_effects(pupils_in_schools, "treat", "y", ["x1", "school"])
    result = estimate_effects(pupils_in_schools, "treat", "y", ["x1"], cluster="school", fixed_effects="school")
    assert result.diagnostics["n_clusters"] == 60 and result.diagnostics["n_fixed_effects"] == 60


def test_few_clusters_warn(schools):
    few = schools[schools["school_id"].isin(sorted(schools["school_id"].unique())[:20])]
    result = estimate_effects(few, "treat", "y", ["x1", "x2"], methods=["regression_adjustment"], cluster="school_id")
    warning = next(w for w in result.warnings if w["code"] == "few_clusters")
    assert warning["n_clusters"] == 20 and warning["column"] == "school_id"
    many = estimate_effects(schools, "treat", "y", ["x1"], methods=["regression_adjustment"], cluster="school_id")
    assert not any(w["code"] == "few_clusters" for w in many.warnings)


def test_cluster_resample_keeps_whole_clusters():
    codes = group_codes(pd.Series([0, 0, 0, 1, 2, 2]))
    rows = resample(6, codes, np.random.default_rng(1))
    drawn = codes.codes[rows]
    counts = np.bincount(drawn, minlength=3)
    assert all(count % size == 0 for count, size in zip(counts, (3, 1, 2)))


def test_cluster_bootstrap_se_agrees_with_cr1_and_labels_rows(schools):
    cr1 = estimate_effects(schools, "treat", "y", COVARIATES, methods=["regression_adjustment"],
                           cluster="school_id").table
    boot = estimate_effects(schools, "treat", "y", COVARIATES, methods=["regression_adjustment"],
                            cluster="school_id", bootstrap=300, seed=2).table
    assert boot["se_type"].iloc[0] == "bootstrap"
    assert boot["se"].iloc[0] == pytest.approx(cr1["se"].iloc[0], rel=0.15)
    # The unit bootstrap ignores the schools and comes out far narrower.
    units = estimate_effects(schools, "treat", "y", COVARIATES, methods=["regression_adjustment"],
                             bootstrap=100, seed=2).table
    assert units["se"].iloc[0] < 0.6 * boot["se"].iloc[0]


def test_bootstrap_intervals_percentile_and_bca_bracket_the_estimate():
    df = simulate_confounded(1500, seed=21)
    for ci in ("percentile", "bca"):
        table = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], bootstrap=60, ci=ci, seed=1).table
        assert (table["se_type"] == "bootstrap").all()
        assert ((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"])).all(), table


def test_bootstrap_only_some_methods_leaves_the_others_analytic():
    df = simulate_confounded(1500, seed=22)
    table = estimate_effects(df, "treat", "y", ["x1", "x2", "group"], bootstrap=30,
                             bootstrap_methods=("ipw", "aipw")).table
    assert dict(zip(table["method"], table["se_type"])) == {
        "difference_in_means": "analytic", "psm": "analytic", "ipw": "bootstrap",
        "regression_adjustment": "analytic", "aipw": "bootstrap"}


def test_interactive_replicates_fit_the_budget():
    assert interactive_replicates(0.01) == 200
    assert interactive_replicates(0.03) == 100
    assert interactive_replicates(1.0) == 50
    df = simulate_confounded(1000, seed=1)
    problem = problem_of(df, "treat", "y", ["x1", "x2", "group"])
    assert time_one_replicate(problem, ["ipw", "aipw"]) > 0


def test_psm_linearised_se_with_singleton_clusters_matches_the_monte_carlo_spread():
    estimates, clustered_se = [], []
    for seed in range(25):
        df = simulate_confounded(2000, seed=100 + seed).assign(unit=np.arange(2000))
        row = _row(estimate_effects(df, "treat", "y", ["x1", "x2", "group"], methods=["psm"], cluster="unit").table,
                   "psm", "ATT")
        estimates.append(row.estimate)
        clustered_se.append(row.se)
    # 25 replications pin the spread down to about +-15 %.
    assert np.mean(clustered_se) == pytest.approx(np.std(estimates, ddof=1), rel=0.3)
