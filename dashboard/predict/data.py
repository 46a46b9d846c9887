"""The Predict tab's data: its only warehouse reads, and the app's model cache.

The production models are loaded once per version, checked against their sha256.

`production()` answers from memory until the warehouse file changes (a publish is an atomic rename,
so the file's inode and mtime change): then it re-reads the two production registry rows. Loaded
models are cached by (version, artifact sha256) for both tasks, so a promotion or rollback is picked
up at the next request without a restart, and each version's SHAP explainers are built once per
process (ServingModels keeps them).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.causal.estimators import regression_adjustment
from analytics.experiments import ADVICE_SPEC
from analytics.models.cutoff import CutoffTable, cutoff_table
from analytics.models.risk import at_risk_label
from analytics.models.schema import FEATURES, NUMERIC_FEATURES
from analytics.models.serving import ServingModels, serving_from_bundles
from dashboard.common.cache import by_published_version
from warehouse import model_queries as mq
from warehouse.challengers import get_active_challenger
from warehouse.connection import read_only
from warehouse.effect_queries import DEFAULT_OUTCOME, PRE_TREATMENT_COVARIATES, TREATMENT, get_effect_students_df
from warehouse.experiments import get_advice_experiment
from warehouse.model_artifacts import load_artifact


class NoProductionModel(RuntimeError):
    """There is no production model yet (run `python -m pipelines build` or `train`)."""


@dataclass(frozen=True)
class LoadedModels:
    """The production models of one version pair, their registry rows and the artifacts' extra data."""

    version: str
    risk_version: str
    serving: ServingModels
    regression_row: dict[str, Any]
    risk_row: dict[str, Any]
    regression_bundle: dict[str, Any]
    risk_bundle: dict[str, Any]

    @property
    def threshold(self) -> float:
        """The risk classifier's decision threshold."""
        return float(self.serving.risk.threshold)


@functools.lru_cache(maxsize=4)
def _load(reg_version: str, reg_path: str, reg_sha: str, risk_version: str, risk_path: str,
          risk_sha: str) -> tuple[ServingModels, dict, dict]:
    regression = load_artifact(reg_path, reg_sha)
    risk = load_artifact(risk_path, risk_sha)
    return serving_from_bundles(regression, risk), regression, risk


def production_rows(db_path: str | Path) -> dict[str, dict[str, Any]]:
    """{task: registry row} of production, re-read only when a new warehouse is published."""
    def read() -> dict[str, dict[str, Any]]:
        with read_only(db_path) as con:
            return mq.get_production_rows(con)

    return by_published_version(db_path, ("production_rows",), read)


def production(db_path: str | Path) -> LoadedModels:
    """The production models (loaded and verified once per version); NoProductionModel if none."""
    rows = production_rows(db_path)
    if any(task not in rows for task in mq.TASKS):
        raise NoProductionModel("no production model yet; run `python -m pipelines train`")
    return load_pair(rows)


def load_pair(rows: dict[str, dict[str, Any]]) -> LoadedModels:
    """The models of one run's registry rows {task: row} (cached per version and sha256, like production)."""
    reg, risk = rows["regression"], rows["risk"]
    serving, reg_bundle, risk_bundle = _load(reg["version"], reg["artifact_path"], reg["artifact_sha256"],
                                             risk["version"], risk["artifact_path"], risk["artifact_sha256"])
    return LoadedModels(reg["version"], risk["version"], serving, reg, risk, reg_bundle, risk_bundle)


def record_columns(records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Validated student records -> model input columns (schema order; scores as float).

    A mapping of arrays, not a DataFrame: for one row, pandas' constructor and column access cost
    more than the prediction itself (encode_rows_fast reads either).
    """
    return {name: np.asarray([r[name] for r in records], dtype=np.float64 if name in NUMERIC_FEATURES else object)
            for name in FEATURES}


@dataclass
class Prediction:
    """One student's prediction as the UI and the API show it."""

    predicted_math: float
    risk_probability: float
    risk_level: str
    risk_threshold: float
    pass_mark: float
    algorithm: str
    model_version: str
    risk_model_version: str
    explanation: Any = None   # analytics.models.explain.Explanation when asked for

    def as_json(self) -> dict[str, Any]:
        """JSON body of POST /predict (contributions only when explained)."""
        body = {k: getattr(self, k) for k in ("predicted_math", "risk_level", "risk_probability", "risk_threshold",
                                               "pass_mark", "algorithm", "model_version", "risk_model_version")}
        if self.explanation is not None:
            body["base_value"] = float(self.explanation.base_value)
            table = self.explanation.contributions
            body["contributions"] = [{"feature": f, "value": v, "shap": float(s)}
                                     for f, v, s in zip(table["feature"].tolist(), table["value"].tolist(),
                                                        table["shap"].tolist())]
        return body


def predict_records(db_path: str | Path, records: list[dict[str, Any]],
                    algorithm: str | None = None) -> tuple[LoadedModels, pd.DataFrame]:
    """Predict validated records with the production models: (models, predicted_math/risk frame)."""
    models = production(db_path)
    return models, models.serving.predict(pd.DataFrame(record_columns(records)), algorithm)


def predict_one(db_path: str | Path, record: dict[str, Any], algorithm: str | None = None,
                explain: bool = False, models: LoadedModels | None = None) -> Prediction:
    """Predict (and optionally explain) one validated record: the one code path of the UI and the API.

    `models` overrides production (a canary challenger serving this request)."""
    models = models or production(db_path)
    columns = record_columns([record])
    name = models.serving.resolve(algorithm)
    score, probability, level = (values[0] for values in models.serving.predict_arrays(columns, name))
    return Prediction(
        predicted_math=float(score), risk_probability=float(probability),
        risk_level=str(level), risk_threshold=models.threshold,
        pass_mark=float(models.serving.risk.pass_mark), algorithm=name, model_version=models.version,
        risk_model_version=models.risk_version,
        explanation=models.serving.explain(columns, name) if explain else None)


def model_page_tables(db_path: str | Path, version: str) -> tuple[pd.DataFrame, list[str]]:
    """The tuning trials of a model version and the school ids (for the intervention filter), re-read only when
    a new warehouse is published (the page layout shows them on every load)."""
    def read() -> tuple[pd.DataFrame, list[str]]:
        with read_only(db_path) as con:
            return mq.get_tuning_trials_df(con, version), mq.get_school_ids(con)

    return by_published_version(db_path, ("model_page_tables", version), read)


def registry(db_path: str | Path) -> pd.DataFrame:
    """Every registered model version, newest first, re-read only when a new warehouse is published."""
    def read() -> pd.DataFrame:
        with read_only(db_path) as con:
            return mq.get_registry_df(con)

    return by_published_version(db_path, ("registry",), read)


def student_record(db_path: str | Path, student_id: str) -> dict[str, Any] | None:
    """One student's features and scores, or None if the id is unknown."""
    with read_only(db_path) as con:
        return mq.get_student_record(con, student_id)


def interventions(db_path: str | Path, levels: tuple[str, ...], school_id: str | None) -> pd.DataFrame:
    """Students at the given risk levels (and school), highest probability first, at most 2,000."""
    with read_only(db_path) as con:
        return mq.get_intervention_df(con, risk_levels=levels, school_id=school_id, limit=2000)


_shap_cache: dict[tuple[str, str], pd.DataFrame] = {}


def background_shap(models: LoadedModels, algorithm: str) -> pd.DataFrame:
    """Per-feature SHAP values of the training background rows, computed once per version and algorithm.

    Importance and dependence both derive from it (as ModelExplainer.global_importance/dependence do),
    so switching the dependence feature costs nothing after the first view.
    """
    key = (models.version, algorithm)
    if key not in _shap_cache:
        if len(_shap_cache) > 16:
            _shap_cache.clear()
        explainer = models.serving.explainer(algorithm)
        _shap_cache[key] = explainer.shap_frame(explainer.background)
    return _shap_cache[key]


def active_challenger(db_path: str | Path) -> dict | None:
    """The active challenger run (shadow or canary), re-read only when a new warehouse is published."""
    def read() -> dict | None:
        with read_only(db_path) as con:
            has_table = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ml' "
                                    "AND table_name = 'challengers'").fetchone()[0]
            return get_active_challenger(con) if has_table else None   # older files lack ml.challengers

    return by_published_version(db_path, ("active_challenger",), read)


def advice_experiment(db_path: str | Path) -> tuple[str, tuple[str, ...], tuple[float, ...]]:
    """(key, variants, allocation) of the running advice experiment (the newest A/B test with primary action
    `follow`, so a demo reset takes over), or the built-in spec on older files."""
    key = ADVICE_SPEC["key"]

    def read():
        with read_only(db_path) as con:
            has_table = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ml' "
                                    "AND table_name = 'experiments'").fetchone()[0]
            return get_advice_experiment(con, key) if has_table else None

    row = by_published_version(db_path, ("advice_experiment",), read)
    if row is None:
        return key, tuple(ADVICE_SPEC["variants"]), tuple(ADVICE_SPEC["allocation"])
    return row["experiment_key"], tuple(row["variants"]), tuple(row["allocation"])


def scored_outcomes(db_path: str | Path, pass_mark: float) -> CutoffTable:
    """Cutoff table of the batch-scored students against their real outcome (math score below the mark)."""
    def read() -> CutoffTable:
        with read_only(db_path) as con:
            proba, math = mq.get_scored_outcomes(con)
        return cutoff_table(at_risk_label(math, pass_mark), proba)

    return by_published_version(db_path, ("scored_outcomes", float(pass_mark)), read)


EFFECT_MAX_ROWS = 50_000   # the sign of an adjusted difference needs no million rows


def test_prep_effect(db_path: str | Path) -> float | None:
    """Regression-adjusted effect of completing test prep on the math score (the EBPM tab's estimand), or None."""
    def read() -> float | None:
        with read_only(db_path) as con:
            frame = get_effect_students_df(con)
        if len(frame) > EFFECT_MAX_ROWS:
            frame = frame.sample(EFFECT_MAX_ROWS, random_state=0)
        treated = frame[TREATMENT].to_numpy(dtype=float)
        if frame.empty or treated.min() == treated.max():
            return None
        covariates = pd.get_dummies(frame[list(PRE_TREATMENT_COVARIATES)].astype(str), drop_first=True)
        row, = regression_adjustment(frame[DEFAULT_OUTCOME].to_numpy(dtype=float), treated,
                                     covariates.to_numpy(dtype=float), with_se=False)
        return float(row["estimate"])

    return by_published_version(db_path, ("test_prep_effect",), read)
