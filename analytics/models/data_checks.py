"""Checks a training table must pass before any model is fitted on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .schema import (
    CATEGORICAL_FEATURES,
    FEATURES,
    NUMERIC_FEATURES,
    SCORE_MAX,
    SCORE_MIN,
    SPEC_BY_NAME,
    TARGET,
)

DEFAULT_MIN_ROWS = 100
DEFAULT_MIN_CLASS_ROWS = 10  # fewest at-risk (and not-at-risk) rows for k-fold threshold choice
EXAMPLES_SHOWN = 5

# Issue codes (stable; pipelines store them in quarantine/alert tables, the UI translates them).
MISSING_COLUMN = "missing_column"
TOO_FEW_ROWS = "too_few_rows"
NULL_VALUES = "null_values"
INVALID_CATEGORY = "invalid_category"
NOT_NUMERIC = "not_numeric"
OUT_OF_RANGE = "out_of_range"
CONSTANT_TARGET = "constant_target"
TOO_FEW_AT_RISK = "too_few_at_risk"
TOO_FEW_NOT_AT_RISK = "too_few_not_at_risk"


@dataclass(frozen=True)
class DataIssue:
    """One problem found in training data: code, column (or None for the table) and row count."""

    code: str
    field: str | None
    count: int
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"code": self.code, "field": self.field, "count": self.count, "detail": dict(self.detail)}


def _category_issues(column: pd.Series, name: str) -> list[DataIssue]:
    allowed = SPEC_BY_NAME[name].allowed
    present = column.dropna()
    bad = present[~present.isin(allowed)]
    if bad.empty:
        return []
    examples = sorted(map(str, bad.unique()))[:EXAMPLES_SHOWN]
    return [DataIssue(INVALID_CATEGORY, name, len(bad), {"examples": examples, "allowed": list(allowed)})]


def _score_issues(column: pd.Series, name: str) -> list[DataIssue]:
    present = column.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    issues = []
    not_numeric = int(numbers.isna().sum())
    if not_numeric:
        issues.append(DataIssue(NOT_NUMERIC, name, not_numeric))
    numbers = numbers.dropna().astype("float64")
    outside = int(((numbers < SCORE_MIN) | (numbers > SCORE_MAX) | ~np.isfinite(numbers)).sum())
    if outside:
        issues.append(DataIssue(OUT_OF_RANGE, name, outside, {"minimum": SCORE_MIN, "maximum": SCORE_MAX}))
    return issues


def _target_issues(target: pd.Series, pass_mark: float | None, min_class_rows: int) -> list[DataIssue]:
    numbers = pd.to_numeric(target, errors="coerce").dropna()
    issues = []
    if numbers.nunique() < 2:
        issues.append(DataIssue(CONSTANT_TARGET, TARGET, len(numbers)))
    if pass_mark is not None:
        at_risk = int((numbers < pass_mark).sum())
        if at_risk < min_class_rows:
            issues.append(DataIssue(TOO_FEW_AT_RISK, TARGET, at_risk,
                                    {"pass_mark": pass_mark, "minimum": min_class_rows}))
        if len(numbers) - at_risk < min_class_rows:
            issues.append(DataIssue(TOO_FEW_NOT_AT_RISK, TARGET, len(numbers) - at_risk,
                                    {"pass_mark": pass_mark, "minimum": min_class_rows}))
    return issues


def validate_training_data(
    df: pd.DataFrame,
    *,
    min_rows: int = DEFAULT_MIN_ROWS,
    pass_mark: float | None = None,
    min_class_rows: int = DEFAULT_MIN_CLASS_ROWS,
) -> list[DataIssue]:
    """Return every issue blocking training (empty list = fit to train)."""
    issues: list[DataIssue] = []
    if len(df) < min_rows:
        issues.append(DataIssue(TOO_FEW_ROWS, None, len(df), {"minimum": min_rows}))
    for name in (*FEATURES, TARGET):
        if name not in df.columns:
            issues.append(DataIssue(MISSING_COLUMN, name, len(df)))
            continue
        nulls = int(df[name].isna().sum())
        if nulls:
            issues.append(DataIssue(NULL_VALUES, name, nulls))
        if name in CATEGORICAL_FEATURES:
            issues.extend(_category_issues(df[name], name))
        elif name in NUMERIC_FEATURES or name == TARGET:
            issues.extend(_score_issues(df[name], name))
    if TARGET in df.columns:
        issues.extend(_target_issues(df[TARGET], pass_mark, min_class_rows))
    return issues
