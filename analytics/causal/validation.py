"""Checks on user-supplied effect inputs: machine-readable error codes, no English sentences."""

from __future__ import annotations

import pandas as pd

from analytics.causal.design import is_categorical

MAX_CATEGORY_LEVELS = 20
SHOWN_VALUES = 5


class EffectInputError(ValueError):
    """Raised when effect inputs fail validation; `.errors` holds the error dicts."""

    def __init__(self, errors: list[dict]):
        super().__init__(", ".join(sorted({error["code"] for error in errors})))
        self.errors = errors


def _error(code: str, column: str | None = None, **params) -> dict:
    return {"code": code, "column": column, "message_params": params}


def _is_binary(series: pd.Series) -> bool:
    values = series.dropna()
    if pd.api.types.is_bool_dtype(values):
        return True
    return pd.api.types.is_numeric_dtype(values) and set(values.unique()) <= {0, 1}


def _treatment_errors(series: pd.Series, column: str, min_group: int) -> list[dict]:
    if not _is_binary(series):
        shown = [str(value) for value in series.dropna().unique()[:SHOWN_VALUES]]
        return [_error("non_binary_treatment", column, values=shown)]
    n_treated = int((series.dropna() == 1).sum())
    n_control = int(series.notna().sum()) - n_treated
    errors = []
    if n_treated < min_group:
        errors.append(_error("too_few_treated", column, count=n_treated, minimum=min_group))
    if n_control < min_group:
        errors.append(_error("too_few_controls", column, count=n_control, minimum=min_group))
    return errors


def _covariate_errors(series: pd.Series, column: str, max_levels: int) -> list[dict]:
    n_levels = int(series.nunique(dropna=True))
    if n_levels <= 1:
        return [_error("constant_covariate", column, n_levels=n_levels)]
    if is_categorical(series) and n_levels > max_levels:
        return [_error("high_cardinality_covariate", column, n_levels=n_levels, max_levels=max_levels)]
    return []


def _within_errors(df: pd.DataFrame, treatment: str, column: str) -> list[dict]:
    """Fixed effects need at least one level holding both treated and control units."""
    arms = df.groupby(df[column].astype(str), sort=False)[treatment].agg(["min", "max"])
    if not (arms["min"] < arms["max"]).any():
        return [_error("no_within_variation", column, n_levels=len(arms))]
    return []


def validate_effect_input(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                          min_group: int = 10, max_levels: int = MAX_CATEGORY_LEVELS, cluster: str | None = None,
                          fixed_effects: str | None = None) -> list[dict]:
    """All problems that would stop an effect estimate, as {code, column, message_params} dicts.

    `cluster` and `fixed_effects` name id columns (any number of levels: schools, classes)."""
    groupings = [c for c in (cluster, fixed_effects) if c is not None]
    errors = [_error("missing_column", column)
              for column in dict.fromkeys([treatment, outcome, *covariates, *groupings]) if column not in df.columns]
    errors += [_error("role_conflict", column) for column in covariates if column in (treatment, outcome)]
    errors += [_error("role_conflict", column) for column in groupings if column in (treatment, outcome)]
    if fixed_effects is not None and fixed_effects in covariates:
        errors.append(_error("role_conflict", fixed_effects))
    if treatment == outcome:
        errors.append(_error("role_conflict", outcome))
    present = [column for column in dict.fromkeys([treatment, outcome, *covariates, *groupings])
               if column in df.columns]
    for column in present:
        n_missing = int(df[column].isna().sum())
        if n_missing:
            errors.append(_error("missing_values", column, n_rows=n_missing, n_total=len(df)))
    if treatment in df.columns:
        errors += _treatment_errors(df[treatment], treatment, min_group)
        if fixed_effects in df.columns and not errors and fixed_effects not in (treatment, outcome):
            errors += _within_errors(df, treatment, fixed_effects)
    if outcome in df.columns and is_categorical(df[outcome]):
        errors.append(_error("non_numeric_outcome", outcome))
    elif outcome in df.columns and df[outcome].nunique(dropna=True) < 2:
        errors.append(_error("constant_outcome", outcome))   # no variation: every effect is 0 / 0
    for column in covariates:
        if column in df.columns and column not in (treatment, outcome):
            errors += _covariate_errors(df[column], column, max_levels)
    return errors
