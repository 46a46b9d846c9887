"""Per-student temporal train/test split for offline evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.recsys.matrix import ITEM_COL, TIME_COL, USER_COL


@dataclass(frozen=True)
class TemporalSplit:
    """Train and test interactions; test holds each eligible student's latest interactions."""

    train: pd.DataFrame
    test: pd.DataFrame


def temporal_split(interactions: pd.DataFrame, test_fraction: float = 0.2,
                   min_interactions: int = 5) -> TemporalSplit:
    """Each student's last test_fraction of interactions by time go to test.

    A student with n >= min_interactions interactions gives max(1, floor(test_fraction · n))
    to test; students with fewer stay in train only. Equal timestamps are ordered by
    material id, so the split is deterministic.
    """
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be in (0, 1)")
    if min_interactions < 2:
        raise ValueError("min_interactions must be >= 2 so every test student keeps some history")
    missing = {USER_COL, ITEM_COL, TIME_COL} - set(interactions.columns)
    if missing:
        raise ValueError(f"interactions lack columns: {sorted(missing)}")
    ordered = interactions.sort_values([USER_COL, TIME_COL, ITEM_COL], kind="stable")
    users = ordered[USER_COL]
    size = users.groupby(users, sort=False).transform("size").to_numpy()
    position = users.groupby(users, sort=False).cumcount().to_numpy()
    # The small epsilon keeps floor(0.2 · 5) at 1 despite binary floating point.
    n_test = np.maximum(1, np.floor(test_fraction * size + 1e-9)).astype(np.int64)
    is_test = (size >= min_interactions) & (position >= size - n_test)
    return TemporalSplit(ordered[~is_test].reset_index(drop=True),
                         ordered[is_test].reset_index(drop=True))
