"""Common recommender interface: fit, recommend, recommend_for_history, recommend_batch."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar, Self

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.recsys.matrix import ITEM_COL, USER_COL, InteractionMatrix, binarize, build_interaction_matrix
from analytics.recsys.ranking import top_k_per_row

# Reason codes (the dashboard turns them into words; analytics stays language-free).
REASON_SIMILAR_STUDENTS = "similar_students"
REASON_SIMILAR_MATERIALS = "similar_materials"
REASON_POPULAR = "popular"
REASON_CONTENT = "content_match"
REASON_NEW_MATERIAL = "new_material"


class Recommender(ABC):
    """Base class: subclasses score dense (rows × items) blocks; ranking and masking live here."""

    method: ClassVar[str] = "recommender"
    reason: ClassVar[str] = REASON_POPULAR

    def __init__(self, weighting: str = "binary", block_size: int = 128):
        self.weighting = weighting
        self.block_size = block_size
        self.matrix_: InteractionMatrix | None = None

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, interactions: pd.DataFrame, items: pd.DataFrame | None = None) -> Self:
        """Fit on interactions (student_id, material_id[, rating]) and an optional catalogue."""
        return self.fit_matrix(build_interaction_matrix(interactions, items, self.weighting), items)

    def fit_matrix(self, matrix: InteractionMatrix, items: pd.DataFrame | None = None) -> Self:
        """Fit on an already built interaction matrix (lets a hybrid share one matrix)."""
        self.matrix_ = matrix
        self._fit(matrix, items)
        return self

    @abstractmethod
    def _fit(self, matrix: InteractionMatrix, items: pd.DataFrame | None) -> None:
        """Precompute model state from the matrix."""

    @abstractmethod
    def _score(self, rows: sp.csr_array, user_positions: np.ndarray) -> np.ndarray:
        """Dense float64 scores (len(rows) × n_items); user_positions is -1 for ad-hoc rows."""

    def _explain(self, row: sp.csr_array, user_position: int, items: np.ndarray) -> dict[str, list]:
        """Reason fields for recommended item positions of one row (default: method reason only)."""
        return {"reason": [self.reason] * len(items), "support": [0] * len(items),
                "because_of": [()] * len(items)}

    # -- ranking -------------------------------------------------------------------------------
    def _require_fit(self) -> InteractionMatrix:
        """The fitted matrix, or a clear error when fit was not called."""
        if self.matrix_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        return self.matrix_

    def _allowed_mask(self, allowed_items: Iterable | None) -> np.ndarray | None:
        """Boolean item mask for a candidate restriction (e.g. a learning filter)."""
        if allowed_items is None:
            return None
        matrix = self._require_fit()
        positions = matrix.item_positions(allowed_items)
        mask = np.zeros(matrix.n_items, dtype=bool)
        mask[positions[positions >= 0]] = True
        return mask

    def _rank_rows(self, rows, user_positions, n, exclude_seen, allowed_mask):
        """Top-n item positions and scores for a block of rows."""
        scores = self._score(rows, user_positions)
        if exclude_seen:
            coo = rows.tocoo()
            scores[coo.row, coo.col] = -np.inf
        if allowed_mask is not None:
            scores[:, ~allowed_mask] = -np.inf
        return top_k_per_row(scores, n)

    def rank_positions(self, user_positions: np.ndarray, n: int = 10, exclude_seen: bool = True,
                       allowed_items: Iterable | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-n item positions / scores for matrix rows (-1 = unknown user), in blocks."""
        matrix = self._require_fit()
        user_positions = np.asarray(user_positions, dtype=np.int64)
        mask = self._allowed_mask(allowed_items)
        out_pos = np.full((len(user_positions), n), -1, dtype=np.int64)
        out_val = np.full((len(user_positions), n), np.nan)
        for start in range(0, len(user_positions), self.block_size):
            block = user_positions[start:start + self.block_size]
            pos, val = self._rank_rows(matrix.rows(block), block, n, exclude_seen, mask)
            out_pos[start:start + len(block)] = pos
            out_val[start:start + len(block)] = val
        return out_pos, out_val

    def _history_rows(self, history) -> sp.csr_array:
        """Ad-hoc row in the model's weighting from item ids or (item, rating) pairs."""
        row = self._require_fit().history_row(history)
        return binarize(row) if self.weighting == "binary" else row

    def _frame(self, row, user_position, pos, val) -> pd.DataFrame:
        """Recommendation table with explanation fields for one row."""
        keep = pos >= 0
        pos, val = pos[keep], val[keep]
        explained = self._explain(row, user_position, pos)
        return pd.DataFrame({
            ITEM_COL: self.matrix_.item_index[pos],
            "score": val,
            "rank": np.arange(1, len(pos) + 1),
            "reason": explained["reason"],
            "support": np.asarray(explained["support"], dtype=np.int64),
            "because_of": pd.Series(explained["because_of"], dtype=object),
        })

    # -- public API ----------------------------------------------------------------------------
    def recommend(self, user_id, n: int = 10, exclude_seen: bool = True,
                  allowed_items: Iterable | None = None) -> pd.DataFrame:
        """Top-n for a known student [material_id, score, rank, reason, support, because_of]."""
        matrix = self._require_fit()
        position = matrix.user_positions([user_id])
        row = matrix.rows(position)
        pos, val = self._rank_rows(row, position, n, exclude_seen, self._allowed_mask(allowed_items))
        return self._frame(row, int(position[0]), pos[0], val[0])

    def recommend_for_history(self, history, n: int = 10,
                              allowed_items: Iterable | None = None) -> pd.DataFrame:
        """Top-n for an ad-hoc history (item ids or (item, rating) pairs); history is excluded."""
        row = self._history_rows(history)
        position = np.array([-1])
        pos, val = self._rank_rows(row, position, n, True, self._allowed_mask(allowed_items))
        return self._frame(row, -1, pos[0], val[0])

    def recommend_batch(self, user_ids: Iterable | None = None, n: int = 10,
                        exclude_seen: bool = True) -> pd.DataFrame:
        """Top-n for many students at once (blocks of sparse matmul) [student_id, rank, material_id, score]."""
        matrix = self._require_fit()
        ids = matrix.user_index if user_ids is None else pd.Index(list(user_ids))
        pos, val = self.rank_positions(matrix.user_positions(ids), n, exclude_seen)
        rows, ranks = np.nonzero(pos >= 0)
        return pd.DataFrame({
            USER_COL: ids[rows],
            "rank": ranks + 1,
            ITEM_COL: matrix.item_index[pos[rows, ranks]],
            "score": val[rows, ranks],
        })
