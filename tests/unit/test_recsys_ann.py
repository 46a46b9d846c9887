"""Optional faiss neighbour search: close to exact when installed, exact fallback when not."""

import warnings

import numpy as np
import pytest

from analytics.recsys import UserKNN
from analytics.recsys.ann import faiss_available
from analytics.recsys.synthetic import make_synthetic_recsys_data


@pytest.fixture(scope="module")
def data():
    return make_synthetic_recsys_data(n_users=800, n_items=200, mean_interactions=25, seed=4)


@pytest.mark.skipif(not faiss_available(), reason="faiss is optional")
def test_faiss_neighbours_are_mostly_the_exact_ones(data):
    exact = UserKNN(k_neighbours=20).fit(data.interactions)
    approx = UserKNN(k_neighbours=20, neighbour_search="faiss", ann_candidates=200).fit(data.interactions)
    users = exact.matrix_.user_index[:50]
    overlap = []
    for user in users:
        truth = exact.neighbours(user)
        found = approx.neighbours(user).set_index("student_id")
        shared = truth[truth["student_id"].isin(found.index)]
        overlap.append(len(shared) / len(truth))
        # candidates are re-scored exactly, so shared neighbours carry the exact similarity
        np.testing.assert_allclose(found.loc[shared["student_id"], "similarity"], shared["similarity"], rtol=1e-5)
    assert np.mean(overlap) > 0.9
    batch = approx.recommend_batch(users[:10], n=5)
    single = approx.recommend(users[0], n=5)
    assert batch[batch["student_id"] == users[0]]["material_id"].tolist() == single["material_id"].tolist()


@pytest.mark.skipif(faiss_available(), reason="checks the fallback when faiss is absent")
def test_without_faiss_the_search_falls_back_to_exact(data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = UserKNN(neighbour_search="faiss").fit(data.interactions)
    assert any("falls back" in str(w.message) for w in caught)
    exact = UserKNN().fit(data.interactions)
    user = exact.matrix_.user_index[0]
    assert fallback.recommend(user)["material_id"].tolist() == exact.recommend(user)["material_id"].tolist()


def test_unknown_search_is_rejected():
    with pytest.raises(ValueError):
        UserKNN(neighbour_search="annoy")
