"""Item-based collaborative filtering: each material keeps its K most similar materials."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.recsys.base import REASON_SIMILAR_MATERIALS, Recommender
from analytics.recsys.matrix import ITEM_COL, csr_from_triplets
from analytics.recsys.similarity import ShrunkCosine


class ItemKNN(Recommender):
    """score(u, i) = Σ over u's materials j of x(u, j) · sim(j, i), sim kept for i in topK(j).

    sim is shrunk cosine between material columns; the K-sparse item × item matrix is built
    in blocks of materials at fit time, so a student costs one sparse row × matrix product.
    """

    method = "item_knn"
    reason = REASON_SIMILAR_MATERIALS

    def __init__(self, k_neighbours: int = 100, shrink: float = 10.0, weighting: str = "binary",
                 min_similarity: float = 0.0, fit_block_size: int = 512, block_size: int = 128):
        super().__init__(weighting=weighting, block_size=block_size)
        self.k_neighbours = k_neighbours
        self.shrink = shrink
        self.min_similarity = min_similarity
        self.fit_block_size = fit_block_size

    def _fit(self, matrix, items):
        """Build the K-sparse item × item similarity matrix, block by block."""
        item_rows = sp.csr_array(matrix.values.T.tocsr())  # items × users
        cosine = ShrunkCosine(item_rows, self.shrink, self.weighting == "binary")
        rows, cols, vals = [], [], []
        for start in range(0, matrix.n_items, self.fit_block_size):
            block = np.arange(start, min(start + self.fit_block_size, matrix.n_items))
            positions, sims = cosine.top_k(item_rows[block], self.k_neighbours, block, self.min_similarity)
            r, c = np.nonzero(positions >= 0)
            rows.append(block[r])
            cols.append(positions[r, c])
            vals.append(sims[r, c])
        shape = (matrix.n_items, matrix.n_items)
        self.similarity_ = csr_from_triplets(np.concatenate(vals), np.concatenate(rows),
                                             np.concatenate(cols), shape)

    def _score(self, rows, user_positions):
        """History row × item-similarity matrix."""
        return sp.csr_array(rows @ self.similarity_).toarray().astype(np.float64)

    def item_neighbours(self, item_id) -> pd.DataFrame:
        """The K most similar materials of one material [material_id, similarity]."""
        matrix = self._require_fit()
        position = matrix.item_positions([item_id])[0]
        if position < 0:
            return pd.DataFrame({ITEM_COL: pd.Series(dtype="str"), "similarity": pd.Series(dtype=float)})
        row = self.similarity_[[position]]
        order = np.lexsort((row.indices, -row.data))
        return pd.DataFrame({ITEM_COL: matrix.item_index[row.indices[order]],
                             "similarity": row.data[order].astype(np.float64)})

    def _explain(self, row, user_position, items):
        """Per item: the student's materials that led to it, biggest contribution first."""
        history = row.indices
        contribution = (self.similarity_[history][:, items].toarray()
                        * row.data[:, None])  # history × recommended
        ids = self.matrix_.item_index[history].to_numpy()
        because = []
        for j in range(len(items)):
            hit = np.nonzero(contribution[:, j] > 0)[0]
            because.append(tuple(ids[hit[np.argsort(-contribution[hit, j], kind="stable")]]))
        return {"reason": [self.reason] * len(items), "support": [len(b) for b in because],
                "because_of": because}
