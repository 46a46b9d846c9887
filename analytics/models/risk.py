"""At-risk classifier: P(math_score < pass_mark), a recall-targeted threshold and risk levels.

Validation data = out-of-fold probabilities on the training split (stratified k-fold). With ~1,000
students and ~13 % below the pass mark, a single validation split would hold ~25 at-risk students
and the threshold would swing with the split; out-of-fold gives every training student a score
from a model that did not see them. The test split is used only for the final report.

Risk levels from the probability p and the chosen threshold t:
    high   p >= t        (flagged: the recall target is met at this cut)
    medium t/2 <= p < t  (watch list)
    low    p < t/2
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from .estimators import make_classifier
from .features import feature_frame
from .schema import TARGET

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")
MEDIUM_FRACTION_OF_THRESHOLD = 0.5


def at_risk_label(scores: pd.Series | np.ndarray, pass_mark: float) -> np.ndarray:
    """Return 1 where the score is below the pass mark, else 0."""
    return (np.asarray(scores, dtype=float) < pass_mark).astype(int)


def choose_threshold(y_true: np.ndarray, proba: np.ndarray, *, min_recall: float = 0.8) -> float:
    """Return the highest probability cut whose recall (p >= cut) is at least min_recall."""
    positive_proba = np.sort(np.asarray(proba, dtype=float)[np.asarray(y_true) == 1])[::-1]
    if positive_proba.size == 0:
        raise ValueError("validation data holds no at-risk students; cannot target recall")
    needed = math.ceil(min_recall * positive_proba.size - 1e-9)  # tolerate float noise in 0.8 * n
    return float(positive_proba[max(needed, 1) - 1])


def risk_levels(proba: np.ndarray, threshold: float) -> np.ndarray:
    """Return 'high' (p >= t), 'medium' (p >= t/2) or 'low' per probability."""
    proba = np.asarray(proba, dtype=float)
    levels = np.full(proba.shape, "low", dtype=object)
    levels[proba >= threshold * MEDIUM_FRACTION_OF_THRESHOLD] = "medium"
    levels[proba >= threshold] = "high"
    return levels


def classification_report(y_true: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    """Return precision, recall, F1, ROC-AUC, PR-AUC, confusion counts and per-100 figures."""
    y_true = np.asarray(y_true, dtype=int)
    flagged = (np.asarray(proba) >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_true, flagged, labels=[0, 1]).ravel()
    both_classes = 0 < y_true.sum() < y_true.size
    recall = float(recall_score(y_true, flagged, zero_division=0))
    precision = float(precision_score(y_true, flagged, zero_division=0))
    return {
        "threshold": float(threshold),
        "precision": precision,
        "recall": recall,
        "f1": float(f1_score(y_true, flagged, zero_division=0)),
        "roc_auc": float(roc_auc_score(y_true, proba)) if both_classes else float("nan"),
        "pr_auc": float(average_precision_score(y_true, proba)) if both_classes else float("nan"),
        "tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp),
        "n": int(y_true.size),
        "prevalence": float(y_true.mean()),
        # Officials' terms: of 100 students who will fall below the mark, how many we flag;
        # of 100 students, how many get flagged (workload); of 100 flagged, how many truly at risk.
        "at_risk_flagged_per_100": recall * 100,
        "flagged_per_100_students": float((tp + fp) / y_true.size * 100),
        "true_at_risk_per_100_flagged": precision * 100,
    }


def curve_frames(y_true: np.ndarray, proba: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ROC (fpr, tpr, threshold) and PR (recall, precision, threshold) curve data."""
    fpr, tpr, roc_thresholds = roc_curve(y_true, proba)
    precision, recall, pr_thresholds = precision_recall_curve(y_true, proba)
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": roc_thresholds})
    # precision_recall_curve has one more point than thresholds (the recall=0 end).
    pr = pd.DataFrame(
        {"recall": recall, "precision": precision, "threshold": np.append(pr_thresholds, np.nan)}
    )
    return roc, pr


@dataclass
class RiskModel:
    """A fitted at-risk classifier with its decision threshold; picklable, ready to score."""

    name: str
    pipeline: Pipeline
    threshold: float
    pass_mark: float

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """Return P(score < pass mark) per row."""
        return self.pipeline.predict_proba(feature_frame(df))[:, 1]

    def score(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return probability, flagged and risk_level per row (index kept)."""
        proba = self.predict_proba(df)
        return pd.DataFrame(
            {"probability": proba, "flagged": proba >= self.threshold,
             "risk_level": risk_levels(proba, self.threshold)},
            index=df.index,
        )


@dataclass
class RiskEvaluation:
    """A trained risk model with its validation (out-of-fold) and test reports and curves."""

    model: RiskModel
    validation: dict[str, float]
    test: dict[str, float]
    roc_curve: pd.DataFrame
    pr_curve: pd.DataFrame
    validation_scores: pd.DataFrame = field(repr=False)  # at_risk, out-of-fold probability
    test_scores: pd.DataFrame = field(repr=False)  # at_risk, probability, risk_level


def train_risk_model(
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    pass_mark: float = 50,
    min_recall: float = 0.8,
    seed: int = 0,
    validation_splits: int = 5,
) -> RiskEvaluation:
    """Fit one classifier, pick its threshold on out-of-fold data, and report on the test split."""
    X_train, y_train = feature_frame(train), at_risk_label(train[TARGET], pass_mark)
    X_test, y_test = feature_frame(test), at_risk_label(test[TARGET], pass_mark)
    pipeline = make_classifier(name, seed=seed)
    folds = StratifiedKFold(validation_splits, shuffle=True, random_state=seed)
    oof_proba = cross_val_predict(clone(pipeline), X_train, y_train, cv=folds, method="predict_proba")[:, 1]
    threshold = choose_threshold(y_train, oof_proba, min_recall=min_recall)
    model = RiskModel(name, pipeline.fit(X_train, y_train), threshold, pass_mark)
    test_proba = model.predict_proba(X_test)
    roc, pr = curve_frames(y_test, test_proba)
    test_scores = pd.DataFrame(
        {"at_risk": y_test, "probability": test_proba, "risk_level": risk_levels(test_proba, threshold)},
        index=test.index,
    )
    return RiskEvaluation(
        model=model,
        validation=classification_report(y_train, oof_proba, threshold),
        test=classification_report(y_test, test_proba, threshold),
        roc_curve=roc,
        pr_curve=pr,
        validation_scores=pd.DataFrame({"at_risk": y_train, "probability": oof_proba}, index=train.index),
        test_scores=test_scores,
    )
