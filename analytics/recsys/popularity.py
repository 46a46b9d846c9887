"""Popularity baseline: materials ranked by how many students used them."""

from __future__ import annotations

import numpy as np

from analytics.recsys.base import REASON_POPULAR, Recommender
from analytics.recsys.matrix import binarize


class Popularity(Recommender):
    """Score = share of training students who interacted with the material."""

    method = "popularity"
    reason = REASON_POPULAR

    def _fit(self, matrix, items):
        """Count distinct students per material."""
        self.counts_ = np.asarray(binarize(matrix.values).sum(axis=0)).ravel().astype(np.int64)
        self.scores_ = self.counts_ / max(matrix.n_users, 1)

    def _score(self, rows, user_positions):
        """Same popularity vector for every row."""
        return np.tile(self.scores_, (rows.shape[0], 1))

    def _explain(self, row, user_position, items):
        """Support = number of students who used the material."""
        return {"reason": [self.reason] * len(items), "support": self.counts_[items].tolist(),
                "because_of": [()] * len(items)}
