"""Job: precompute every student's top-N materials, evaluate every recommender offline, register the model.

The production recommender is user-based kNN (shrunk cosine, K neighbours) with the hybrid
(collaborative + content + popularity) for cold start: a student with fewer than
`cold_start_history` materials gets the hybrid's list, and a list user-kNN cannot fill (no
neighbour has enough unseen materials) is completed from the hybrid. Items a student already has
are never recommended. `method` in ml.recommendations says which model chose each row.

Scale. With a small catalogue (300 demo materials) almost every pair of students shares a
material, so one student's neighbour search touches a fixed share of all students and a full
batch grows with the square of the students (100,000 students in one group: ~250 students/s,
~400 s). Above `group_size` students the job therefore searches neighbours within seeded random
groups of about `group_size` students (warehouse.recsys_queries.student_group_sql): the batch
grows linearly (~5,000 students/s on one core). Measured on 2 shared cores: 1,000 students 0.5 s,
100,000 students 30 s, 1,000,000 students 3.6 min with a peak RSS of 1.6 GB (interactions are
read a chunk of WRITE_GROUPS groups at a time). The price is a little accuracy: on the demo data,
user-kNN's NDCG@10 is 0.136 with 1,000 peers, 0.146 with 5,000 and 0.152 with 20,000, while a
group of 20,000 would make the batch four times slower. At demo size there is one group, i.e.
exact user-kNN over all students. The app and the API use the same group models, so an on-the-fly
list equals the stored one.

Evaluation (temporal split, metrics@K for K in EVAL_KS, every method) runs on group 0: all students
at demo size, a seeded random sample of about `group_size` students beyond, each method fitted on
that group's training interactions, exactly as production sees them.

Artifact: the fitted group models (analytics Hybrid objects, each holding its UserKNN) go to
EDULOOP_MODELS_DIR/recsys-<run>/model.joblib with their sha256 in the registry. The app loads them
once per version instead of refitting from the warehouse, so what it serves is pinned to the
registered version even if interactions change after the build.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.recsys import Hybrid, UserKNN, make_recommender, metric_vs_k
from analytics.recsys.evaluate import RECOMMENDERS
from pipelines.errors import PipelineError
from pipelines.train import new_run_id, utc_now
from warehouse import model_queries as mq
from warehouse import recsys_queries as rq
from warehouse.model_artifacts import remove_version, save_artifact
from warehouse.settings import get_settings

DEFAULT_K_NEIGHBOURS = 50
DEFAULT_N = 10
DEFAULT_SHRINK = 10.0
COLD_START_HISTORY = 5       # the hybrid's own default: below it content and popularity outweigh CF
GROUP_SIZE = 5_000           # neighbour search within groups of about this many students (see above)
WRITE_GROUPS = 20            # groups ranked before one insert (~100,000 students, ~1 M rows)
EVAL_K = 10
EVAL_KS = (1, 2, 5, 10, 20)
METRICS = rq.EVAL_METRICS
PRIMARY_METHOD, FALLBACK_METHOD = "user_knn", "hybrid"
NO_INTERACTIONS = ("no interactions yet: load them with `python -m pipelines ingest-interactions FILE` "
                   "(CSV or --format xapi), then run `python -m pipelines recsys`")


@dataclass(frozen=True)
class RecsysParams:
    """Typed parameters of the production recommender and its batch."""

    k_neighbours: int = DEFAULT_K_NEIGHBOURS
    n: int = DEFAULT_N
    shrink: float = DEFAULT_SHRINK
    cold_start_history: int = COLD_START_HISTORY
    group_size: int = GROUP_SIZE
    seed: int = 42

    def validate(self) -> None:
        """Raise PipelineError for values the recommenders cannot use."""
        for name, low, high in (("k_neighbours", 1, 1000), ("n", 1, 100), ("group_size", 100, 10_000_000)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise PipelineError(f"{name} must be between {low} and {high} (got {value})")
        if self.shrink < 0:
            raise PipelineError(f"shrink must be >= 0 (got {self.shrink})")


@dataclass
class RecsysSummary:
    """What one recsys run did and how fast (JSON-able through as_json)."""

    version: str
    students: int
    interactions: int
    rows: int
    n: int
    k_neighbours: int
    groups: int
    by_method: dict[str, int]
    evaluation: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        """JSON-able summary (students per second over the batch)."""
        batch = self.seconds.get("fit", 0) + self.seconds.get("recommend", 0)
        return {**asdict(self), "students_per_second": round(self.students / batch) if batch > 0 else None}


# ---- models ---------------------------------------------------------------------------------------
def make_production_model(params: RecsysParams) -> Hybrid:
    """Unfitted hybrid whose collaborative part is the production user-kNN."""
    return Hybrid(collaborative=UserKNN(k_neighbours=params.k_neighbours, shrink=params.shrink),
                  cold_start_history=params.cold_start_history)


def history_lengths(model: Hybrid, student_ids: pd.Index) -> np.ndarray:
    """Materials per student in the model's training data (0 for students it has not seen)."""
    matrix = model.matrix_
    positions = matrix.user_positions(student_ids)
    lengths = np.diff(matrix.values.indptr)
    return np.where(positions >= 0, lengths[np.maximum(positions, 0)], 0)


def top_n_for_students(model: Hybrid, student_ids, n: int, cold_start_history: int) -> pd.DataFrame:
    """Top-n per student [student_id, rank, material_id, score, method], vectorised over blocks of students.

    user-kNN's list; the hybrid's for cold start and for the places user-kNN could not fill.
    """
    ids = pd.Index(list(student_ids))
    warm = ids[history_lengths(model, ids) >= cold_start_history]
    primary = model.collaborative_.recommend_batch(warm, n).assign(method=PRIMARY_METHOD)
    listed = primary.groupby("student_id", sort=False).size().reindex(ids, fill_value=0)
    short = ids[listed.to_numpy() < n]
    # The hybrid's top n minus at most `listed` duplicates always leaves enough to complete a list.
    fallback = model.recommend_batch(short, n).assign(method=FALLBACK_METHOD)
    fallback = fallback.merge(primary[["student_id", "material_id"]], how="left", indicator=True,
                              on=["student_id", "material_id"])
    fallback = fallback[fallback["_merge"] == "left_only"].drop(columns="_merge")
    merged = pd.concat([primary, fallback], ignore_index=True)   # primary rows first, each in rank order
    merged["rank"] = merged.groupby("student_id", sort=False).cumcount() + 1
    merged = merged[merged["rank"] <= n]
    order = pd.Series(np.arange(len(ids)), index=ids)
    return merged.iloc[np.lexsort((merged["rank"].to_numpy(), order[merged["student_id"]].to_numpy()))] \
        .reset_index(drop=True)


def fit_group_models(interactions: pd.DataFrame, materials: pd.DataFrame, groups: range,
                     params: RecsysParams) -> dict[int, Hybrid]:
    """One fitted production model per neighbour group in `groups` (interactions sorted by group)."""
    bounds = np.searchsorted(interactions["grp"].to_numpy(), np.arange(groups.start, groups.stop + 1))
    return {group: make_production_model(params).fit(
                interactions.iloc[bounds[i]:bounds[i + 1]][["student_id", "material_id"]], materials)
            for i, group in enumerate(groups)}


# ---- evaluation -----------------------------------------------------------------------------------
def evaluation_methods(params: RecsysParams) -> dict:
    """Every method, the collaborative ones with the production neighbours and shrinkage."""
    knn = {"k_neighbours": params.k_neighbours, "shrink": params.shrink}
    methods = {name: make_recommender(name) for name in RECOMMENDERS}
    methods["user_knn"] = make_recommender("user_knn", **knn)
    methods["hybrid"] = make_production_model(params)
    return methods


def metrics_payload(table: pd.DataFrame, k: int) -> dict:
    """{"k": k, "methods": {method: {precision, recall, ndcg, map, hit_rate, coverage}}} (NaN -> null)."""
    rows = table[table["k"] == k]
    return {"k": int(k), "methods": {
        row["method"]: {m: (None if pd.isna(row[m]) else round(float(row[m]), 6)) for m in METRICS}
        for _, row in rows.iterrows()}}


def evaluate_group(interactions: pd.DataFrame, materials: pd.DataFrame, params: RecsysParams) -> pd.DataFrame:
    """metric_vs_k of every method on one group's interactions (each method ranked once at max K)."""
    return metric_vs_k(interactions[["student_id", "material_id", "rating", "ts"]], materials, ks=EVAL_KS,
                       methods=evaluation_methods(params))


# ---- the job --------------------------------------------------------------------------------------
def _register(con, version: str, run_id: str, params: RecsysParams, n_groups: int, evaluation: pd.DataFrame,
              interactions: int, artifact: tuple, now) -> None:
    """Archive the previous production recommender and register this one as production."""
    rq.archive_recsys_production(con, f"replaced by {version}")
    eval_users = int(evaluation["n_users"].max()) if len(evaluation) else 0
    mq.insert_registry_row(con, {
        "version": version, "task": rq.RECSYS_TASK, "algorithm": PRIMARY_METHOD,
        "params": {**asdict(params), "groups": n_groups, "fallback": FALLBACK_METHOD, "weighting": "binary",
                   "evaluation": {"k": EVAL_K, "ks": list(EVAL_KS), "test_fraction": 0.2, "min_interactions": 5,
                                  "relevant": "every held-out interaction", "sample": "group 0",
                                  "students": eval_users}},
        "test_metrics": metrics_payload(evaluation, EVAL_K), "data_rows": interactions,
        "artifact_path": str(artifact[0]), "artifact_sha256": artifact[1], "created_at": now,
        "status": "production", "status_reason": None, "run_id": run_id, "promoted_at": now})
    rq.insert_recsys_eval(con, version, evaluation, now)


def build_recommendations(con, *, k_neighbours: int = DEFAULT_K_NEIGHBOURS, n: int = DEFAULT_N, seed: int = 42,
                          shrink: float = DEFAULT_SHRINK, group_size: int = GROUP_SIZE,
                          models_dir=None) -> RecsysSummary:
    """Fit, precompute top-n for every student into ml.recommendations, evaluate, save and register."""
    params = RecsysParams(k_neighbours=k_neighbours, n=n, shrink=shrink, group_size=group_size, seed=seed)
    params.validate()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    students = mq.count_students(con)
    n_interactions = rq.count_interactions(con)
    if students == 0 or n_interactions == 0:
        raise PipelineError(f"the warehouse has no students or no interactions to learn from: {NO_INTERACTIONS}")
    n_groups = max(1, math.ceil(students / params.group_size))
    materials = rq.get_materials_df(con)
    student_groups = rq.get_student_groups_df(con, n_groups, seed)
    rq.stage_group_interactions(con, n_groups, seed)
    seconds["read"] = time.perf_counter() - started
    now = utc_now()
    run_id = new_run_id(now)
    version = f"recsys-{run_id}"
    models, rows, by_method = _precompute(con, materials, student_groups, n_groups, params, version, now, seconds)

    with _timed(seconds, "evaluate"):
        evaluation = evaluate_group(rq.get_group_interactions_df(con, n_groups, seed, group=0, with_time=True),
                                    materials, params)
    with _timed(seconds, "write"):
        models_dir = models_dir or get_settings().models_dir
        bundle = {"version": version, "params": asdict(params), "groups": n_groups, "materials": materials,
                  "models": models}
        artifact = save_artifact(models_dir, version, bundle)
        try:
            _register(con, version, run_id, params, n_groups, evaluation, n_interactions, artifact, now)
        except BaseException:
            remove_version(models_dir, version)   # no registry row points at it
            raise
    seconds["total"] = time.perf_counter() - started
    return RecsysSummary(
        version=version, students=students, interactions=n_interactions, rows=rows, n=params.n,
        k_neighbours=params.k_neighbours, groups=n_groups, by_method=by_method,
        evaluation={"k": EVAL_K, "students": int(evaluation["n_users"].max()) if len(evaluation) else 0,
                    "ndcg": {m: v["ndcg"] for m, v in metrics_payload(evaluation, EVAL_K)["methods"].items()}},
        seconds={k: round(v, 3) for k, v in seconds.items()})


@contextlib.contextmanager
def _timed(seconds: dict[str, float], key: str):
    """Add the block's wall time to seconds[key]."""
    mark = time.perf_counter()
    try:
        yield
    finally:
        seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - mark


def _precompute(con, materials: pd.DataFrame, student_groups: pd.DataFrame, n_groups: int, params: RecsysParams,
                version: str, now, seconds: dict[str, float]) -> tuple[dict[int, Hybrid], int, dict[str, int]]:
    """Fit the group models and replace ml.recommendations, WRITE_GROUPS groups at a time (bounded memory).

    Returns the models, the rows written and the rows per method; adds fit/recommend/write seconds.
    """
    bounds = np.searchsorted(student_groups["grp"].to_numpy(), np.arange(n_groups + 1))
    rq.start_recommendations(con)
    models: dict[int, Hybrid] = {}
    by_method: dict[str, int] = {}
    for first in range(0, n_groups, WRITE_GROUPS):
        groups = range(first, min(first + WRITE_GROUPS, n_groups))
        with _timed(seconds, "read"):
            interactions = rq.get_staged_interactions_df(con, groups.start, groups.stop - 1)
        with _timed(seconds, "fit"):
            models.update(fit_group_models(interactions, materials, groups, params))
        with _timed(seconds, "recommend"):
            part = pd.concat([top_n_for_students(models[g], student_groups["student_id"].iloc[bounds[g]:bounds[g + 1]],
                                                 params.n, params.cold_start_history) for g in groups],
                             ignore_index=True)
        with _timed(seconds, "write"):
            rq.append_recommendations(con, part.assign(model_version=version, created_at=now))
        for method, count in part["method"].value_counts().items():
            by_method[method] = by_method.get(method, 0) + int(count)
    rq.drop_staged_interactions(con)
    with _timed(seconds, "write"):
        rows = rq.publish_recommendations(con)
    return models, rows, by_method


def post_build_step(con, opts) -> dict:
    """Build step: recommendations for every student, the evaluation and the registry row."""
    if rq.count_interactions(con) == 0:
        return {"skipped": NO_INTERACTIONS}
    return build_recommendations(con, seed=opts.seed).as_json()
