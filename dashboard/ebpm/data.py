"""Data behind the EBPM tab and POST /api/v1/effects: warehouse students or an upload, memoized analyses.

No Dash here. An upload travels in the browser's dcc.Store as base64 Parquet (it is never written
to disk or to the warehouse); analyses are memoized by their inputs (data source + spec) so the
estimates callback and the sensitivity callback that follows it fit the propensity model once.
"""
from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.causal import EffectResult, estimate_effects
from analytics.causal.effect_io import EffectOptions, check_effect_input, note_sampling, run_checks, sample_for_analysis
from warehouse.connection import read_only
from warehouse.effect_queries import get_effect_students_df, get_planted_effect, post_treatment_columns
from warehouse.publish import published_version

WAREHOUSE = "warehouse"
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True)
class EffectSpec:
    """What to estimate: roles of the columns, method options and the subgroup (warehouse only)."""

    treatment: str
    outcome: str
    covariates: tuple[str, ...]
    options: EffectOptions = EffectOptions()
    filters: tuple[tuple[str, str], ...] = ()


def warehouse_source(db_path: str | Path) -> str:
    """Cache key of the current warehouse file: a newly published one (warehouse.publish) gets a new key."""
    path = Path(db_path)
    version = "-".join(map(str, published_version(path))) if path.exists() else "0"
    return f"{WAREHOUSE}:{path}:{version}"


def encode_upload(frame: pd.DataFrame) -> str:
    """An uploaded frame as the text kept in the browser store (base64 Parquet)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return UPLOAD_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")


@functools.lru_cache(maxsize=4)
def load_frame(source: str, filters: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    """The rows of a source (warehouse students, optionally filtered, or an upload)."""
    if source.startswith(UPLOAD_PREFIX):
        return pd.read_parquet(io.BytesIO(base64.b64decode(source[len(UPLOAD_PREFIX):])))
    db_path = source.split(":", 1)[1].rsplit(":", 1)[0]
    with read_only(db_path) as con:
        return sample_for_analysis(get_effect_students_df(con, dict(filters)))


def planted_effect(source: str, treatment: str, outcome: str) -> float | None:
    """The demo generator's true effect for the warehouse students (None for uploads and real data)."""
    if source.startswith(UPLOAD_PREFIX):
        return None
    with read_only(source.split(":", 1)[1].rsplit(":", 1)[0]) as con:
        return get_planted_effect(con, treatment, outcome)


def input_errors(source: str, spec: EffectSpec) -> list[dict]:
    """Validation problems of a spec on its data (empty when it can be estimated)."""
    return check_effect_input(load_frame(source, spec.filters), spec.treatment, spec.outcome, list(spec.covariates))


@functools.lru_cache(maxsize=4)
def effect_result(source: str, spec: EffectSpec) -> EffectResult:
    """All estimators and diagnostics for a validated spec (memoized by source and spec)."""
    frame = load_frame(source, spec.filters)
    return note_sampling(estimate_effects(frame, spec.treatment, spec.outcome, list(spec.covariates),
                                          post_treatment=post_treatment_columns(spec.treatment, spec.outcome),
                                          **spec.options.kwargs()), frame)


def sensitivity(source: str, spec: EffectSpec) -> tuple[list[dict], list[dict]]:
    """Refutation checks and the assumption report of a spec's (memoized) result."""
    return run_checks(load_frame(source, spec.filters), effect_result(source, spec))
