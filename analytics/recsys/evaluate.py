"""Offline evaluation: temporal split, fit each method on train, rank metrics on test."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analytics.recsys.base import Recommender
from analytics.recsys.content import ContentBased, Hybrid
from analytics.recsys.item_knn import ItemKNN
from analytics.recsys.matrix import ITEM_COL, RATING_COL, USER_COL
from analytics.recsys.metrics import METRIC_NAMES, catalogue_coverage, ranking_metrics
from analytics.recsys.popularity import Popularity
from analytics.recsys.split import TemporalSplit, temporal_split
from analytics.recsys.user_knn import UserKNN

RECOMMENDERS = {"popularity": Popularity, "user_knn": UserKNN, "item_knn": ItemKNN,
                "content": ContentBased, "hybrid": Hybrid}
CONTENT_METHODS = ("content", "hybrid")
# Default: every held-out interaction is relevant (implicit feedback: the student chose it).
DEFAULT_RELEVANCE_THRESHOLD = None


def make_recommender(name: str, **params) -> Recommender:
    """A recommender by method name (popularity, user_knn, item_knn, content, hybrid)."""
    if name not in RECOMMENDERS:
        raise ValueError(f"unknown method {name!r}; choose from {sorted(RECOMMENDERS)}")
    return RECOMMENDERS[name](**params)


def _resolve_methods(methods, items) -> dict[str, Recommender]:
    """Name → unfitted recommender; content methods only when a catalogue is given."""
    if methods is None:
        methods = [m for m in RECOMMENDERS if items is not None or m not in CONTENT_METHODS]
    if isinstance(methods, Mapping):
        return dict(methods)
    return {name: make_recommender(name) for name in methods}


@dataclass(frozen=True)
class EvaluationSet:
    """Split, catalogue, evaluated students and their relevant test items (users × catalogue)."""

    split: TemporalSplit
    catalogue: pd.Index
    users: pd.Index
    relevant: sp.csr_array


def prepare_evaluation(interactions: pd.DataFrame, items: pd.DataFrame | None = None,
                       test_fraction: float = 0.2, min_interactions: int = 5,
                       relevance_threshold: float | None = DEFAULT_RELEVANCE_THRESHOLD) -> EvaluationSet:
    """Temporal split + relevance: test items (rating >= threshold if one is given)."""
    split = temporal_split(interactions, test_fraction, min_interactions)
    ids = interactions[ITEM_COL] if items is None else pd.concat([interactions[ITEM_COL], items[ITEM_COL]])
    catalogue = pd.Index(pd.unique(ids)).sort_values()
    test = split.test
    if relevance_threshold is not None:
        test = test[test[RATING_COL] >= relevance_threshold]
    users = pd.Index(pd.unique(test[USER_COL])).sort_values()
    rows, cols = users.get_indexer(test[USER_COL]), catalogue.get_indexer(test[ITEM_COL])
    relevant = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(users), len(catalogue)))
    relevant.sum_duplicates()
    return EvaluationSet(split, catalogue, users, relevant)


def _rank_method(model: Recommender, data: EvaluationSet, items, max_k: int) -> dict:
    """Fit on train, rank top max_k for the evaluated students, in catalogue positions."""
    started = time.perf_counter()
    model.fit(data.split.train, items)
    fitted = time.perf_counter()
    positions, _ = model.rank_positions(model.matrix_.user_positions(data.users), max_k)
    ranked = time.perf_counter()
    to_catalogue = data.catalogue.get_indexer(model.matrix_.item_index)
    recommended = np.where(positions >= 0, to_catalogue[np.maximum(positions, 0)], -1)
    return {"recommended": recommended, "fit_seconds": fitted - started,
            "recommend_seconds": ranked - fitted}


def _summarise(name: str, ranking: dict, data: EvaluationSet, k: int) -> dict:
    """One table row: mean metrics@k, coverage, timings."""
    per_user = ranking_metrics(ranking["recommended"], data.relevant, k)
    return {"method": name, "k": k, **per_user[list(METRIC_NAMES)].mean().to_dict(),
            "coverage": catalogue_coverage(ranking["recommended"][:, :k], len(data.catalogue)),
            "n_users": int(per_user["precision"].notna().sum()),
            "fit_seconds": ranking["fit_seconds"], "recommend_seconds": ranking["recommend_seconds"]}


def _evaluate(interactions, items, ks: Sequence[int], methods, test_fraction, min_interactions,
              relevance_threshold) -> pd.DataFrame:
    """Rank once at max(ks) per method, then score every k from the same lists."""
    data = prepare_evaluation(interactions, items, test_fraction, min_interactions, relevance_threshold)
    rows = []
    for name, model in _resolve_methods(methods, items).items():
        ranking = _rank_method(model, data, items, max(ks))
        rows.extend(_summarise(name, ranking, data, k) for k in ks)
    return pd.DataFrame(rows)


def evaluate_methods(interactions: pd.DataFrame, items: pd.DataFrame | None = None, k: int = 10,
                     methods: Sequence[str] | Mapping[str, Recommender] | None = None, *,
                     test_fraction: float = 0.2, min_interactions: int = 5,
                     relevance_threshold: float | None = DEFAULT_RELEVANCE_THRESHOLD) -> pd.DataFrame:
    """One row per method: precision, recall, ndcg, map, hit_rate @k, coverage, n_users, timings."""
    return _evaluate(interactions, items, [k], methods, test_fraction, min_interactions,
                     relevance_threshold)


def metric_vs_k(interactions: pd.DataFrame, items: pd.DataFrame | None = None,
                ks: Sequence[int] = (1, 2, 5, 10, 20),
                methods: Sequence[str] | Mapping[str, Recommender] | None = None, *,
                test_fraction: float = 0.2, min_interactions: int = 5,
                relevance_threshold: float | None = DEFAULT_RELEVANCE_THRESHOLD) -> pd.DataFrame:
    """Long table (method, k, metrics…) for a metric-vs-K chart; each method is ranked once."""
    return _evaluate(interactions, items, sorted(set(ks)), methods, test_fraction, min_interactions,
                     relevance_threshold)
