"""Regression metrics, the seeded held-out split, fold summaries and plot data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

REGRESSION_METRICS: tuple[str, ...] = ("rmse", "mae", "r2")
LOWER_IS_BETTER: frozenset[str] = frozenset({"rmse", "mae"})


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Return RMSE, MAE and R² of predictions against actual values."""
    return {
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
    }


def split_train_test(
    df: pd.DataFrame, *, seed: int, test_size: float = 0.2, stratify: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a seeded (train, test) split; stratified when a label with ≥2 rows per class is given."""
    if stratify is not None and stratify.value_counts().min() < 2:
        stratify = None  # a class with one row cannot be split both ways
    train, test = train_test_split(df, test_size=test_size, random_state=seed, stratify=stratify)
    return train, test


def summarize_folds(
    fold_scores: pd.DataFrame, metrics: tuple[str, ...] = REGRESSION_METRICS
) -> dict[str, float]:
    """Return {<metric>_mean, <metric>_sd} over folds (sd with ddof=1; 0 for one fold)."""
    summary: dict[str, float] = {}
    for metric in metrics:
        values = fold_scores[metric].to_numpy(dtype=float)
        summary[f"{metric}_mean"] = float(values.mean())
        summary[f"{metric}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return summary


def flat_regression_metrics(cv_summary: dict[str, float], test: dict[str, float]) -> dict[str, float]:
    """Merge a CV summary and test metrics into one flat dict: cv_rmse_mean, ..., test_rmse, ..."""
    flat = {f"cv_{key}": value for key, value in cv_summary.items()}
    flat.update({f"test_{key}": value for key, value in test.items()})
    return flat


def prediction_frame(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Return plot data for predicted-vs-actual and residual plots: actual, predicted, residual."""
    actual = np.asarray(y_true, dtype=float)
    predicted = np.asarray(y_pred, dtype=float)
    return pd.DataFrame({"actual": actual, "predicted": predicted, "residual": actual - predicted})


def cv_metric_cards(flat_metrics: dict[str, float]) -> list[dict[str, float | str]]:
    """Return one card per metric found: {metric, cv_mean, cv_sd, test, lower_is_better}."""
    cards: list[dict[str, float | str]] = []
    for metric in REGRESSION_METRICS:
        if f"cv_{metric}_mean" not in flat_metrics:
            continue
        cards.append(
            {
                "metric": metric,
                "cv_mean": flat_metrics[f"cv_{metric}_mean"],
                "cv_sd": flat_metrics.get(f"cv_{metric}_sd", float("nan")),
                "test": flat_metrics.get(f"test_{metric}", float("nan")),
                "lower_is_better": metric in LOWER_IS_BETTER,
            }
        )
    return cards
