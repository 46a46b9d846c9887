"""Ranking metrics against hand-computed cases and scikit-learn's NDCG."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import ndcg_score

from analytics.recsys.metrics import (
    average_precision_at_k,
    catalogue_coverage,
    hit_rate_at_k,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    recall_at_k,
)

RECOMMENDED = ["a", "b", "c", "d", "e"]
RELEVANT = {"b", "e", "x"}  # hits at ranks 2 and 5; "x" was never recommended


def test_precision_and_recall_hand_computed():
    assert precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(2 / 5)
    assert recall_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert precision_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx(1 / 2)
    assert recall_at_k(RECOMMENDED, RELEVANT, 1) == 0.0


def test_ndcg_hand_computed():
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx(dcg / ideal)


def test_ndcg_matches_sklearn():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_items, k = 30, 7
        relevant = set(rng.choice(n_items, rng.integers(1, 10), replace=False).tolist())
        ranking = rng.permutation(n_items)[:12].tolist()
        truth = np.array([[1.0 if i in relevant else 0.0 for i in range(n_items)]])
        scores = np.zeros((1, n_items))
        scores[0, ranking] = np.arange(len(ranking), 0, -1)  # strictly decreasing by rank
        expected = ndcg_score(truth, scores, k=k)
        assert ndcg_at_k(ranking, relevant, k) == pytest.approx(expected)


def test_average_precision_hand_computed():
    # precision@2 = 1/2, precision@5 = 2/5; denominator min(|R|, K) = 3
    assert average_precision_at_k(RECOMMENDED, RELEVANT, 5) == pytest.approx((1 / 2 + 2 / 5) / 3)
    # K = 2: one hit at rank 2, denominator min(3, 2) = 2
    assert average_precision_at_k(RECOMMENDED, RELEVANT, 2) == pytest.approx((1 / 2) / 2)
    assert average_precision_at_k(["b", "e"], {"b", "e"}, 2) == pytest.approx(1.0)


def test_hit_rate():
    assert hit_rate_at_k(RECOMMENDED, RELEVANT, 5) == 1.0
    assert hit_rate_at_k(RECOMMENDED, RELEVANT, 1) == 0.0


def test_short_list_keeps_k_in_the_precision_denominator():
    assert precision_at_k(["b"], RELEVANT, 5) == pytest.approx(1 / 5)
    assert ndcg_at_k(["b"], {"b"}, 5) == pytest.approx(1.0)


def test_vectorised_rows_and_users_without_relevant_items():
    recommended = np.array([[0, 1, 2], [2, -1, -1], [0, 1, 2]])
    relevant = sp.csr_array(np.array([[0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]))
    table = ranking_metrics(recommended, relevant, 3)
    assert table.loc[0, "precision"] == pytest.approx(1 / 3)
    assert table.loc[0, "recall"] == pytest.approx(1 / 2)
    assert table.loc[1, "ndcg"] == pytest.approx(1.0)
    assert table.loc[1, "map"] == pytest.approx(1.0)
    assert table.loc[2].isna().all()  # nothing relevant: left out of the means


def test_catalogue_coverage():
    recommended = np.array([[0, 1, -1], [1, 2, 3]])
    assert catalogue_coverage(recommended, 8) == pytest.approx(4 / 8)
