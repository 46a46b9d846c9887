"""Job: score every student with the production models into ml.risk_scores (the intervention list).

Vectorised end to end: DuckDB hands over category positions (not strings), the encoder works on
whole chunks of rows, and the estimators predict on numpy arrays. ServingModels.predict is the same
call the API and the Predict tab make, so a student's batch score equals their online prediction.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import pandas as pd

from analytics.models.risk import RISK_LEVELS
from analytics.models.serving import ServingModels, serving_from_bundles
from analytics.student_schema import CATEGORIES
from pipelines.errors import PipelineError
from pipelines.train import utc_now
from warehouse import model_queries as mq
from warehouse.model_artifacts import load_artifact

CHUNK_ROWS = 250_000   # bounds the encoded matrices' memory (~40 MB per chunk and model family)


@dataclass
class ScoreSummary:
    """What one scoring run did and how fast."""

    rows: int
    model_version: str
    risk_model_version: str
    high: int
    medium: int
    low: int
    load_seconds: float
    predict_seconds: float
    write_seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows per second over load + predict + write."""
        total = self.load_seconds + self.predict_seconds + self.write_seconds
        return self.rows / total if total > 0 else float("nan")

    def as_json(self) -> dict:
        """JSON-able summary."""
        return {**asdict(self), "rows_per_second": round(self.rows_per_second)}


def load_production_models(con) -> tuple[ServingModels, dict[str, dict]]:
    """The production ServingModels (artifacts checked against their sha256) and registry rows."""
    production = mq.get_production_rows(con)
    missing = [task for task in mq.TASKS if task not in production]
    if missing:
        raise PipelineError(f"no production model for {', '.join(missing)}; run `python -m pipelines train`")
    bundles = {task: load_artifact(production[task]["artifact_path"], production[task]["artifact_sha256"])
               for task in mq.TASKS}
    return serving_from_bundles(bundles["regression"], bundles["risk"]), production


def predict_in_chunks(models: ServingModels, frame: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """models.predict over consecutive chunks of rows (same result, bounded memory)."""
    parts = [models.predict(frame.iloc[start:start + chunk_rows]) for start in range(0, len(frame), chunk_rows)]
    return pd.concat(parts) if parts else models.predict(frame)


def score_students(con, *, scored_at=None) -> ScoreSummary:
    """Score every student with the production models and replace ml.risk_scores."""
    models, production = load_production_models(con)
    started = time.perf_counter()
    row_ids, frame = mq.get_scoring_frame(con, CATEGORIES)
    loaded = time.perf_counter()
    scores = predict_in_chunks(models, frame)
    predicted = time.perf_counter()
    scores.insert(0, "row_id", row_ids)
    scores["risk_level"] = pd.Categorical(scores["risk_level"], categories=RISK_LEVELS)   # no 1 M strings
    scores["model_version"] = production["regression"]["version"]
    scores["risk_model_version"] = production["risk"]["version"]
    scores["scored_at"] = scored_at or utc_now()
    rows = mq.replace_risk_scores(con, scores)
    written = time.perf_counter()
    levels = scores["risk_level"].value_counts()
    return ScoreSummary(rows=rows, model_version=production["regression"]["version"],
                        risk_model_version=production["risk"]["version"],
                        high=int(levels.get("high", 0)), medium=int(levels.get("medium", 0)),
                        low=int(levels.get("low", 0)), load_seconds=round(loaded - started, 3),
                        predict_seconds=round(predicted - loaded, 3), write_seconds=round(written - predicted, 3))


def post_build_step(con, opts) -> dict:
    """Build step: score every student if training produced a production model."""
    if len(mq.get_production_rows(con)) < len(mq.TASKS):
        return {"skipped": "no production model"}
    return score_students(con).as_json()
