"""Recommenders: hand-computed scores, dense references, seen items, cold start, batch = per-user."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics.pairwise import cosine_similarity

from analytics.recsys import ContentBased, Hybrid, ItemKNN, Popularity, UserKNN, build_interaction_matrix
from analytics.recsys.synthetic import make_synthetic_recsys_data

ALL_METHODS = [Popularity, UserKNN, ItemKNN, ContentBased, Hybrid]


@pytest.fixture(scope="module")
def data():
    return make_synthetic_recsys_data(n_users=150, n_items=80, mean_interactions=15, seed=11)


def _toy() -> pd.DataFrame:
    """A: 1 2 3, B: 1 2 4, C: 1 5, D: 3 4 5."""
    pairs = {"A": [1, 2, 3], "B": [1, 2, 4], "C": [1, 5], "D": [3, 4, 5]}
    return pd.DataFrame([(u, f"M{i}") for u, items in pairs.items() for i in items],
                        columns=["student_id", "material_id"])


def _dense_shrunk_cosine(x: np.ndarray, shrink: float) -> np.ndarray:
    """Reference: cosine × n_common / (n_common + shrink) from dense arrays."""
    common = (x > 0).astype(float) @ (x > 0).T
    return cosine_similarity(x) * common / (common + shrink)


def test_user_knn_hand_computed_scores_and_explanation():
    model = UserKNN(k_neighbours=3, shrink=1.0).fit(_toy())
    # cos(A,B)=2/3·(2/3), cos(A,C)=1/√6·(1/2), cos(A,D)=1/3·(1/2)
    sims = model.neighbours("A").set_index("student_id")["similarity"]
    assert sims.to_dict() == pytest.approx({"B": 4 / 9, "C": 0.5 / np.sqrt(6), "D": 1 / 6}, rel=1e-6)
    recs = model.recommend("A", n=5).set_index("material_id")
    assert list(recs.index) == ["M4", "M5"]  # M1..M3 are seen
    assert recs.loc["M4", "score"] == pytest.approx(4 / 9 + 1 / 6, rel=1e-6)
    assert recs.loc["M5", "score"] == pytest.approx(0.5 / np.sqrt(6) + 1 / 6, rel=1e-6)
    assert recs.loc["M4", "because_of"] == ("B", "D")  # neighbours who had it, most similar first
    assert recs.loc["M5", "support"] == 2
    assert set(recs["reason"]) == {"similar_students"}


def test_user_knn_keeps_only_k_neighbours():
    recs = UserKNN(k_neighbours=1, shrink=1.0).fit(_toy()).recommend("A", n=5)
    assert recs["material_id"].tolist() == ["M4"]  # only B counts
    assert recs["score"].iloc[0] == pytest.approx(4 / 9, rel=1e-6)


@pytest.mark.parametrize("weighting", ["binary", "rating"])
def test_user_knn_similarities_match_dense_reference(data, weighting):
    model = UserKNN(k_neighbours=10, shrink=5.0, weighting=weighting).fit(data.interactions)
    x = model.matrix_.values.toarray()
    reference = _dense_shrunk_cosine(x, 5.0)
    for position in [0, 7, 42]:
        user = model.matrix_.user_index[position]
        expected = np.delete(reference[position], position)  # self is never a neighbour
        got = model.neighbours(user)["similarity"].to_numpy()
        np.testing.assert_allclose(got, np.sort(expected)[::-1][:10], rtol=1e-5)


def test_user_knn_scores_match_dense_reference(data):
    model = UserKNN(k_neighbours=8, shrink=2.0).fit(data.interactions)
    x = model.matrix_.values.toarray()
    sims = _dense_shrunk_cosine(x, 2.0)
    np.fill_diagonal(sims, 0)
    user = model.matrix_.user_index[3]
    neighbours = model.neighbours(user)
    top = model.matrix_.user_positions(neighbours["student_id"])
    expected = sims[3, top] @ x[top]
    recs = model.recommend(user, n=10)
    got = recs["score"].to_numpy()
    np.testing.assert_allclose(got, expected[model.matrix_.item_positions(recs["material_id"])], rtol=1e-5)
    assert np.all(np.diff(got) <= 0)


def test_item_knn_matches_dense_reference(data):
    model = ItemKNN(k_neighbours=6, shrink=3.0).fit(data.interactions)
    x = model.matrix_.values.toarray()
    sims = _dense_shrunk_cosine(x.T, 3.0)
    np.fill_diagonal(sims, 0)
    kept = np.zeros_like(sims)
    for j in range(len(sims)):  # each material keeps its 6 most similar materials
        top = np.argsort(-sims[j], kind="stable")[:6]
        kept[j, top] = sims[j, top]
    np.testing.assert_allclose(model.similarity_.toarray(), kept, rtol=1e-5, atol=1e-7)
    recs = model.recommend(model.matrix_.user_index[5], n=10)
    expected = x[5] @ kept
    np.testing.assert_allclose(recs["score"], expected[model.matrix_.item_positions(recs["material_id"])], rtol=1e-5)
    first = recs.iloc[0]
    history = set(model.matrix_.item_index[np.nonzero(x[5])[0]])
    assert first["support"] > 0 and set(first["because_of"]) <= history


def test_popularity_orders_by_distinct_students():
    recs = Popularity().fit(_toy()).recommend_for_history([], n=5)
    assert recs["material_id"].tolist()[:2] == ["M1", "M2"]  # 3 and 2 students; ties by id after
    assert recs["support"].tolist() == [3, 2, 2, 2, 2]
    assert recs["score"].iloc[0] == pytest.approx(3 / 4)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_seen_items_are_never_recommended(data, method):
    model = method().fit(data.interactions, data.items)
    batch = model.recommend_batch(n=30)
    seen = data.interactions[["student_id", "material_id"]].drop_duplicates()
    assert batch.merge(seen, on=["student_id", "material_id"]).empty
    history = data.items["material_id"].iloc[:5].tolist()
    assert not set(model.recommend_for_history(history, n=30)["material_id"]) & set(history)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_batch_equals_per_user(data, method):
    model = method(block_size=7).fit(data.interactions, data.items)  # several uneven blocks
    users = model.matrix_.user_index[:40]
    batch = model.recommend_batch(users, n=10)
    for user in users:
        single = model.recommend(user, n=10)
        mine = batch[batch["student_id"] == user]
        assert mine["material_id"].tolist() == single["material_id"].tolist()
        np.testing.assert_array_equal(mine["score"].to_numpy(), single["score"].to_numpy())


def test_cold_start_students_still_get_recommendations(data):
    hybrid = Hybrid().fit(data.interactions, data.items)
    unknown = hybrid.recommend("S_NOT_SEEN", n=10)
    popular = Popularity().fit(data.interactions).recommend("S_NOT_SEEN", n=10)
    assert unknown["material_id"].tolist() == popular["material_id"].tolist()  # no history → popularity
    one = hybrid.recommend_for_history([data.items["material_id"].iloc[0]], n=10)
    assert len(one) == 10 and set(one["reason"]) <= {"content_match", "popular", "similar_students"}
    assert len(UserKNN().fit(data.interactions).recommend("S_NOT_SEEN", n=10)) == 0  # CF alone cannot


def test_hybrid_surfaces_new_materials_by_content(data):
    items = data.items
    template = items.iloc[0]
    twins = items[(items["subject"] == template["subject"]) & (items["format"] == template["format"])
                  & (items["difficulty"] == template["difficulty"])]["material_id"].tolist()
    new = pd.DataFrame([{**template.to_dict(), "material_id": "M9999", "title": "new"}])
    catalogue = pd.concat([items, new], ignore_index=True)
    hybrid = Hybrid(new_item_weight=0.5).fit(data.interactions, catalogue)
    recs = hybrid.recommend_for_history(twins, n=len(catalogue)).set_index("material_id")
    # identical content → cosine 1 → score = new_item_weight · 1
    assert recs.loc["M9999", "score"] == pytest.approx(0.5)
    assert recs.loc["M9999", "reason"] == "new_material"
    cf = UserKNN().fit(data.interactions, catalogue).recommend_for_history(twins, n=len(catalogue))
    assert "M9999" not in set(cf["material_id"])


def test_content_scores_are_profile_cosines(data):
    model = ContentBased().fit(data.interactions, data.items)
    history = data.items["material_id"].iloc[[0, 1, 2]].tolist()
    features = model.features_
    positions = model.matrix_.item_positions(history)
    profile = features[positions].sum(axis=0)
    expected = features @ (profile / np.linalg.norm(profile))
    recs = model.recommend_for_history(history, n=10)
    np.testing.assert_allclose(recs["score"], expected[model.matrix_.item_positions(recs["material_id"])])


def test_history_with_ratings_weights_the_rating_model():
    toy = _toy().assign(rating=[5, 1, 1, 5, 5, 5, 1, 1, 5, 5, 5])
    model = ItemKNN(weighting="rating", shrink=0.0).fit(toy)
    liked_m1 = model.recommend_for_history([("M1", 5.0), ("M3", 1.0)], n=3)
    liked_m3 = model.recommend_for_history([("M1", 1.0), ("M3", 5.0)], n=3)
    assert liked_m1["score"].tolist() != liked_m3["score"].tolist()


def test_allowed_items_restrict_candidates(data):
    allowed = data.items["material_id"].iloc[::3].tolist()
    recs = UserKNN().fit(data.interactions).recommend(data.interactions["student_id"].iloc[0], n=10,
                                                      allowed_items=allowed)
    assert len(recs) > 0 and set(recs["material_id"]) <= set(allowed)


def test_unfitted_model_and_bad_weighting_raise():
    with pytest.raises(RuntimeError):
        UserKNN().recommend("S1")
    with pytest.raises(ValueError):
        build_interaction_matrix(_toy(), weighting="log")
