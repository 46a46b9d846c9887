"""Sticky A/B variant assignment for advice messages, derived from a hash of the session id."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

DEFAULT_VARIANTS = ("A", "B")
_BUCKET_BITS = 64  # 2**64 buckets: rounding of any realistic weights is negligible


def hash_unit_interval(experiment: str, session_id: str) -> float:
    """Map (experiment, session) to a uniform number in [0, 1) via sha256; same input, same number."""
    digest = hashlib.sha256(f"{experiment}:{session_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[: _BUCKET_BITS // 8], "big") / 2**_BUCKET_BITS


def assign_variant(
    session_id: str,
    experiment: str,
    variants: Sequence[str] = DEFAULT_VARIANTS,
    weights: Sequence[float] | None = None,
) -> str:
    """Return the variant for this session: deterministic, and split by `weights` (default equal).

    The experiment name is part of the hash, so a session's arm in one experiment tells
    nothing about its arm in another.
    """
    if not variants:
        raise ValueError("need at least one variant")
    weights = [1.0] * len(variants) if weights is None else [float(w) for w in weights]
    if len(weights) != len(variants) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("weights must be non-negative, not all zero, one per variant")
    total = sum(weights)
    upper_bounds = list(accumulate(w / total for w in weights))
    position = hash_unit_interval(experiment, session_id)
    # min() guards against the last cumulative bound rounding to just below 1.0
    return variants[min(bisect_right(upper_bounds, position), len(variants) - 1)]


# Advice groups: a student's risk level, refined by what they already did (no "enrol in the course" for a
# student who completed it). Each group has its own messages in the Predict tab's string table.
ADVICE_GROUPS = ("low", "medium", "high", "high_prepped")


def advice_group(risk_level: str, record: dict) -> str:
    """The advice group for a risk level and the student's situation (test prep already completed)."""
    if risk_level not in ("low", "medium", "high"):
        raise ValueError(f"unknown risk level {risk_level!r}")
    if risk_level == "high" and record.get("test_prep") == "completed":
        return "high_prepped"
    return risk_level
