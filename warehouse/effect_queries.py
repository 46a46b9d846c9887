"""Named read queries of the EBPM tab, the `effect` command and POST /api/v1/effects.

The students come back ready for the causal estimators: the treatment `test_prep` as 0/1
('completed' = 1, 'none' = 0), categoricals as strings, scores as integers. Filters are
allowlisted columns with bound values.
"""
from __future__ import annotations

import pandas as pd

from warehouse.queries import SCORE_COLUMNS

TREATMENT = "test_prep"
# Given to whole schools (core.schools): compare with cluster="school_id"; NULL outside the demo.
SCHOOL_TREATMENT = "tutoring"
CLUSTER_COLUMNS = ("school_id", "class_id")
DEFAULT_OUTCOME = "math_score"
PRE_TREATMENT_COVARIATES = ("gender", "race_ethnicity", "parental_education", "lunch")
# The subgroup filters and forest-plot dimensions (pre-treatment categoricals only).
SUBGROUP_COLUMNS = PRE_TREATMENT_COVARIATES
EFFECT_COLUMNS = (*PRE_TREATMENT_COVARIATES, TREATMENT, *SCORE_COLUMNS)


def post_treatment_columns(treatment: str, outcome: str) -> frozenset[str]:
    """Score columns measured after the test-prep course or tutoring (all three scores come from one exam)."""
    if treatment not in (TREATMENT, SCHOOL_TREATMENT) or outcome not in SCORE_COLUMNS:
        return frozenset()
    return frozenset(column for column in SCORE_COLUMNS if column != outcome)


def get_effect_students_df(con, filters: dict[str, str | None] | None = None) -> pd.DataFrame:
    """Students for effect estimation (treatments test_prep and tutoring as 0/1, school and class ids),
    optionally restricted to one subgroup."""
    clauses, params = [], {}
    for column, value in (filters or {}).items():
        if column not in SUBGROUP_COLUMNS:
            raise ValueError(f"cannot filter effects by {column!r}")
        if value:
            clauses.append(f"s.{column} = ${column}")   # column from the allowlist, value bound
            params[column] = value
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    frame = con.execute(f"""
        SELECT s.gender, s.race_ethnicity, s.parental_education, s.lunch,
               CAST(s.test_prep = 'completed' AS INTEGER) AS test_prep,
               s.math_score, s.reading_score, s.writing_score, s.school_id, s.class_id,
               CAST(sc.tutoring AS INTEGER) AS tutoring
        FROM mart.students_overview AS s LEFT JOIN core.schools AS sc USING (school_id){where}
        ORDER BY s.student_id""", params).df()
    # Categories, not strings: a million students' levels then cost bytes, not objects, per row.
    return frame.astype({c: "category" for c in ("gender", "race_ethnicity", "parental_education", "lunch")})


def get_planted_effect(con, treatment: str, outcome: str) -> float | None:
    """The effect planted by the demo generator, or None when the warehouse holds real students."""
    source = con.execute("SELECT value FROM core.build_info WHERE key = 'source'").fetchone()
    if source is None or source[0] != "demo":
        return None
    row = con.execute("SELECT true_effect FROM core.demo_truth WHERE treatment = ? AND outcome = ?",
                      [treatment, outcome]).fetchone()
    return None if row is None else float(row[0])
