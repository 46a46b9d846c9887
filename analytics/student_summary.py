"""Summary numbers of a set of students (the overview KPIs), as the warehouse computes them
(warehouse.queries.get_score_kpis)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StudentKpis:
    """Student count, mean of each score (None without students), share of math scores below the pass mark."""

    n: int
    means: dict[str, float | None]
    below_pass_share: float | None
