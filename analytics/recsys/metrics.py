"""Top-K ranking metrics (precision, recall, NDCG, MAP, hit rate) and catalogue coverage.

Definitions (binary relevance, rank r = 1..K, hit(r) = item at r is relevant, R = relevant set):
    precision@K = #hits / K (K stays the denominator even when fewer than K were recommended)
    recall@K    = #hits / |R|
    NDCG@K      = Σ hit(r) / log2(r + 1)  ÷  Σ_{r ≤ min(|R|, K)} 1 / log2(r + 1)
    AP@K        = Σ hit(r) · precision@r  ÷  min(|R|, K);  MAP@K = mean of AP@K
    hit rate@K  = 1 if #hits > 0 else 0
Users with no relevant item get NaN and are left out of the means.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

METRIC_NAMES = ("precision", "recall", "ndcg", "map", "hit_rate")


def _hit_matrix(recommended: np.ndarray, relevant: sp.csr_array) -> np.ndarray:
    """Boolean (users × K): is the recommended item (position, -1 = none) relevant for that user."""
    n_items = relevant.shape[1]
    coo = relevant.tocoo()
    relevant_keys = np.sort(coo.row.astype(np.int64) * n_items + coo.col)
    rows = np.arange(recommended.shape[0])[:, None]
    keys = rows * n_items + np.maximum(recommended, 0)
    where = np.minimum(np.searchsorted(relevant_keys, keys), max(relevant_keys.size - 1, 0))
    found = relevant_keys[where] == keys if relevant_keys.size else np.zeros(keys.shape, bool)
    return found & (recommended >= 0)


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_array, k: int) -> pd.DataFrame:
    """Per-user metrics@k: recommended is (users × ≥k) item positions, relevant a users × items matrix."""
    recommended = np.asarray(recommended)[:, :k]
    if recommended.shape[1] < k:  # fewer columns than K count as empty slots
        pad = np.full((recommended.shape[0], k - recommended.shape[1]), -1)
        recommended = np.hstack([recommended, pad])
    hits = _hit_matrix(recommended, sp.csr_array(relevant)).astype(np.float64)
    n_relevant = np.diff(sp.csr_array(relevant).indptr).astype(np.float64)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    n_hits = hits.sum(axis=1)
    ideal = np.concatenate([[0.0], np.cumsum(discount)])[np.minimum(n_relevant, k).astype(np.int64)]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "precision": n_hits / k,
            "recall": n_hits / n_relevant,
            "ndcg": (hits @ discount) / ideal,
            "map": (hits * precision_at_rank).sum(axis=1) / np.minimum(n_relevant, k),
            "hit_rate": (n_hits > 0).astype(np.float64),
        })
    frame.loc[n_relevant == 0, list(METRIC_NAMES)] = np.nan
    return frame


def catalogue_coverage(recommended: np.ndarray, catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one user's list."""
    recommended = np.asarray(recommended)
    return float(np.unique(recommended[recommended >= 0]).size / catalogue_size) if catalogue_size else 0.0


def _single_list(recommended: Sequence, relevant: Collection, k: int) -> pd.Series:
    """Metrics@k for one user's ranked list of ids against a set of relevant ids."""
    ids = pd.Index(pd.unique(pd.Series([*recommended, *relevant], dtype=object)))
    positions = ids.get_indexer(pd.Series(list(recommended), dtype=object))
    relevant_positions = np.unique(ids.get_indexer(pd.Series(list(relevant), dtype=object)))
    matrix = sp.csr_array((np.ones(relevant_positions.size), (np.zeros(relevant_positions.size, int),
                                                              relevant_positions)), shape=(1, len(ids)))
    return ranking_metrics(positions[None, :], matrix, k).iloc[0]


def precision_at_k(recommended: Sequence, relevant: Collection, k: int) -> float:
    """Precision@k of one ranked list."""
    return float(_single_list(recommended, relevant, k)["precision"])


def recall_at_k(recommended: Sequence, relevant: Collection, k: int) -> float:
    """Recall@k of one ranked list."""
    return float(_single_list(recommended, relevant, k)["recall"])


def ndcg_at_k(recommended: Sequence, relevant: Collection, k: int) -> float:
    """NDCG@k (binary relevance) of one ranked list."""
    return float(_single_list(recommended, relevant, k)["ndcg"])


def average_precision_at_k(recommended: Sequence, relevant: Collection, k: int) -> float:
    """AP@k of one ranked list (MAP@k is its mean over users)."""
    return float(_single_list(recommended, relevant, k)["map"])


def hit_rate_at_k(recommended: Sequence, relevant: Collection, k: int) -> float:
    """1.0 if any of the top k is relevant, else 0.0."""
    return float(_single_list(recommended, relevant, k)["hit_rate"])
