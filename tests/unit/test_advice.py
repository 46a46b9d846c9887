"""Sticky hashed variant assignment: balanced, weighted, deterministic, independent per experiment."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.advice import assign_variant, hash_unit_interval

SESSIONS = [f"session-{i:06d}" for i in range(100_000)]


def test_two_variants_split_about_fifty_fifty_on_100k_ids():
    arms = pd.Series([assign_variant(s, "advice-msg") for s in SESSIONS])
    counts = arms.value_counts()
    assert set(counts.index) == {"A", "B"}
    # a fair coin stays within 4 standard deviations (±632 of 50,000) with near certainty
    assert abs(counts["A"] - 50_000) < 4 * np.sqrt(100_000 * 0.25)
    assert stats.binomtest(int(counts["A"]), 100_000, 0.5).pvalue > 0.001


def test_weighted_three_variants_follow_their_weights():
    weights = [0.2, 0.3, 0.5]
    arms = pd.Series([assign_variant(s, "tone", ["a", "b", "c"], weights) for s in SESSIONS])
    observed = arms.value_counts().reindex(["a", "b", "c"]).to_numpy()
    assert stats.chisquare(observed, np.array(weights) * len(SESSIONS)).pvalue > 0.001


def test_assignment_is_sticky_and_ignores_zero_weight_arms():
    first = [assign_variant(s, "advice-msg") for s in SESSIONS[:2_000]]
    again = [assign_variant(s, "advice-msg") for s in SESSIONS[:2_000]]
    assert first == again
    assert {assign_variant(s, "x", ["off", "on"], [0, 1]) for s in SESSIONS[:2_000]} == {"on"}


def test_assignment_is_the_same_in_another_process():
    # gunicorn workers and restarts must agree, so no per-process salt (as builtin hash() has)
    code = (
        "from analytics.advice import assign_variant;"
        "print(''.join(assign_variant(f'session-{i:06d}', 'advice-msg') for i in range(300)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    root = Path(__file__).resolve().parents[2]
    other = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    assert other == "".join(assign_variant(s, "advice-msg") for s in SESSIONS[:300])


def test_experiments_are_independent():
    one = [assign_variant(s, "exp-1") for s in SESSIONS[:20_000]]
    two = [assign_variant(s, "exp-2") for s in SESSIONS[:20_000]]
    table = pd.crosstab(pd.Series(one), pd.Series(two)).to_numpy()
    assert stats.chi2_contingency(table).pvalue > 0.001
    assert 0.4 < np.mean(np.array(one) == np.array(two)) < 0.6


def test_hash_is_uniform_on_unit_interval():
    values = np.array([hash_unit_interval("u", s) for s in SESSIONS[:20_000]])
    assert values.min() >= 0 and values.max() < 1
    assert stats.kstest(values, "uniform").pvalue > 0.001


def test_bad_weights_are_rejected():
    with pytest.raises(ValueError):
        assign_variant("s", "e", ["A", "B"], [1.0])
    with pytest.raises(ValueError):
        assign_variant("s", "e", ["A", "B"], [0, 0])
