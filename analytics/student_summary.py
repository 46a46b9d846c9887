"""Summary numbers of a set of students (the overview KPIs): pure, DataFrame in, dataclass out."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.student_schema import SCORES


@dataclass(frozen=True)
class StudentKpis:
    """Student count, mean of each score (None without students), share of math scores below the pass mark."""

    n: int
    means: dict[str, float | None]
    below_pass_share: float | None


def student_kpis(students: pd.DataFrame, pass_mark: float) -> StudentKpis:
    """The overview KPIs of `students` (columns math_score, reading_score, writing_score)."""
    n = len(students)
    means = {col: float(students[col].mean()) if n else None for col in SCORES}
    below = float((students["math_score"] < pass_mark).mean()) if n else None
    return StudentKpis(n, means, below)
