"""Synthetic generator: deterministic, contract-shaped, with planted popularity and affinity."""

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analytics.recsys.synthetic import make_synthetic_recsys_data


def test_same_seed_same_data_and_contract_columns():
    first = make_synthetic_recsys_data(200, 60, 12, seed=3)
    second = make_synthetic_recsys_data(200, 60, 12, seed=3)
    pd.testing.assert_frame_equal(first.interactions, second.interactions)
    assert not first.interactions.equals(make_synthetic_recsys_data(200, 60, 12, seed=4).interactions)
    frame = first.interactions
    assert list(frame.columns) == ["student_id", "material_id", "rating", "completed", "ts"]
    assert frame["student_id"].str.fullmatch(r"S\d{7}").all()
    assert frame["material_id"].str.fullmatch(r"M\d{4}").all()
    assert frame["rating"].between(1, 5).all()
    assert not frame.duplicated(["student_id", "material_id"]).any()
    assert set(first.items.columns) >= {"material_id", "title", "subject", "difficulty", "format"}
    assert first.items["difficulty"].between(1, 5).all()


def test_counts_near_the_requested_mean():
    data = make_synthetic_recsys_data(500, 400, 30, seed=1)
    per_user = data.interactions.groupby("student_id").size()
    assert abs(per_user.mean() - 30) < 1.5
    assert data.interactions["student_id"].nunique() == 500


def test_planted_popularity_and_affinity_drive_choices():
    data = make_synthetic_recsys_data(800, 200, 20, seed=2)
    counts = data.interactions.groupby("material_id").size().reindex(data.items["material_id"], fill_value=0)
    assert spearmanr(counts.to_numpy(), data.item_popularity).statistic > 0.5
    users = data.interactions["student_id"].str[1:].astype(int).to_numpy() - 1
    items = data.interactions["material_id"].str[1:].astype(int).to_numpy() - 1
    chosen = np.einsum("ij,ij->i", data.user_factors[users], data.item_factors[items])
    rng = np.random.default_rng(0)
    random_items = rng.integers(0, 200, len(users))
    baseline = np.einsum("ij,ij->i", data.user_factors[users], data.item_factors[random_items])
    assert chosen.mean() > baseline.mean() + 0.5 * baseline.std()
    high = data.interactions["rating"].to_numpy() >= 4
    assert chosen[high].mean() > chosen[~high].mean()  # ratings rise with affinity
