"""The students overview's only warehouse reads: aggregates (KPIs, score bins, per-group summary), cached by
published warehouse version, so the overview costs the same at 1,000 and at 1 M students."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.student_summary import StudentKpis
from dashboard.common.cache import by_published_version
from warehouse.connection import read_only
from warehouse.queries import get_score_bins_df, get_score_kpis, get_score_summary_df

BIN_SIZE = 5   # score points per bar of the distribution


def load_overview(db_path: str | Path, filters: dict, group_by: str, subject: str,
                  pass_mark: float) -> tuple[StudentKpis, pd.DataFrame, pd.DataFrame]:
    """KPIs of the filtered students, students per (level, score bin) and the per-group score summary."""
    def read():
        with read_only(db_path) as con:
            return (StudentKpis(**get_score_kpis(con, filters, pass_mark)),
                    get_score_bins_df(con, filters, group_by, subject, BIN_SIZE),
                    get_score_summary_df(con, filters, group_by, pass_mark))

    key = ("overview", tuple(sorted((k, v) for k, v in filters.items() if v)), group_by, subject, float(pass_mark))
    kpis, bins, summary = by_published_version(db_path, key, read)
    return kpis, bins, summary.copy()   # callers relabel the summary's levels
