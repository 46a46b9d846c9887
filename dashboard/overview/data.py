"""The students overview's only warehouse reads."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from warehouse.connection import read_only
from warehouse.queries import SCORE_COLUMNS, get_score_summary_df, get_students_df


def load_overview(db_path: str | Path, filters: dict, group_by: str, subject: str,
                  pass_mark: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The filtered students (group, subject and score columns) and the per-group score summary."""
    with read_only(db_path) as con:
        students = get_students_df(con, filters, (group_by, subject, *SCORE_COLUMNS))
        summary = get_score_summary_df(con, filters, group_by, pass_mark)
    return students, summary
