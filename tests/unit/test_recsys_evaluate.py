"""Offline evaluation on planted-structure synthetic data."""

import numpy as np
import pandas as pd
import pytest

from analytics.recsys import Popularity, UserKNN
from analytics.recsys.evaluate import evaluate_methods, make_recommender, metric_vs_k, prepare_evaluation
from analytics.recsys.metrics import METRIC_NAMES, ndcg_at_k, precision_at_k
from analytics.recsys.synthetic import make_synthetic_recsys_data


@pytest.fixture(scope="module")
def planted():
    return make_synthetic_recsys_data(n_users=600, n_items=300, mean_interactions=30, seed=5)


def test_user_knn_beats_popularity_on_planted_structure(planted):
    table = evaluate_methods(planted.interactions, planted.items, k=10).set_index("method")
    assert set(table.index) == {"popularity", "user_knn", "item_knn", "content", "hybrid"}
    assert table.loc["user_knn", "ndcg"] > 1.2 * table.loc["popularity", "ndcg"]
    assert table.loc["item_knn", "ndcg"] > table.loc["popularity", "ndcg"]
    assert table.loc["user_knn", "coverage"] > table.loc["popularity", "coverage"]
    assert table[list(METRIC_NAMES)].stack().between(0, 1).all()


def test_table_matches_metrics_recomputed_per_student():
    interactions = make_synthetic_recsys_data(n_users=200, n_items=100, mean_interactions=20, seed=6).interactions
    table = evaluate_methods(interactions, k=5, methods=["popularity"])
    data = prepare_evaluation(interactions)
    model = Popularity().fit(data.split.train)
    precisions, ndcgs = [], []
    for user, truth in data.split.test.groupby("student_id")["material_id"]:
        ranked = model.recommend(user, n=5)["material_id"].tolist()
        precisions.append(precision_at_k(ranked, set(truth), 5))
        ndcgs.append(ndcg_at_k(ranked, set(truth), 5))
    assert table.loc[0, "precision"] == pytest.approx(np.mean(precisions))
    assert table.loc[0, "ndcg"] == pytest.approx(np.mean(ndcgs))
    assert table.loc[0, "n_users"] == len(precisions)


def test_relevance_threshold_keeps_only_highly_rated_test_items(planted):
    data = prepare_evaluation(planted.interactions, relevance_threshold=4)
    highly_rated = data.split.test[data.split.test["rating"] >= 4]
    assert data.relevant.sum() == len(highly_rated)
    assert len(data.users) == highly_rated["student_id"].nunique()


def test_metric_vs_k_is_consistent(planted):
    methods = {"pop": Popularity(), "uknn": make_recommender("user_knn", k_neighbours=30)}
    curve = metric_vs_k(planted.interactions, ks=(1, 5, 10), methods=methods)
    assert len(curve) == 6
    for _, part in curve.groupby("method"):
        assert part["recall"].is_monotonic_increasing and part["hit_rate"].is_monotonic_increasing
    at10 = evaluate_methods(planted.interactions, k=10, methods={"uknn": UserKNN(k_neighbours=30)})
    row = curve[(curve["method"] == "uknn") & (curve["k"] == 10)].iloc[0]
    assert row["ndcg"] == pytest.approx(at10.loc[0, "ndcg"])


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError):
        make_recommender("svd")
    interactions = pd.DataFrame({"student_id": ["S1"] * 5, "material_id": list("abcde"),
                                 "ts": pd.date_range("2025-01-01", periods=5)})
    with pytest.raises(ValueError):
        evaluate_methods(interactions, methods=["nope"])
