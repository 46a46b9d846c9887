"""Issue 12's judged claim in small: with the programme assigned by school and a school effect, each
consistent estimator's 95 % CI covers the planted effect ~95 % of the time with --cluster, and visibly
less without it. 120 replications of 1,500 pupils in 100 schools of varying size; seeds 0-119 (all of
the first ones tried)."""

import pandas as pd
import pytest

from analytics.causal import estimate_effects
from analytics.causal.simulate import simulate_clustered

pytestmark = pytest.mark.slow
EFFECT = 2.0
COVARIATES = ["school_ses", "x1", "x2", "group"]
CONSISTENT = {("psm", "ATT"), ("ipw", "ATE"), ("ipw", "ATT"), ("regression_adjustment", "ATE"), ("aipw", "ATE"),
              ("aipw", "ATT")}


def test_clustered_intervals_cover_the_truth_and_unclustered_ones_do_not():
    runs = []
    for seed in range(120):
        df = simulate_clustered(1500, 100, effect=EFFECT, seed=seed)
        for cluster in (None, "school_id"):
            table = estimate_effects(df, "treat", "y", COVARIATES, cluster=cluster, seed=seed).table
            runs.append(table.assign(clustered=cluster is not None))
    runs = pd.concat(runs).assign(covered=lambda t: (t.ci_low <= EFFECT) & (EFFECT <= t.ci_high))
    coverage = runs.groupby(["clustered", "method", "estimand"])["covered"].mean()
    print(coverage.unstack(0))   # shown with -s: both columns side by side
    clustered, plain = coverage.loc[True], coverage.loc[False]
    for key in CONSISTENT:
        assert clustered[key] >= 0.89, (key, clustered[key])
        assert plain[key] <= clustered[key] - 0.2, (key, plain[key], clustered[key])
    assert plain[list(CONSISTENT)].max() < 0.75
