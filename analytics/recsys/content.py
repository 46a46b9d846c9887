"""Content features (subject, difficulty, format): content-based and hybrid cold-start recommenders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.recsys.base import REASON_CONTENT, REASON_NEW_MATERIAL, REASON_POPULAR, Recommender
from analytics.recsys.matrix import ITEM_COL
from analytics.recsys.popularity import Popularity
from analytics.recsys.user_knn import UserKNN

DEFAULT_FEATURES = ("subject", "difficulty", "format")
ORDINAL_BANDWIDTH = 2.0  # numeric levels within 2 steps share weight: difficulty 3 is near 2 and 4
EXPLAIN_MIN_SIMILARITY = 0.6
EXPLAIN_MAX_ITEMS = 5


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _encode_column(values: pd.Series) -> np.ndarray:
    """One-hot for categories; a triangular kernel over the levels for numeric columns."""
    if pd.api.types.is_numeric_dtype(values):
        levels = np.sort(values.dropna().unique()).astype(np.float64)
        distance = np.abs(values.to_numpy(dtype=np.float64)[:, None] - levels[None, :])
        block = np.clip(1.0 - distance / ORDINAL_BANDWIDTH, 0.0, None)
        return _normalise_rows(np.nan_to_num(block))
    return pd.get_dummies(values.astype("str"), dtype=np.float64).to_numpy()


def encode_item_features(items: pd.DataFrame, item_index: pd.Index,
                         feature_columns: Sequence[str] = DEFAULT_FEATURES) -> np.ndarray:
    """Dense (items × features) unit rows, each feature column weighted equally; unknown items → 0."""
    missing = set(feature_columns) - set(items.columns)
    if missing:
        raise ValueError(f"items lack feature columns: {sorted(missing)}")
    catalogue = items.drop_duplicates(ITEM_COL, keep="last")
    blocks = [_encode_column(catalogue[col].reset_index(drop=True)) for col in feature_columns]
    features = _normalise_rows(np.hstack(blocks))
    out = np.zeros((len(item_index), features.shape[1]))
    positions = item_index.get_indexer(catalogue[ITEM_COL])
    out[positions[positions >= 0]] = features[positions >= 0]
    return out


class ContentBased(Recommender):
    """Cosine between the student's (rating-weighted) feature profile and each material."""

    method = "content"
    reason = REASON_CONTENT

    def __init__(self, feature_columns: Sequence[str] = DEFAULT_FEATURES, weighting: str = "binary",
                 block_size: int = 128):
        super().__init__(weighting=weighting, block_size=block_size)
        self.feature_columns = tuple(feature_columns)

    def _fit(self, matrix, items):
        """Encode the catalogue's content features."""
        if items is None:
            raise ValueError(f"{type(self).__name__} needs an items table with {self.feature_columns}")
        self.features_ = encode_item_features(items, matrix.item_index, self.feature_columns)
        # Materials share few distinct feature vectors; scoring those keeps equal-content
        # materials exactly tied, and the elementwise sum is the same alone or in a block
        # (a BLAS product may round differently by block shape and flip such ties).
        self._distinct, self._distinct_of = np.unique(self.features_, axis=0, return_inverse=True)

    def _score(self, rows, user_positions):
        """Profile = history · features; score = cosine(profile, material features) in [0, 1]."""
        profile = _normalise_rows(np.asarray(rows @ self.features_, dtype=np.float64))
        distinct_scores = (profile[:, None, :] * self._distinct[None, :, :]).sum(axis=2)
        return distinct_scores[:, self._distinct_of.ravel()]

    def _explain(self, row, user_position, items):
        """Per item: the student's materials with the most similar content."""
        history = row.indices
        similarity = self.features_[history] @ self.features_[items].T
        ids = self.matrix_.item_index[history].to_numpy()
        because = []
        for j in range(len(items)):
            hit = np.nonzero(similarity[:, j] >= EXPLAIN_MIN_SIMILARITY)[0]
            best = hit[np.argsort(-similarity[hit, j], kind="stable")]
            because.append(tuple(ids[best[:EXPLAIN_MAX_ITEMS]]))
        return {"reason": [self.reason] * len(items), "support": [len(h) for h in because],
                "because_of": because}


class Hybrid(Recommender):
    """Collaborative filtering blended with content and popularity by history length.

    w = h / (h + cold_start_history) for a student with h materials;
    score = w · CF/max(CF) + (1 − w) · (content_weight · content + (1 − content_weight) · popularity).
    A student with no history gets popularity (content has no profile yet); materials nobody
    has used yet (new materials) score new_item_weight · content, so they can surface at all.
    """

    method = "hybrid"
    reason = REASON_CONTENT

    def __init__(self, collaborative: Recommender | None = None, cold_start_history: int = 5,
                 content_weight: float = 0.5, new_item_weight: float = 0.5,
                 feature_columns: Sequence[str] = DEFAULT_FEATURES, weighting: str = "binary",
                 block_size: int = 128):
        super().__init__(weighting=weighting, block_size=block_size)
        self.collaborative = collaborative
        self.cold_start_history = cold_start_history
        self.content_weight = content_weight
        self.new_item_weight = new_item_weight
        self.feature_columns = tuple(feature_columns)

    def _fit(self, matrix, items):
        """Fit the components on the shared matrix."""
        model = self.collaborative if self.collaborative is not None else UserKNN(weighting=self.weighting)
        self.collaborative_ = model.fit_matrix(matrix, items)
        self.popularity_ = Popularity(weighting=self.weighting).fit_matrix(matrix, items)
        self.content_ = None
        if items is not None:
            self.content_ = ContentBased(self.feature_columns, self.weighting).fit_matrix(matrix, items)
        self.new_items_ = self.popularity_.counts_ == 0

    def _components(self, rows, user_positions) -> dict[str, np.ndarray]:
        """Weighted score parts per row; their sum is the hybrid score."""
        history = np.diff(rows.indptr).astype(np.float64)[:, None]
        w = history / (history + self.cold_start_history)
        cf = self.collaborative_._score(rows, user_positions)
        cf_max = cf.max(axis=1, keepdims=True)
        cf = np.divide(cf, cf_max, out=np.zeros_like(cf), where=cf_max > 0)
        popularity = self.popularity_.scores_ / max(self.popularity_.scores_.max(), 1e-12)
        content = (self.content_._score(rows, user_positions) if self.content_ is not None
                   else np.zeros_like(cf))
        content_w = self.content_weight if self.content_ is not None else 0.0
        parts = {
            self.collaborative_.reason: w * cf,
            REASON_CONTENT: (1 - w) * content_w * content,
            REASON_POPULAR: (1 - w) * (1 - content_w) * popularity[None, :],
        }
        new = self.new_items_
        for part in parts.values():
            part[:, new] = 0.0
        parts[REASON_NEW_MATERIAL] = np.zeros_like(cf)
        parts[REASON_NEW_MATERIAL][:, new] = self.new_item_weight * content[:, new]
        return parts

    def _score(self, rows, user_positions):
        """Sum of the weighted components."""
        return sum(self._components(rows, user_positions).values())

    def _explain(self, row, user_position, items):
        """Reason = the component contributing most; details from that component."""
        parts = self._components(row, np.array([user_position]))
        names = list(parts)
        stacked = np.stack([parts[name][0, items] for name in names])
        reasons = [names[i] for i in stacked.argmax(axis=0)]
        by_reason = {
            self.collaborative_.reason: self.collaborative_,
            REASON_CONTENT: self.content_,
            REASON_NEW_MATERIAL: self.content_,
            REASON_POPULAR: self.popularity_,
        }
        out = {"reason": reasons, "support": [0] * len(items), "because_of": [()] * len(items)}
        for reason in set(reasons):
            where = [j for j, r in enumerate(reasons) if r == reason]
            detail = by_reason[reason]._explain(row, user_position, items[where])
            for j, support, because in zip(where, detail["support"], detail["because_of"]):
                out["support"][j] = support
                out["because_of"][j] = because
        return out
