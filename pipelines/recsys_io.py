"""Read rating files (MovieLens u.data or CSV) into the interactions contract for recsys jobs."""

from __future__ import annotations

import pandas as pd

from analytics.recsys.matrix import ITEM_COL, RATING_COL, TIME_COL, USER_COL

FORMATS = ("movielens", "csv")
# Accepted CSV header spellings → contract column.
CSV_ALIASES = {
    USER_COL: (USER_COL, "user_id", "userId", "user"),
    ITEM_COL: (ITEM_COL, "item_id", "movieId", "movie_id", "item"),
    RATING_COL: (RATING_COL,),
    TIME_COL: (TIME_COL, "timestamp", "time"),
}


def _to_timestamp(values: pd.Series) -> pd.Series:
    """Unix seconds or date strings → naive UTC timestamps."""
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_datetime(values, unit="s")
    return pd.to_datetime(values, utc=True).dt.tz_localize(None)


def _rename_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Map known header spellings onto the contract names; fail on a missing column."""
    renames = {}
    for target, aliases in CSV_ALIASES.items():
        found = next((a for a in aliases if a in frame.columns), None)
        if found is None and target != RATING_COL:
            raise ValueError(f"ratings CSV has no {target} column (accepted: {', '.join(aliases)})")
        if found is not None:
            renames[found] = target
    return frame.rename(columns=renames)[list(renames.values())]


def read_ratings(path_or_buffer, fmt: str = "movielens") -> pd.DataFrame:
    """Ratings as [student_id, material_id, rating, ts] (ids as strings, ts as timestamps)."""
    if fmt == "movielens":
        frame = pd.read_csv(path_or_buffer, sep="\t", header=None,
                            names=[USER_COL, ITEM_COL, RATING_COL, TIME_COL])
    elif fmt == "csv":
        frame = _rename_csv(pd.read_csv(path_or_buffer))
    else:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if frame.empty:
        raise ValueError("ratings file has no rows")
    frame[USER_COL] = frame[USER_COL].astype("str")
    frame[ITEM_COL] = frame[ITEM_COL].astype("str")
    if RATING_COL in frame.columns:
        frame[RATING_COL] = pd.to_numeric(frame[RATING_COL], errors="raise").astype("float64")
    frame[TIME_COL] = _to_timestamp(frame[TIME_COL])
    return frame.reset_index(drop=True)
