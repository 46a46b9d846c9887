"""Shrunk cosine similarity between sparse rows, and top-k neighbour selection."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analytics.recsys.matrix import binarize, row_sums
from analytics.recsys.ranking import top_k_sparse_rows


def row_norms(matrix: sp.csr_array) -> np.ndarray:
    """L2 norm of each row (float64)."""
    return np.sqrt(row_sums(matrix.multiply(matrix)).astype(np.float64))


def shrunk_cosine(dots, common, query_norms, target_norms, shrink: float) -> np.ndarray:
    """dot / (|a| |b|) · n_common / (n_common + shrink), elementwise, float64."""
    denominator = np.asarray(query_norms * target_norms, dtype=np.float64)
    dots = np.asarray(dots, dtype=np.float64)
    cosine = np.divide(dots, denominator, out=np.zeros_like(dots), where=denominator > 0)
    if shrink > 0:
        common = np.asarray(common, dtype=np.float64)
        cosine *= common / (common + shrink)
    return cosine


class ShrunkCosine:
    """cos(a, b) · n_common / (n_common + shrink) between query rows and a fixed set of rows.

    `targets_t` is the transposed target matrix (features × targets) in CSR, so one query row
    costs Σ over its features of that feature's degree (row · Xᵀ), never a loop over targets.
    """

    def __init__(self, targets: sp.csr_array, shrink: float, binary: bool):
        self.shrink = float(shrink)
        self.binary = binary
        self.targets_t = sp.csr_array(targets.T.tocsr())
        self.target_norms = row_norms(targets).astype(np.float32).astype(np.float32)
        # With binary values the raw dot product already is the co-occurrence count.
        self.binary_targets_t = None if binary else binarize(self.targets_t)

    def _unscaled(self, queries: sp.csr_array) -> sp.csr_array:
        """Shrunk cosine times |query|: dividing by the query norm is one scalar per row, so it
        is left out of the per-entry work (millions of entries per block) and applied later."""
        raw = sp.csr_array(queries @ self.targets_t)
        if raw.nnz == 0:
            return raw
        common = raw.data if self.binary else self._common_counts(queries, raw)
        data = raw.data / self.target_norms[raw.indices]
        if self.shrink > 0:
            data *= common / (common + np.float32(self.shrink))
        return sp.csr_array((data, raw.indices, raw.indptr), shape=raw.shape)

    def similarities(self, queries: sp.csr_array) -> sp.csr_array:
        """Sparse (queries × targets) shrunk cosine similarities."""
        unscaled = self._unscaled(queries)
        scale = sp.diags_array(_inverse(row_norms(queries)).astype(np.float32))
        return sp.csr_array(scale @ unscaled)

    def _common_counts(self, queries: sp.csr_array, raw: sp.csr_array) -> np.ndarray:
        """Number of shared materials per stored entry of raw, aligned with raw.data."""
        counts = sp.csr_array(binarize(queries) @ self.binary_targets_t)
        # All stored values are positive, so both products share one pattern and, being built
        # by the same routine, one entry order.
        if counts.nnz != raw.nnz:
            raise ValueError("interaction values must be positive")
        return counts.data

    def top_k(self, queries: sp.csr_array, k: int, exclude: np.ndarray, floor: float = 0.0):
        """Top-k targets per query, best first; `exclude[i]` (>= 0, e.g. the query itself) is dropped."""
        norms = row_norms(queries)
        positions, values = top_k_sparse_rows(self._unscaled(queries), k, floor * norms, exclude)
        return positions, values * _inverse(norms)[:, None]


def _inverse(values: np.ndarray) -> np.ndarray:
    """1 / values, with 0 where values is 0."""
    return np.divide(1.0, values, out=np.zeros_like(values, dtype=np.float64), where=values > 0)
