"""Deterministic synthetic students × materials interactions with planted latent structure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.recsys.matrix import ITEM_COL, RATING_COL, TIME_COL, USER_COL

SUBJECTS = ("math", "reading", "writing")
FORMATS = ("video", "exercise", "article", "quiz")
DIFFICULTY_LEVELS = 5
_PAIR_CHUNK = 1 << 20  # (user, item) pairs scored at once, bounds memory
_ACCEPT_THRESHOLD = 2.0  # affinity logit at which a proposed item is accepted half the time
_MAX_ROUNDS = 30  # a user who still lacks items after this (tiny catalogue) keeps fewer


@dataclass(frozen=True)
class SyntheticRecsysData:
    """Generated interactions, material catalogue and the latent factors that produced them."""

    interactions: pd.DataFrame
    items: pd.DataFrame
    user_factors: np.ndarray
    item_factors: np.ndarray
    item_popularity: np.ndarray


def _ids(prefix: str, count: int, width: int) -> pd.Series:
    """Zero-padded string ids such as S0000001 / M0001, widened when the count needs it."""
    width = max(width, len(str(count)))
    return pd.Series([f"{prefix}{i:0{width}d}" for i in range(1, count + 1)], dtype="str")


def _make_items(rng: np.random.Generator, n_items: int, n_factors: int):
    """Catalogue whose latent factors are partly explained by subject, format and difficulty."""
    subject = rng.integers(0, len(SUBJECTS), n_items)
    fmt = rng.integers(0, len(FORMATS), n_items)
    difficulty = rng.integers(1, DIFFICULTY_LEVELS + 1, n_items)
    subject_axes = rng.normal(size=(len(SUBJECTS), n_factors))
    format_axes = rng.normal(size=(len(FORMATS), n_factors)) * 0.6
    difficulty_axis = rng.normal(size=n_factors) * 0.4
    # Content explains part of the taste signal, so content-based cold start has something to find.
    factors = (
        subject_axes[subject]
        + format_axes[fmt]
        + np.outer(difficulty - 3, difficulty_axis)
        + rng.normal(scale=0.8, size=(n_items, n_factors))
    )
    items = pd.DataFrame(
        {
            ITEM_COL: _ids("M", n_items, 4),
            "title": _ids("Material ", n_items, 4),
            "subject": pd.Series(np.array(SUBJECTS)[subject], dtype="str"),
            "difficulty": difficulty.astype(np.int64),
            "format": pd.Series(np.array(FORMATS)[fmt], dtype="str"),
        }
    )
    return items, factors


def _affinity(user_factors, item_part, users, items) -> np.ndarray:
    """Affinity logits for (user, item) pairs, computed in chunks to bound memory."""
    out = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), _PAIR_CHUNK):
        part = slice(start, start + _PAIR_CHUNK)
        out[part] = np.einsum("ij,ij->i", user_factors[users[part]], item_part[items[part]])
    return out


def _sample_interactions(rng, user_factors, item_part, item_probability, counts):
    """Distinct (user, item) pairs: P(item | user) ∝ popularity · sigmoid(affinity − threshold).

    Rejection sampling: items are proposed by popularity and accepted by affinity, so the cost
    grows with the number of interactions, not with users × items.
    """
    n_items = len(item_probability)
    pilot_users = rng.integers(0, len(counts), 20_000)
    pilot_items = rng.choice(n_items, 20_000, p=item_probability)
    pilot = _affinity(user_factors, item_part, pilot_users, pilot_items)
    acceptance = max(float(np.mean(1 / (1 + np.exp(-(pilot - _ACCEPT_THRESHOLD))))), 1e-3)
    need = counts.astype(np.int64).copy()
    taken = np.empty(0, dtype=np.int64)  # sorted user * n_items + item keys already drawn
    kept_users, kept_items = [], []
    for _ in range(_MAX_ROUNDS):
        active = np.nonzero(need > 0)[0]
        if active.size == 0:
            break
        # Generous for small needs, so the tail of nearly full students ends in few rounds.
        proposals = np.ceil((need[active] + 3) * 1.5 / acceptance).astype(np.int64)
        users = np.repeat(active, proposals)
        items = rng.choice(n_items, users.size, p=item_probability)
        logits = _affinity(user_factors, item_part, users, items)
        accepted = rng.random(users.size) < 1 / (1 + np.exp(-(logits - _ACCEPT_THRESHOLD)))
        users, items = users[accepted], items[accepted]
        keys = users * n_items + items
        fresh = _first_occurrences(keys) & ~_sorted_contains(taken, keys)
        users, items = users[fresh], items[fresh]  # still in (random) proposal order
        keep = _rank_within_group(users) < need[users]
        users, items = users[keep], items[keep]
        kept_users.append(users)
        kept_items.append(items)
        taken = np.sort(np.concatenate([taken, users * n_items + items]))
        need -= np.bincount(users, minlength=len(need))
    users, items = np.concatenate(kept_users), np.concatenate(kept_items)
    order = np.argsort(users, kind="stable")
    return users[order], items[order]


def _first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each key (sort-based; fast for millions of keys)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    mask = np.empty(len(keys), dtype=bool)
    mask[order] = first
    return mask


def _sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Membership of keys in an ascending array (binary search)."""
    if sorted_keys.size == 0:
        return np.zeros(len(keys), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[where] == keys


def _rank_within_group(groups: np.ndarray) -> np.ndarray:
    """Per element, how many earlier elements share its group (0 for the first)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - np.searchsorted(sorted_groups, sorted_groups, side="left")
    return rank


def make_synthetic_recsys_data(
    n_users: int = 1000,
    n_items: int = 200,
    mean_interactions: float = 40.0,
    *,
    n_factors: int = 8,
    affinity_strength: float = 2.5,
    popularity_strength: float = 1.0,
    seed: int = 0,
    start: str = "2025-04-01",
    days: int = 180,
) -> SyntheticRecsysData:
    """Students and materials with latent factors; interactions drawn by affinity + popularity.

    P(material j | student u) ∝ exp(popularity_strength · b_j) · sigmoid(a_uj − 2), where a_uj is
    the latent affinity (standard deviation ≈ affinity_strength). Ratings and completion rise
    with affinity; timestamps are spread over `days` (random order within a student).
    """
    if n_users < 1 or n_items < 2 or mean_interactions < 1:
        raise ValueError("need n_users >= 1, n_items >= 2 and mean_interactions >= 1")
    rng = np.random.default_rng(seed)
    items, item_factors = _make_items(rng, n_items, n_factors)
    user_factors = rng.normal(size=(n_users, n_factors))
    popularity = rng.normal(size=n_items)
    counts = np.clip(rng.poisson(mean_interactions, n_users), 3, max(3, n_items // 2))

    # Scale so that affinity logits have standard deviation ≈ affinity_strength.
    scale = affinity_strength / np.sqrt(item_factors.var(axis=0).sum())
    item_part = (item_factors * scale).astype(np.float32)
    item_probability = np.exp(popularity_strength * popularity)
    item_probability /= item_probability.sum()
    users, chosen = _sample_interactions(rng, user_factors.astype(np.float32), item_part,
                                         item_probability, counts)
    z = _affinity(user_factors.astype(np.float32), item_part, users, chosen).astype(np.float64)
    z = (z - z.mean()) / (z.std() or 1.0)

    rating = np.clip(np.rint(3.4 + 0.9 * z + rng.normal(scale=0.7, size=z.size)), 1, 5)
    completed = rng.random(z.size) < 1.0 / (1.0 + np.exp(-(0.8 * z + 0.7)))
    user_start = rng.uniform(0, days * 0.5, n_users)
    offset_days = user_start[users] + rng.uniform(0, days * 0.5, z.size)
    ts = pd.Timestamp(start) + pd.to_timedelta(np.rint(offset_days * 86400), unit="s")

    user_ids = _ids("S", n_users, 7)
    interactions = pd.DataFrame(
        {
            USER_COL: user_ids.take(users).reset_index(drop=True),
            ITEM_COL: items[ITEM_COL].take(chosen).reset_index(drop=True),
            RATING_COL: rating.astype(np.float64),
            "completed": completed,
            TIME_COL: ts,
        }
    )
    return SyntheticRecsysData(interactions, items, user_factors, item_factors, popularity)
