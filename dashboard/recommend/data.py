"""The Recommend tab's data: its only warehouse reads, and the app's recommender.

The recommender is the production group models, loaded once per version and checked against their sha256.

One code path for the Recommend tab and the API. A student's list is user-kNN's (with the
neighbours who had each material), the hybrid's for cold start (fewer than `cold_start_history`
materials), and user-kNN's completed from the hybrid when it cannot fill n places: the rule of
pipelines/recsys.top_n_for_students, so at the production K a list computed here equals the
stored one (tests/integration/test_recsys_pipeline.py checks it).

Models for another K (the tab's slider) are refitted from the loaded model's interaction matrix
(`fit_matrix`: no warehouse read, milliseconds at demo size) and memoized by (version, group, K).
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analytics.recsys import Hybrid, UserKNN
from analytics.recsys.filters import learning_filter
from dashboard.predict import data as model_store
from warehouse import model_queries as mq
from warehouse import recsys_queries as rq
from warehouse.connection import read_only
from warehouse.model_artifacts import load_artifact

PRIMARY_METHOD, FALLBACK_METHOD = "user_knn", "hybrid"
ITEM_COLUMNS = ("rank", "material_id", "title", "subject", "difficulty", "format", "score", "method", "reason",
                "support", "because_of")
FACT_COLUMNS = ("title", "subject", "difficulty", "format")
MAX_N = 100
MAX_K = 200


class NoRecommender(RuntimeError):
    """There is no production recommender yet (run `python -m pipelines build` or `recsys`)."""


@dataclass(frozen=True)
class LoadedRecommender:
    """The production recommender of one version: its group models, catalogue and parameters."""

    version: str
    params: dict[str, Any]
    groups: int
    materials: pd.DataFrame
    models: Mapping[int, Hybrid]
    artifact: tuple[str, str]

    @property
    def k_neighbours(self) -> int:
        """The production number of neighbours."""
        return int(self.params["k_neighbours"])

    @property
    def n(self) -> int:
        """The list length stored per student."""
        return int(self.params["n"])

    def knows_material(self, material_id: str) -> bool:
        """True when the material is in the catalogue the models were fitted with."""
        return bool(self.models[0].matrix_.item_positions([material_id])[0] >= 0)


@dataclass
class RecommendationList:
    """One student's (or one ad-hoc history's) recommendations as the tab and the API show them."""

    items: pd.DataFrame                      # ITEM_COLUMNS, rank order
    neighbours: pd.DataFrame                 # student_id, similarity, n_common (most similar first)
    method: str                              # the model that chose the list: user_knn | hybrid
    k: int
    n: int
    model_version: str
    source: str = "computed"                 # stored | computed
    student_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The API body."""
        items = []
        for row in self.items.to_dict("records"):
            because = row.get("because_of")
            items.append({"rank": int(row["rank"]), "material_id": row["material_id"], "title": row["title"],
                          "subject": row["subject"], "difficulty": int(row["difficulty"]), "format": row["format"],
                          "score": float(row["score"]), "method": row["method"],
                          "reason": row.get("reason") if isinstance(row.get("reason"), str) else None,
                          "because_of": list(because) if isinstance(because, (tuple, list)) else []})
        body = {"n": self.n, "k": self.k, "source": self.source, "model_version": self.model_version,
                "method": self.method, "items": items}
        return ({"student_id": self.student_id} if self.student_id is not None else {}) | body


@functools.lru_cache(maxsize=2)
def _load(version: str, path: str, sha256: str) -> LoadedRecommender:
    bundle = load_artifact(path, sha256)
    return LoadedRecommender(version, bundle["params"], int(bundle["groups"]), bundle["materials"],
                             bundle["models"], (path, sha256))


def production(db_path: str | Path) -> LoadedRecommender:
    """The production recommender (re-read when the warehouse file changes); NoRecommender if none."""
    row = model_store.production_rows(db_path).get(rq.RECSYS_TASK)
    if row is None:
        raise NoRecommender("no production recommender yet; run `python -m pipelines recsys`")
    return _load(row["version"], row["artifact_path"], row["artifact_sha256"])


@functools.lru_cache(maxsize=32)
def _refitted(version: str, path: str, sha256: str, group: int, k: int) -> Hybrid:
    base = _load(version, path, sha256)
    params, fitted = base.params, base.models[group]
    collaborative = UserKNN(k_neighbours=k, shrink=params["shrink"])
    model = Hybrid(collaborative=collaborative, cold_start_history=params["cold_start_history"])
    return model.fit_matrix(fitted.matrix_, base.materials)


def model_for(rec: LoadedRecommender, group: int, k: int | None = None) -> Hybrid:
    """The group's model with K neighbours (the production K by default)."""
    if k is None or k == rec.k_neighbours:
        return rec.models[group]
    return _refitted(rec.version, *rec.artifact, group, int(k))


# ---- ranking ----------------------------------------------------------------------------------------
def _combine(model: Hybrid, n: int, history_length: int, cold_start_history: int,
             rank: Callable[[Any], pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """user-kNN's list (unless cold start) completed from the hybrid's; the method that chose the list."""
    warm = history_length >= cold_start_history
    primary = rank(model.collaborative_).assign(method=PRIMARY_METHOD) if warm else None
    lists = [] if primary is None else [primary]
    if primary is None or len(primary) < n:
        fallback = rank(model).assign(method=FALLBACK_METHOD)
        lists.append(fallback if primary is None else fallback[~fallback["material_id"].isin(primary["material_id"])])
    items = pd.concat(lists, ignore_index=True).iloc[:n]
    return items.assign(rank=range(1, len(items) + 1)), PRIMARY_METHOD if warm else FALLBACK_METHOD


def _with_facts(rec: LoadedRecommender, items: pd.DataFrame) -> pd.DataFrame:
    """Add the materials' title, subject, difficulty and format; columns in ITEM_COLUMNS order."""
    facts = rec.materials.set_index("material_id").loc[items["material_id"]]   # 300 rows: microseconds
    return items.assign(**{c: facts[c].to_numpy() for c in FACT_COLUMNS})[list(ITEM_COLUMNS)]


def _build(rec, model, n, k, history_length, rank, neighbours, **facts) -> RecommendationList:
    items, method = _combine(model, n, history_length, int(rec.params["cold_start_history"]), rank)
    return RecommendationList(_with_facts(rec, items), neighbours, method, k, n, rec.version, **facts)


def allowed_for(rec: LoadedRecommender, profile: Mapping[str, Any] | None) -> Iterable | None:
    """Materials in the student's weakest subject near their level (the learning filter), or None."""
    return None if profile is None else learning_filter(rec.materials, profile)


def recommend_student(db_path: str | Path, student_id: str, n: int, k: int | None = None,
                      allowed_items: Iterable | None = None) -> RecommendationList | None:
    """A warehouse student's list computed now, with explanations; None for an unknown student id.

    A student the model has not seen (added after the build) is ranked from their current history.
    """
    rec = production(db_path)
    k = rec.k_neighbours if k is None else int(k)
    with read_only(db_path) as con:
        if not rq.student_exists(con, student_id):
            return None
        group = 0 if rec.groups == 1 else rq.get_student_group(con, student_id, rec.groups,
                                                                int(rec.params["seed"]))
        model = model_for(rec, group, k)
        position = model.matrix_.user_positions([student_id])[0]
        history = None if position >= 0 else [
            (m, 1.0) for m in rq.get_student_history_df(con, student_id)["material_id"]]
    if history is not None:
        return _for_history(rec, model, history, n, k, allowed_items, student_id=student_id)
    length = int(model.matrix_.values.indptr[position + 1] - model.matrix_.values.indptr[position])
    return _build(rec, model, n, k, length,
                  lambda m: m.recommend(student_id, n, allowed_items=allowed_items),
                  model.collaborative_.neighbours(student_id), student_id=student_id)


def _for_history(rec, model, history, n, k, allowed_items=None, **facts) -> RecommendationList:
    length = model.matrix_.history_row(history).nnz
    return _build(rec, model, n, k, length,
                  lambda m: m.recommend_for_history(history, n, allowed_items=allowed_items),
                  model.collaborative_.neighbours_for_history(history), **facts)


def recommend_history(db_path: str | Path, history: list[tuple[str, float]], n: int,
                      k: int | None = None) -> RecommendationList:
    """A list for an ad-hoc history of (material_id, rating) pairs (cold start), from group 0's model."""
    rec = production(db_path)
    k = rec.k_neighbours if k is None else int(k)
    return _for_history(rec, model_for(rec, 0, k), history, n, k)


def stored_or_computed(db_path: str | Path, student_id: str, n: int) -> RecommendationList | None:
    """The stored list when it covers n places, else one computed now; None for an unknown student id."""
    rec = production(db_path)
    with read_only(db_path) as con:
        if not rq.student_exists(con, student_id):
            return None
        stored = rq.get_stored_recommendations_df(con, student_id, n) if n <= rec.n else pd.DataFrame()
    if len(stored) and stored["model_version"].iloc[0] == rec.version:
        items = stored.assign(reason=None, support=0, because_of=[()] * len(stored))[list(ITEM_COLUMNS)]
        method = PRIMARY_METHOD if (stored["method"] == PRIMARY_METHOD).any() else FALLBACK_METHOD
        return RecommendationList(items, pd.DataFrame(), method, rec.k_neighbours, n, rec.version, "stored",
                                  student_id)
    return recommend_student(db_path, student_id, n)


def page_state(db_path: str | Path) -> tuple[list[str], dict[str, Any] | None]:
    """School ids (for the filter) and the production recommender's registry row (None if none)."""
    with read_only(db_path) as con:
        return mq.get_school_ids(con), rq.get_production_recsys_row(con)


def eval_frame(db_path: str | Path, version: str) -> pd.DataFrame:
    """The stored offline evaluation (metric by method and K) of one recommender version."""
    with read_only(db_path) as con:
        return rq.get_recsys_eval_df(con, version)


def matching_students(db_path: str | Path, filters: dict, prefix: str,
                      limit: int) -> tuple[list[tuple[str, int | None]], int]:
    """Up to `limit` (student id, CSV line) pairs with ids starting with `prefix` under the filters, and how
    many match in all."""
    with read_only(db_path) as con:
        return rq.find_student_ids(con, filters, prefix, limit)


def student_profile(db_path: str | Path, student_id: str) -> tuple[dict[str, Any] | None, pd.DataFrame | None]:
    """A student's profile and history (both None for an unknown id)."""
    with read_only(db_path) as con:
        profile = rq.get_student_profile(con, student_id)
        return profile, rq.get_student_history_df(con, student_id) if profile else None


def neighbour_completions(db_path: str | Path, result: RecommendationList) -> dict[str, set[str]]:
    """{material_id: neighbours who completed it} for the materials of a shown list."""
    with read_only(db_path) as con:
        done = rq.get_completions_df(con, result.neighbours["student_id"].tolist(),
                                     result.items["material_id"].tolist())
    return done[done["completed"]].groupby("material_id")["student_id"].agg(set).to_dict()


def line_numbers(db_path: str | Path, student_ids: list[str]) -> dict[str, int]:
    """{student_id: CSV line} of real students (shown beside their ids and in downloads)."""
    with read_only(db_path) as con:
        return rq.get_line_numbers(con, student_ids)
