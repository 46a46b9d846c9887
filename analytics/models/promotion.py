"""Promotion gate: may a candidate model replace the production one?"""

from __future__ import annotations

import math
import re
from typing import Mapping

DEFAULT_METRIC = "test_rmse"
DEFAULT_TOLERANCE = 0.05  # relative: a candidate may be up to 5 % worse (noise between test splits)
LOWER_IS_BETTER_MARKERS = ("rmse", "mae", "loss", "error")

# Reason codes (stable; stored in the registry, translated by the UI).
PROMOTE_NO_PRODUCTION = "no_production_model"
PROMOTE_BETTER = "better_than_production"
PROMOTE_WITHIN_TOLERANCE = "within_tolerance"
PROMOTE_PRODUCTION_METRIC_MISSING = "production_metric_missing"
REJECT_METRIC_MISSING = "candidate_metric_missing"
REJECT_NOT_FINITE = "candidate_metric_not_finite"
REJECT_NO_BETTER_THAN_MEAN = "no_better_than_mean"
REJECT_WORSE = "worse_than_production"


def lower_is_better(metric: str) -> bool:
    """Return True for error-type metrics (RMSE, MAE, loss), False for scores (R², AUC, F1)."""
    return any(marker in metric for marker in LOWER_IS_BETTER_MARKERS)


def _as_float(value: object) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def compare_to_production(
    candidate_metrics: Mapping[str, float],
    production_metrics: Mapping[str, float] | None,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    metric: str = DEFAULT_METRIC,
) -> tuple[bool, str]:
    """Return (ok, reason_code): ok when the candidate is not worse than production beyond tolerance."""
    if metric not in candidate_metrics:
        return False, REJECT_METRIC_MISSING
    candidate = _as_float(candidate_metrics[metric])
    if not math.isfinite(candidate):
        return False, REJECT_NOT_FINITE
    # A model that cannot beat predicting the mean (e.g. trained on a shuffled target) never ships,
    # even when there is nothing in production to compare with.
    if "test_r2" in candidate_metrics and not _as_float(candidate_metrics["test_r2"]) > 0:
        return False, REJECT_NO_BETTER_THAN_MEAN
    if not production_metrics:
        return True, PROMOTE_NO_PRODUCTION
    production = _as_float(production_metrics.get(metric))
    if not math.isfinite(production):
        return True, PROMOTE_PRODUCTION_METRIC_MISSING
    if lower_is_better(metric):
        better, allowed = candidate < production, production + tolerance * abs(production)
        within = candidate <= allowed
    else:
        better, allowed = candidate > production, production - tolerance * abs(production)
        within = candidate >= allowed
    if better:
        return True, PROMOTE_BETTER
    if within:
        return True, PROMOTE_WITHIN_TOLERANCE
    return False, REJECT_WORSE


REASON_CODES = (PROMOTE_NO_PRODUCTION, PROMOTE_BETTER, PROMOTE_WITHIN_TOLERANCE, PROMOTE_PRODUCTION_METRIC_MISSING,
                REJECT_METRIC_MISSING, REJECT_NOT_FINITE, REJECT_NO_BETTER_THAN_MEAN, REJECT_WORSE,
                "no_better_than_chance")
_REASON_PART = re.compile(r"\b(regression|risk): ([a-z_]+)")


def reason_codes(reason: str | None) -> list[tuple[str, str]]:
    """The (task, code) pairs of a stored gate reason ('regression: within_tolerance (...); risk: ...')."""
    return [(task, code) for task, code in _REASON_PART.findall(reason or "") if code in REASON_CODES]
