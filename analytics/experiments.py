"""Declared experiments: spec validation and deterministic assignment by a hash of (session, key)."""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KINDS = ("ab", "canary")
ADVICE_SPEC = dict(key="advice-v1", variants=("A", "B"), allocation=(0.5, 0.5), primary_action="follow")


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment declaration; allocation holds shares that sum to 1."""

    key: str
    variants: tuple[str, ...]
    allocation: tuple[float, ...]
    primary_action: str
    kind: str = "ab"
    start_day: date | None = None
    end_day: date | None = None


def parse_spec(key: str, variants: str, allocation: str | None, primary_action: str, *, kind: str = "ab",
               start_day: date | None = None, end_day: date | None = None) -> ExperimentSpec:
    """Validate CLI-style text ('A,B', '50,50') into a spec; ValueError names the bad field and why."""
    if not KEY_PATTERN.match(key or ""):
        raise ValueError("KEY: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter/digit")
    names = tuple(v.strip() for v in (variants or "").split(","))
    if len(names) < 2 or any(not n or len(n) > 64 for n in names) or len(set(names)) != len(names):
        raise ValueError(f"--variants: need at least two distinct non-empty names, got {variants!r}")
    if allocation is None:
        weights = [1.0] * len(names)
    else:
        try:
            weights = [float(a) for a in allocation.split(",")]
        except ValueError as exc:
            raise ValueError(f"--allocation: not a list of numbers: {allocation!r}") from exc
    if len(weights) != len(names):
        raise ValueError(f"--allocation: {len(weights)} weights for {len(names)} variants")
    if any(not math.isfinite(w) or w <= 0 for w in weights):
        raise ValueError("--allocation: every weight must be a positive number")
    if not primary_action or not primary_action.strip():
        raise ValueError("--primary: name the click action that counts as a conversion")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if start_day and end_day and end_day < start_day:
        raise ValueError(f"--end {end_day} is before --start {start_day}")
    total = sum(weights)
    return ExperimentSpec(key, names, tuple(w / total for w in weights), primary_action.strip(), kind,
                          start_day, end_day)


def assignment_point(session_id: str, key: str) -> float:
    """A uniform number in [0, 1) fixed by (session, experiment key): SHA-256, first 8 bytes."""
    digest = hashlib.sha256(f"{key}\x1f{session_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_variant(session_id: str, key: str, variants, allocation) -> str:
    """The variant a session gets in an experiment: the allocation bucket its hash point falls in."""
    point = assignment_point(session_id, key)
    total = float(sum(allocation))
    cumulative = 0.0
    for name, share in zip(variants, allocation):
        cumulative += share / total
        if point < cumulative:
            return name
    return list(variants)[-1]   # rounding left the point just above the last cumulative share
