"""Sparse student × material matrices (scipy CSR) with id <-> index maps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

# Column names of the warehouse contract (core.interactions / core.materials).
USER_COL = "student_id"
ITEM_COL = "material_id"
RATING_COL = "rating"
TIME_COL = "ts"
WEIGHTINGS = ("binary", "rating")


@dataclass(frozen=True)
class InteractionMatrix:
    """Users × items CSR matrix (float32) plus the id order of its rows and columns."""

    values: sp.csr_array
    user_index: pd.Index
    item_index: pd.Index

    @property
    def n_users(self) -> int:
        """Number of rows (students)."""
        return self.values.shape[0]

    @property
    def n_items(self) -> int:
        """Number of columns (materials), including materials with no interactions."""
        return self.values.shape[1]

    def user_positions(self, user_ids: Iterable) -> np.ndarray:
        """Row positions of user ids; -1 for users never seen in training."""
        return self.user_index.get_indexer(pd.Index(list(user_ids)))

    def item_positions(self, item_ids: Iterable) -> np.ndarray:
        """Column positions of item ids; -1 for unknown items."""
        return self.item_index.get_indexer(pd.Index(list(item_ids)))

    def rows(self, user_positions: np.ndarray) -> sp.csr_array:
        """Rows for these positions; an unknown user (-1) gets an empty row."""
        positions = np.asarray(user_positions, dtype=np.int64)
        known = positions >= 0
        if known.all():
            return self.values[positions]
        picked = self.values[np.where(known, positions, 0)]
        picked.data[np.repeat(~known, np.diff(picked.indptr))] = 0.0
        picked.eliminate_zeros()
        return picked

    def history_row(self, history) -> sp.csr_array:
        """One-row matrix from item ids or (item_id, rating) pairs; unknown items, ratings <= 0 ignored."""
        # A repeated item keeps its last rating.
        latest = dict(tuple(h) if isinstance(h, (tuple, list)) else (h, 1.0) for h in history)
        ids = list(latest)
        ratings = np.array([float(r) for r in latest.values()], dtype=np.float32)
        positions = self.item_positions(ids) if ids else np.array([], dtype=np.int64)
        keep = (positions >= 0) & (ratings > 0)
        return csr_from_triplets(ratings[keep], np.zeros(keep.sum()), positions[keep], (1, self.n_items))


def csr_from_triplets(values, rows, cols, shape) -> sp.csr_array:
    """float32 CSR from (value, row, col) triplets with int32 indices (duplicates summed).

    Every matrix here shares these dtypes: with mixed ones scipy converts the big operand
    (millions of entries) on every product, which costs more than the product itself.
    """
    index_dtype = np.int32 if max(shape) < np.iinfo(np.int32).max else np.int64
    rows = np.asarray(rows, dtype=index_dtype)
    cols = np.asarray(cols, dtype=index_dtype)
    matrix = sp.csr_array((np.asarray(values, dtype=np.float32), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def binarize(matrix: sp.csr_array) -> sp.csr_array:
    """Same sparsity pattern with every stored value set to 1."""
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def row_sums(matrix: sp.csr_array) -> np.ndarray:
    """Dense 1-D row sums."""
    return np.asarray(matrix.sum(axis=1)).ravel()


def _encode(values: pd.Series, universe: pd.Index) -> np.ndarray:
    """Positions of values in a (sorted, unique) index."""
    return universe.get_indexer(values)


def build_interaction_matrix(
    interactions: pd.DataFrame,
    items: pd.DataFrame | None = None,
    weighting: str = "binary",
) -> InteractionMatrix:
    """Users × items CSR; repeated (user, item) pairs are merged (mean rating); catalogue = union."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    missing = {USER_COL, ITEM_COL} - set(interactions.columns)
    if weighting == "rating" and RATING_COL not in interactions.columns:
        missing.add(RATING_COL)
    if missing:
        raise ValueError(f"interactions lack columns: {sorted(missing)}")
    user_index = pd.Index(pd.unique(interactions[USER_COL])).sort_values()
    item_values = interactions[ITEM_COL]
    if items is not None:
        item_values = pd.concat([item_values, items[ITEM_COL]], ignore_index=True)
    item_index = pd.Index(pd.unique(item_values)).sort_values()
    rows = _encode(interactions[USER_COL], user_index)
    cols = _encode(interactions[ITEM_COL], item_index)
    shape = (len(user_index), len(item_index))
    ones = np.ones(len(rows), dtype=np.float32)
    counts = csr_from_triplets(ones, rows, cols, shape)  # duplicates are summed
    if weighting == "binary":
        values = binarize(counts)
    else:
        ratings = interactions[RATING_COL].to_numpy(dtype=np.float32)
        if not (ratings > 0).all():  # a zero/NaN rating would break the shared sparsity pattern
            raise ValueError("ratings must be positive numbers (the contract uses 1..5)")
        totals = csr_from_triplets(ratings, rows, cols, shape)
        values = totals.copy()
        values.data = totals.data / counts.data  # same pattern (ratings >= 1 > 0), so aligned
    values.sort_indices()
    return InteractionMatrix(values, user_index, item_index)
