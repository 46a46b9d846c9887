"""User-based collaborative filtering: shrunk cosine over students, top-K neighbours, explanations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.recsys import ann
from analytics.recsys.base import REASON_SIMILAR_STUDENTS, Recommender
from analytics.recsys.matrix import USER_COL, binarize, csr_from_triplets
from analytics.recsys.similarity import ShrunkCosine

NEIGHBOUR_SEARCHES = ("exact", "faiss")


class UserKNN(Recommender):
    """score(u, i) = Σ over u's K nearest students v of sim(u, v) · x(v, i).

    sim is cosine on the student × material matrix times n_common / (n_common + shrink), so
    students who share only one or two materials count less. One student costs
    row · Xᵀ → top-K → K rows of X: sparse linear algebra, no loop over materials.
    """

    method = "user_knn"
    reason = REASON_SIMILAR_STUDENTS

    def __init__(self, k_neighbours: int = 50, shrink: float = 10.0, weighting: str = "binary",
                 min_similarity: float = 0.0, neighbour_search: str = "exact",
                 ann_candidates: int = 1000, block_size: int = 128):
        super().__init__(weighting=weighting, block_size=block_size)
        if neighbour_search not in NEIGHBOUR_SEARCHES:
            raise ValueError(f"neighbour_search must be one of {NEIGHBOUR_SEARCHES}")
        self.k_neighbours = k_neighbours
        self.shrink = shrink
        self.min_similarity = min_similarity
        self.neighbour_search = neighbour_search
        self.ann_candidates = ann_candidates

    def _fit(self, matrix, items):
        """Index the students (transposed matrix for row · Xᵀ, optional ANN index)."""
        self._cosine = ShrunkCosine(matrix.values, self.shrink, self.weighting == "binary")
        self._index = None
        if self.neighbour_search == "faiss":
            if ann.faiss_available():
                self._index = ann.FaissUserIndex(matrix.values, n_candidates=self.ann_candidates)
            else:
                warnings.warn("faiss is not installed; UserKNN falls back to exact neighbour search",
                              RuntimeWarning, stacklevel=3)

    def _neighbours(self, rows: sp.csr_array, user_positions: np.ndarray):
        """(positions, similarities) of the K nearest students per row, best first (-1 padded)."""
        if self._index is not None:
            return self._index.top_k(self._cosine, rows, self.k_neighbours, user_positions,
                                     self.min_similarity)
        return self._cosine.top_k(rows, self.k_neighbours, user_positions, self.min_similarity)

    def _neighbour_weights(self, rows, user_positions) -> sp.csr_array:
        """Sparse (rows × students) matrix holding each row's neighbour similarities."""
        positions, sims = self._neighbours(rows, user_positions)
        r, c = np.nonzero(positions >= 0)
        return csr_from_triplets(sims[r, c], r, positions[r, c], (rows.shape[0], self.matrix_.n_users))

    def _score(self, rows, user_positions):
        """Similarity-weighted sum of the neighbours' rows."""
        weights = self._neighbour_weights(rows, user_positions)
        return sp.csr_array(weights @ self.matrix_.values).toarray().astype(np.float64)

    def _neighbour_arrays(self, row, user_position: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and similarities of one row's neighbours, best first."""
        positions, sims = self._neighbours(row, np.array([user_position]))
        keep = positions[0] >= 0
        return positions[0][keep], sims[0][keep]

    def _neighbour_frame(self, row, user_position: int) -> pd.DataFrame:
        """Neighbours of one row as [student_id, similarity, n_common]."""
        positions, sims = self._neighbour_arrays(row, user_position)
        common = binarize(self.matrix_.values[positions]) @ binarize(row).T
        return pd.DataFrame({
            USER_COL: self.matrix_.user_index[positions],
            "similarity": sims,
            "n_common": np.asarray(common.toarray()).ravel().astype(np.int64),
        })

    def neighbours(self, user_id) -> pd.DataFrame:
        """The K most similar training students of a student [student_id, similarity, n_common]."""
        matrix = self._require_fit()
        position = matrix.user_positions([user_id])
        return self._neighbour_frame(matrix.rows(position), int(position[0]))

    def neighbours_for_history(self, history) -> pd.DataFrame:
        """The K most similar training students for an ad-hoc history."""
        return self._neighbour_frame(self._history_rows(history), -1)

    def _explain(self, row, user_position, items):
        """Per item: the neighbours who had it (most similar first) and how many they are."""
        positions, _ = self._neighbour_arrays(row, user_position)
        had = self.matrix_.values[positions][:, items].toarray() > 0  # K × n_items, small
        ids = self.matrix_.user_index[positions].to_numpy()
        because = [tuple(ids[had[:, j]]) for j in range(len(items))]
        return {"reason": [self.reason] * len(items), "support": [len(b) for b in because],
                "because_of": because}
