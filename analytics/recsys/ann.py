"""Optional approximate neighbour search (faiss HNSW on SVD embeddings) with exact re-scoring."""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

from analytics.recsys.matrix import binarize
from analytics.recsys.ranking import top_k_per_row
from analytics.recsys.similarity import ShrunkCosine, row_norms, shrunk_cosine


def faiss_available() -> bool:
    """True when the optional faiss package can be imported."""
    return importlib.util.find_spec("faiss") is not None


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """float32 rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0).astype(np.float32)


class FaissUserIndex:
    """HNSW over truncated-SVD embeddings of the cosine-normalised rows.

    The index only proposes n_candidates students per query; their shrunk cosine is then
    computed exactly, so the approximation can miss a neighbour but never mis-scores one.
    """

    def __init__(self, values: sp.csr_array, n_components: int = 128, n_candidates: int = 1000,
                 hnsw_m: int = 32, ef_search: int = 256, seed: int = 0):
        faiss = importlib.import_module("faiss")
        self.values = values
        self.n_candidates = min(n_candidates, values.shape[0])
        scaled = sp.csr_array(sp.diags_array(1.0 / np.maximum(row_norms(values), 1e-12)) @ values)
        n_components = max(1, min(n_components, min(values.shape) - 1))
        u, s, vt = randomized_svd(scaled, n_components, random_state=seed)
        self.projection = vt.T.astype(np.float32)  # items × components
        self.index = faiss.IndexHNSWFlat(n_components, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efSearch = max(ef_search, self.n_candidates)
        self.index.add(_unit_rows(u * s))

    def candidates(self, queries: sp.csr_array) -> np.ndarray:
        """(queries × n_candidates) student positions, ascending per row, -1 padded at the end."""
        embedded = _unit_rows(np.asarray(queries @ self.projection, dtype=np.float32))
        _, found = self.index.search(embedded, self.n_candidates)
        # Ascending positions make ties break exactly as in the exact search.
        return np.sort(np.where(found < 0, np.iinfo(np.int64).max, found), axis=1)

    def top_k(self, cosine: ShrunkCosine, queries, k: int, exclude: np.ndarray, floor: float = 0.0):
        """Top-k among the candidates, scored with the exact shrunk cosine."""
        found = self.candidates(queries)
        valid = found != np.iinfo(np.int64).max
        found = np.where(valid, found, 0)
        pair_query = np.repeat(np.arange(queries.shape[0]), found.shape[1])
        left = queries[pair_query]
        right = self.values[found.ravel()]
        dots = np.asarray(left.multiply(right).sum(axis=1)).ravel()
        common = dots if cosine.binary else np.asarray(
            binarize(left).multiply(binarize(right)).sum(axis=1)).ravel()
        sims = shrunk_cosine(dots, common, row_norms(queries)[pair_query],
                             cosine.target_norms[found.ravel()], cosine.shrink)
        sims = np.nan_to_num(sims.reshape(found.shape))
        sims[~valid | (found == exclude[:, None])] = 0.0
        columns, values = top_k_per_row(sims, k, floor)
        positions = np.where(columns >= 0, np.take_along_axis(found, np.maximum(columns, 0), axis=1), -1)
        return positions, values
