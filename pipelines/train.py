"""Job: train the score models and the at-risk classifier, register them, and promote them only if they pass.

One run makes two registry rows that share a run_id and travel together: 'reg-<run>' (task
'regression': linear, ridge and LightGBM, the lowest-CV-RMSE one is the default) and 'risk-<run>'
(task 'risk': the at-risk classifier with its threshold). Artifacts go to
EDULOOP_MODELS_DIR/<version>/model.joblib with their sha256 in the registry.

Gate: the run becomes production only if the data passes validate_training_data, the regression
candidate's CV RMSE is not worse than production's beyond the tolerance (and its test R² beats
predicting the mean), and the risk candidate's out-of-fold PR-AUC is not worse than production's
beyond the tolerance (and its ROC-AUC clearly beats chance). CV and out-of-fold figures, not the
test split, are compared: on ~200 test students the PR-AUC of the same model swings by ±0.08 between
seeds (0.74–0.90 on the demo data), the out-of-fold one by ±0.02, so retraining on unchanged data
would otherwise be rejected at random. Otherwise its rows stay 'rejected' (or 'candidate' when promotion
is switched off) with the reason, and production is untouched. A run that fails leaves no registry
rows and no artifact folders, only a 'failed' row in ml.retrain_runs, which the monitor alerts on.

Large tables are trained on a seeded sample (EDULOOP_TRAIN_MAX_ROWS, 50,000 by default; a build
uses at most 5,000 and a small search budget) and scored in full by pipelines/score.py.
"""
from __future__ import annotations

import math
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from analytics.models.promotion import compare_to_production
from analytics.models.training import TrainingResult, train_all
from warehouse import model_queries as mq
from warehouse.model_artifacts import remove_version, save_artifact
from warehouse.settings import Settings, get_settings

BUILD_TRIALS = 8            # build: small search budget, one CV repeat (seconds at 1,000 students)
BUILD_CV_REPEATS = 1
BUILD_MAX_ROWS = 5_000
MIN_RISK_ROC_AUC = 0.6      # a classifier at ~0.5 (e.g. trained on a shuffled target) is no better than chance
REGRESSION_GATE_METRIC = "cv_rmse_mean"
RISK_GATE_METRIC = "validation_pr_auc"
RISK_CHANCE_METRIC = "validation_roc_auc"
REASON_MAX_CHARS = 500
SUMMARY_REGRESSION_METRICS = ("test_rmse", "test_mae", "test_r2", "cv_rmse_mean", "cv_rmse_sd", "cv_r2_mean",
                              "cv_r2_sd")
SUMMARY_RISK_METRICS = ("test_recall", "test_precision", "test_roc_auc", "test_pr_auc", "validation_pr_auc")


def utc_now() -> datetime:
    """Naive UTC now (the warehouse stores naive UTC timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_run_id(now: datetime) -> str:
    """A run id such as '20261123T160000-ab12' (time first, so ids sort by time)."""
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:4]}"


@dataclass
class TrainSummary:
    """Outcome of one training run (JSON-able through as_json)."""

    run_id: str
    status: str                       # 'ok' | 'failed'
    started_at: str
    finished_at: str
    reason: str | None = None         # failure reason, or the gate's reasons
    decision: str | None = None       # registry status of the run's rows: production | rejected | candidate
    regression_version: str | None = None
    risk_version: str | None = None
    algorithm: str | None = None
    classifier: str | None = None
    population_rows: int = 0
    trained_rows: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def promoted(self) -> bool:
        """True when this run's models became production."""
        return self.decision == "production"

    def as_json(self) -> dict[str, Any]:
        """The summary as a JSON-able dict."""
        return {**asdict(self), "promoted": self.promoted}


def _flat(metrics: dict[str, float], prefix: str) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if k.startswith(prefix)}


def _candidate_metrics(result: TrainingResult) -> dict[str, dict[str, float]]:
    regression = result.metrics["regression"][result.selected_regressor]
    risk = result.metrics["classification"][result.selected_classifier]
    return {"regression": {k: float(v) for k, v in regression.items()},
            "risk": {k: float(v) for k, v in risk.items()}}


def _row_metrics(row: dict[str, Any]) -> dict[str, float]:
    # Registry rows keep CV/validation and test metrics apart; the gate reads both, flat.
    merged = {**(row.get("cv_metrics") or {}), **(row.get("test_metrics") or {})}
    return {k: v for k, v in merged.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _describe(task: str, metric: str, code: str, candidate: dict, production: dict | None) -> str:
    value = candidate.get(metric, math.nan)
    if production and metric in production:
        return f"{task}: {code} ({metric} {value:.4g} vs production {float(production[metric]):.4g})"
    return f"{task}: {code} ({metric} {value:.4g})"


def promotion_decision(candidate: dict[str, dict[str, float]], production: dict[str, dict[str, Any]],
                       tolerance: float) -> tuple[bool, str]:
    """Gate a run's two candidates against production; return (promote, reason text with codes)."""
    prod = {task: _row_metrics(row) for task, row in production.items()}
    reg_ok, reg_code = compare_to_production(candidate["regression"], prod.get("regression"), tolerance,
                                             metric=REGRESSION_GATE_METRIC)
    risk_ok, risk_code = compare_to_production(candidate["risk"], prod.get("risk"), tolerance,
                                               metric=RISK_GATE_METRIC)
    roc_auc = candidate["risk"].get(RISK_CHANCE_METRIC, math.nan)
    if risk_ok and not roc_auc >= MIN_RISK_ROC_AUC:
        risk_ok, risk_code = False, "no_better_than_chance"
    reason = "; ".join([
        _describe("regression", REGRESSION_GATE_METRIC, reg_code, candidate["regression"], prod.get("regression")),
        _describe("risk", RISK_GATE_METRIC, risk_code, candidate["risk"], prod.get("risk")),
        f"tolerance {tolerance:g}"])
    return reg_ok and risk_ok, reason


def _bundles(result: TrainingResult, run_id: str, versions: dict[str, str]) -> dict[str, dict]:
    regression = {
        "kind": "regression", "version": versions["regression"], "run_id": run_id,
        "regressors": {name: report.model for name, report in result.regressors.items()},
        "selected": result.selected_regressor, "background": result.background,
        "test_predictions": {name: report.test_predictions for name, report in result.regressors.items()},
        "metrics": result.metrics["regression"], "feature_schema": result.feature_schema,
    }
    risk = {
        "kind": "risk", "version": versions["risk"], "run_id": run_id, "model": result.risk_model,
        "selected": result.selected_classifier, "background": result.background,
        "evaluations": {name: {"validation": ev.validation, "test": ev.test, "roc_curve": ev.roc_curve,
                               "pr_curve": ev.pr_curve} for name, ev in result.classifiers.items()},
    }
    return {"regression": regression, "risk": risk}


def _registry_rows(result: TrainingResult, run_id: str, versions: dict[str, str], artifacts: dict,
                   now: datetime, population_rows: int) -> list[dict[str, Any]]:
    fp = result.fingerprint
    training = {k: v for k, v in result.params.items() if k not in ("best_params", "thresholds")}
    training["population_rows"] = population_rows
    common = {"data_rows": fp.rows, "data_hash": fp.sha256, "feature_schema": result.feature_schema,
              "created_at": now, "status": "candidate", "run_id": run_id}
    reg_metrics = result.metrics["regression"]
    risk_metrics = result.metrics["classification"]
    selected_reg, selected_risk = result.selected_regressor, result.selected_classifier
    risk_model = result.risk_model
    return [
        {**common, "version": versions["regression"], "task": "regression", "algorithm": selected_reg,
         "params": {"selected": selected_reg, "best_params": result.params["best_params"], "training": training},
         "cv_metrics": {**_flat(reg_metrics[selected_reg], "cv_"),
                        "algorithms": {n: _flat(m, "cv_") for n, m in reg_metrics.items()}},
         "test_metrics": {**_flat(reg_metrics[selected_reg], "test_"),
                          "algorithms": {n: _flat(m, "test_") for n, m in reg_metrics.items()}},
         "artifact_path": str(artifacts["regression"][0]), "artifact_sha256": artifacts["regression"][1]},
        {**common, "version": versions["risk"], "task": "risk", "algorithm": selected_risk,
         "params": {"selected": selected_risk, "threshold": risk_model.threshold, "pass_mark": risk_model.pass_mark,
                    "min_recall": result.params["min_recall"], "thresholds": result.params["thresholds"],
                    "training": training},
         "cv_metrics": {**_flat(risk_metrics[selected_risk], "validation_"),
                        "algorithms": {n: _flat(m, "validation_") for n, m in risk_metrics.items()}},
         "test_metrics": {**_flat(risk_metrics[selected_risk], "test_"),
                          "algorithms": {n: _flat(m, "test_") for n, m in risk_metrics.items()}},
         "artifact_path": str(artifacts["risk"][0]), "artifact_sha256": artifacts["risk"][1]},
    ]


def _register(con, result: TrainingResult, run_id: str, versions: dict[str, str], artifacts: dict,
              now: datetime, population_rows: int, tolerance: float, promote: bool) -> tuple[str, str]:
    """Insert the run's rows and trials, gate them, update statuses; return (decision, reason)."""
    production = mq.get_production_rows(con)
    ok, reason = promotion_decision(_candidate_metrics(result), production, tolerance)
    for row in _registry_rows(result, run_id, versions, artifacts, now, population_rows):
        mq.insert_registry_row(con, row)
    mq.insert_trials(con, versions["regression"], result.trials)
    if ok and promote:
        mq.archive_production(con, f"superseded by run {run_id}")
        mq.set_run_status(con, run_id, "production", reason, promoted_at=now)
        return "production", reason
    if not ok:
        mq.set_run_status(con, run_id, "rejected", reason)
        return "rejected", reason
    mq.set_run_status(con, run_id, "candidate", "not promoted on request; gate passed: " + reason)
    return "candidate", reason


def _failure_reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:REASON_MAX_CHARS]


def train_and_register(con, settings: Settings, *, seed: int = 0, n_trials: int = 20,
                       tolerance: float | None = None, cv_repeats: int = 2, max_rows: int | None = None,
                       promote: bool = True, now: datetime | None = None) -> TrainSummary:
    """Read core.students, validate, train, save artifacts, register, gate and record the run (never raises)."""
    started = now or utc_now()
    clock = time.perf_counter()
    run_id = new_run_id(started)
    versions = {"regression": f"reg-{run_id}", "risk": f"risk-{run_id}"}
    tolerance = settings.promote_tolerance if tolerance is None else tolerance
    max_rows = settings.train_max_rows if max_rows is None else max_rows
    summary = TrainSummary(run_id=run_id, status="ok", started_at=started.isoformat(timespec="seconds"),
                           finished_at="")
    try:
        summary.population_rows = mq.count_students(con)
        frame = mq.get_training_frame(con, max_rows=max_rows if summary.population_rows > max_rows else None,
                                      seed=seed)
        result = train_all(frame, seed=seed, n_trials=n_trials, pass_mark=settings.pass_mark, cv_repeats=cv_repeats)
        bundles = _bundles(result, run_id, versions)
        artifacts = {task: save_artifact(settings.models_dir, versions[task], bundle)
                     for task, bundle in bundles.items()}
        con.execute("BEGIN TRANSACTION")
        try:
            decision, reason = _register(con, result, run_id, versions, artifacts, started,
                                         summary.population_rows, tolerance, promote)
            mq.insert_retrain_run(con, run_id, started, utc_now(), "ok", None)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except Exception as exc:   # recorded, never half-registered: production stays as it was
        for version in versions.values():
            remove_version(settings.models_dir, version)
        summary.status, summary.reason = "failed", _failure_reason(exc)
        mq.insert_retrain_run(con, run_id, started, utc_now(), "failed", summary.reason)
    else:
        metrics = _candidate_metrics(result)
        summary.decision, summary.reason = decision, reason
        summary.regression_version, summary.risk_version = versions["regression"], versions["risk"]
        summary.algorithm, summary.classifier = result.selected_regressor, result.selected_classifier
        summary.trained_rows = len(frame)
        summary.metrics = {
            **{k: metrics["regression"][k] for k in SUMMARY_REGRESSION_METRICS},
            **{k: metrics["risk"][k] for k in SUMMARY_RISK_METRICS},
        }
    summary.finished_at = utc_now().isoformat(timespec="seconds")
    summary.seconds = round(time.perf_counter() - clock, 2)
    return summary


def post_build_step(con, opts) -> dict:
    """Build step: train with a small budget on (a sample of) the demo or CSV students."""
    settings = get_settings()
    summary = train_and_register(con, settings, seed=opts.seed, n_trials=BUILD_TRIALS, cv_repeats=BUILD_CV_REPEATS,
                                 max_rows=min(settings.train_max_rows, BUILD_MAX_ROWS))
    keys = ("status", "decision", "regression_version", "algorithm", "classifier", "trained_rows", "reason")
    return {**{k: getattr(summary, k) for k in keys}, **{k: round(v, 4) for k, v in summary.metrics.items()}}
