"""Covariate encoding shared by every causal estimator: one design, one place."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL_SEPARATOR = "="


@dataclass(frozen=True)
class CovariateDesign:
    """Numeric covariate matrix (no intercept) and the name of each column."""

    matrix: np.ndarray
    names: list[str]


def is_categorical(series: pd.Series) -> bool:
    """True for columns encoded as levels (strings, categories) rather than numbers or booleans."""
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def treatment_indicator(series: pd.Series) -> np.ndarray:
    """Boolean treated flag from a 0/1 or bool column (validated beforehand)."""
    return series.to_numpy(dtype=float) == 1.0


def _level_columns(series: pd.Series, *, drop_first: bool) -> tuple[list[np.ndarray], list[str]]:
    # Levels are the values' text (missing -> "nan"), sorted, so the dropped reference level is
    # predictable ("first" in sort order). Factorizing first converts each distinct value to text
    # once, not a million times (category codes are read as they are).
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    labels = [str(value) for value in uniques]
    levels = sorted(set(labels))
    position = {level: i for i, level in enumerate(levels)}
    level_codes = np.asarray([position[label] for label in labels], dtype=np.intp)[codes]
    kept = range(1, len(levels)) if drop_first else range(len(levels))
    columns = [(level_codes == i).astype(float) for i in kept]
    return columns, [f"{series.name}{LEVEL_SEPARATOR}{levels[i]}" for i in kept]


def build_design(df: pd.DataFrame, covariates: list[str], *, drop_first: bool = True) -> CovariateDesign:
    """Encode covariates: numeric as is, categoricals one-hot (first level dropped for models)."""
    columns: list[np.ndarray] = []
    names: list[str] = []
    for covariate in covariates:
        series = df[covariate]
        if is_categorical(series):
            level_columns, level_names = _level_columns(series, drop_first=drop_first)
            columns.extend(level_columns)
            names.extend(level_names)
        else:
            columns.append(series.to_numpy(dtype=float))
            names.append(covariate)
    if not columns:
        return CovariateDesign(np.empty((len(df), 0)), [])
    matrix = np.column_stack(columns)
    # A level or column that never varies (e.g. inside a subgroup) carries no information and
    # would make the model matrices singular, so it is left out.
    varying = np.ptp(matrix, axis=0) > 0
    return CovariateDesign(matrix[:, varying], [name for name, keep in zip(names, varying) if keep])


def with_intercept(matrix: np.ndarray) -> np.ndarray:
    """Prepend a column of ones."""
    return np.column_stack([np.ones(len(matrix)), matrix])
