"""Feature schema of the score models and validation of one student record.

FEATURE_SCHEMA is the single source of truth for feature names, kinds and allowed values: the
encoder, the API (422 errors, OpenAPI), the dashboard forms and batch scoring all import it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Real
from typing import Any

from ..student_schema import CATEGORIES, SCORE_MAX, SCORE_MIN, normalise_category

TARGET = "math_score"


@dataclass(frozen=True)
class FeatureSpec:
    """One model input: its column name, kind and allowed values (categorical) or range (numeric)."""

    name: str
    kind: str  # 'categorical' | 'numeric'
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (allowed values as a list)."""
        spec = asdict(self)
        spec["allowed"] = list(self.allowed) if self.allowed is not None else None
        return spec


# Allowed categories come from the warehouse data contract (analytics.student_schema), so CSV
# ingest, the API and the models accept exactly the same values.
FEATURE_SCHEMA: tuple[FeatureSpec, ...] = (
    *(FeatureSpec(name, "categorical", allowed) for name, allowed in CATEGORIES.items()),
    FeatureSpec("reading_score", "numeric", minimum=SCORE_MIN, maximum=SCORE_MAX),
    FeatureSpec("writing_score", "numeric", minimum=SCORE_MIN, maximum=SCORE_MAX),
)

FEATURES: tuple[str, ...] = tuple(spec.name for spec in FEATURE_SCHEMA)
CATEGORICAL_FEATURES: tuple[str, ...] = tuple(
    spec.name for spec in FEATURE_SCHEMA if spec.kind == "categorical"
)
NUMERIC_FEATURES: tuple[str, ...] = tuple(
    spec.name for spec in FEATURE_SCHEMA if spec.kind == "numeric"
)
SPEC_BY_NAME: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURE_SCHEMA}

# Error codes of validate_student_record (stable: the API and UI translate them).
MISSING = "missing"
INVALID_CATEGORY = "invalid_category"
INVALID_TYPE = "invalid_type"
NOT_FINITE = "not_finite"
OUT_OF_RANGE = "out_of_range"
UNEXPECTED_FIELD = "unexpected_field"


def feature_schema_dicts() -> list[dict[str, Any]]:
    """Return FEATURE_SCHEMA as JSON-ready dicts (for the API and OpenAPI document)."""
    return [spec.to_dict() for spec in FEATURE_SCHEMA]


def _clean_category(spec: FeatureSpec, raw: Any) -> tuple[str | None, dict | None]:
    # Same folding as CSV ingest: case, blanks and known aliases ('Female ', 'f') are forgiven.
    if not isinstance(raw, str):
        return None, {"field": spec.name, "code": INVALID_TYPE, "allowed": list(spec.allowed)}
    canonical = normalise_category(spec.name, raw)
    if canonical is None:
        return None, {"field": spec.name, "code": INVALID_CATEGORY, "allowed": list(spec.allowed)}
    return canonical, None


def _clean_number(spec: FeatureSpec, raw: Any) -> tuple[float | None, dict | None]:
    # bool is a Real subclass in Python but never a meaningful score.
    if isinstance(raw, bool):
        return None, {"field": spec.name, "code": INVALID_TYPE}
    if isinstance(raw, str):  # form inputs arrive as text
        try:
            raw = float(raw.strip())
        except ValueError:
            return None, {"field": spec.name, "code": INVALID_TYPE}
    if not isinstance(raw, Real):
        return None, {"field": spec.name, "code": INVALID_TYPE}
    try:
        value = float(raw)
    except OverflowError:   # a 400-digit JSON integer: far outside any score range
        value = math.inf if raw > 0 else -math.inf
    if not math.isfinite(value) and isinstance(raw, int):
        return None, {"field": spec.name, "code": OUT_OF_RANGE, "minimum": spec.minimum, "maximum": spec.maximum}
    if not math.isfinite(value):
        return None, {"field": spec.name, "code": NOT_FINITE}
    if not spec.minimum <= value <= spec.maximum:
        return None, {
            "field": spec.name,
            "code": OUT_OF_RANGE,
            "minimum": spec.minimum,
            "maximum": spec.maximum,
        }
    return value, None


def validate_student_record(
    record: dict[str, Any], *, allow_extra: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check one record against FEATURE_SCHEMA; return (clean feature dict, error dicts)."""
    clean: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for spec in FEATURE_SCHEMA:
        raw = record.get(spec.name)
        if raw is None:
            error = {"field": spec.name, "code": MISSING}
            if spec.allowed is not None:
                error["allowed"] = list(spec.allowed)
            errors.append(error)
            continue
        cleaner = _clean_category if spec.kind == "categorical" else _clean_number
        value, error = cleaner(spec, raw)
        if error is None:
            clean[spec.name] = value
        else:
            errors.append(error)
    if not allow_extra:
        errors.extend(
            {"field": name, "code": UNEXPECTED_FIELD}
            for name in record
            if name not in SPEC_BY_NAME
        )
    return clean, errors
