"""Clusters and fixed effects: group codes, within-group demeaning, FE dummies and clustered SEs.

Pupils share schools and classes, so their outcomes are not independent; a cluster-robust SE sums
each unit's influence within its cluster before squaring (Liang & Zeger 1986), with the usual
small-sample factor G / (G - 1) (CR1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Below this many clusters the sandwich is known to be too small (Cameron & Miller 2015).
MIN_CLUSTERS = 30


@dataclass(frozen=True)
class Grouping:
    """Integer codes 0..n_groups-1 of a cluster or fixed-effect column, one per analysed row."""

    codes: np.ndarray
    n_groups: int


def group_codes(series: pd.Series) -> Grouping:
    """Dense integer codes of any column (numbers, text or ids of any cardinality)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return Grouping(codes.astype(np.intp), len(uniques))


def subset(grouping: Grouping | None, rows: np.ndarray) -> Grouping | None:
    """The grouping of a subset (or resample) of rows, re-coded densely."""
    if grouping is None:
        return None
    codes, uniques = pd.factorize(grouping.codes[rows])
    return Grouping(codes.astype(np.intp), len(uniques))


def group_sums(values: np.ndarray, grouping: Grouping) -> np.ndarray:
    """Column sums of `values` (n or n x p) within each group (n_groups or n_groups x p)."""
    if values.ndim == 1:
        return np.bincount(grouping.codes, weights=values, minlength=grouping.n_groups)
    return np.stack([np.bincount(grouping.codes, weights=column, minlength=grouping.n_groups)
                     for column in values.T], axis=1)


def demean(values: np.ndarray, grouping: Grouping) -> np.ndarray:
    """Within transformation: subtract each group's mean (the fixed-effect estimator's data)."""
    counts = np.bincount(grouping.codes, minlength=grouping.n_groups).astype(float)
    means = group_sums(values, grouping) / (counts if values.ndim == 1 else counts[:, None])
    return values - means[grouping.codes]


def dummies(grouping: Grouping) -> np.ndarray:
    """One 0/1 column per group except the first (the fixed effects in a model with an intercept)."""
    matrix = np.zeros((len(grouping.codes), max(grouping.n_groups - 1, 0)))
    rows = np.flatnonzero(grouping.codes > 0)
    matrix[rows, grouping.codes[rows] - 1] = 1.0
    return matrix


def influence_se(influence: np.ndarray, clusters: Grouping | None) -> float:
    """SE of a mean-of-influence estimator: i.i.d. when clusters is None, else CR1 over clusters."""
    n = len(influence)
    if clusters is None:
        return float(np.sqrt(np.mean(influence**2) / n))
    totals = group_sums(influence, clusters)
    groups = clusters.n_groups
    return float(np.sqrt(groups / max(groups - 1, 1) * np.sum(totals**2)) / n)


def cluster_warnings(clusters: Grouping | None, column: str | None) -> list[dict]:
    """The 'few_clusters' warning when a cluster-robust SE rests on fewer than MIN_CLUSTERS clusters."""
    if clusters is None or clusters.n_groups >= MIN_CLUSTERS:
        return []
    return [{"code": "few_clusters", "column": column, "n_clusters": clusters.n_groups, "minimum": MIN_CLUSTERS}]
