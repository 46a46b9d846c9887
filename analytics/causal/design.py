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
    # Sorting the levels makes the dropped reference level predictable ("first" in sort order).
    values = series.astype(str).to_numpy()
    levels = sorted(set(values))
    kept = levels[1:] if drop_first else levels
    columns = [(values == level).astype(float) for level in kept]
    return columns, [f"{series.name}{LEVEL_SEPARATOR}{level}" for level in kept]


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
