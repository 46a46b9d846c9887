"""Read rating files (MovieLens u.data or CSV) into the interactions contract for recsys jobs.

A file that does not fit raises RatingsFormatError naming the line (as counted in the file,
header included) and the column, e.g. "line 7, column 3 (rating): 'x' is not a number"; rows with
a missing field are never read as NaN/NaT silently. Blank lines are skipped.
"""

from __future__ import annotations

import re

import numpy as np
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
MOVIELENS_COLUMNS = {USER_COL: "1 (user id)", ITEM_COL: "2 (item id)", RATING_COL: "3 (rating)",
                     TIME_COL: "4 (timestamp)"}
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class RatingsFormatError(ValueError):
    """A ratings file that does not fit the format; `line` and `column` say where (None if the whole file)."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line, self.column = line, column


def _rename_csv(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Map known header spellings onto the contract names; fail on a missing column."""
    renames = {}
    for target, aliases in CSV_ALIASES.items():
        found = next((a for a in aliases if a in frame.columns), None)
        if found is None and target != RATING_COL:
            raise RatingsFormatError(f"ratings CSV has no {target} column (accepted: {', '.join(aliases)})", line=1)
        if found is not None:
            renames[found] = target
    return frame.rename(columns=renames)[list(renames.values())], {v: k for k, v in renames.items()}


def _read_text_columns(path_or_buffer, fmt: str) -> tuple[pd.DataFrame, dict[str, str], int]:
    """Every field as text (missing fields as ''), the column labels for messages, and the header lines."""
    options = {"dtype": str, "keep_default_na": False, "skip_blank_lines": False}
    try:
        if fmt == "movielens":
            frame = pd.read_csv(path_or_buffer, sep="\t", header=None, names=list(MOVIELENS_COLUMNS), **options)
            return frame, dict(MOVIELENS_COLUMNS), 0
        frame, labels = _rename_csv(pd.read_csv(path_or_buffer, **options))
        return frame, labels, 1
    except pd.errors.ParserError as exc:
        found = _FIELD_COUNT.search(str(exc))
        if found is None:
            raise RatingsFormatError(f"not a readable {fmt} file ({str(exc).splitlines()[0][:120]})") from exc
        expected, line, saw = (int(g) for g in found.groups())
        raise RatingsFormatError(f"line {line}: expected {expected} fields, saw {saw}", line=line) from exc
    except pd.errors.EmptyDataError as exc:
        raise RatingsFormatError("ratings file has no rows") from exc
    except UnicodeDecodeError as exc:
        raise RatingsFormatError(f"not UTF-8 text (byte {exc.start})") from exc


def _fail(frame: pd.DataFrame, bad: np.ndarray, column: str, labels: dict, problem: str) -> None:
    """Raise for the first row flagged in `bad`, naming its file line and column."""
    first = int(np.flatnonzero(bad)[0])
    line = int(frame.index[first])
    value = frame[column].iloc[first]
    detail = "missing value" if value.strip() == "" else f"{value[:40]!r} {problem}"
    raise RatingsFormatError(f"line {line}, column {labels[column]}: {detail}", line=line, column=labels[column])


def _timestamps(frame: pd.DataFrame, labels: dict) -> pd.Series:
    """Unix seconds or date strings → naive UTC timestamps (the first bad value raises)."""
    text = frame[TIME_COL]
    missing = (text.str.strip() == "").to_numpy()
    if missing.any():
        _fail(frame, missing, TIME_COL, labels, "")
    seconds = pd.to_numeric(text, errors="coerce")
    if pd.notna(seconds.iloc[0]):   # the first row decides the kind: unix seconds or dates
        if seconds.isna().any():
            _fail(frame, seconds.isna().to_numpy(), TIME_COL, labels, "is not unix seconds like the first row")
        return pd.to_datetime(seconds, unit="s")
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    if parsed.isna().any():   # other spellings one by one (slow, so only for the rows ISO 8601 missed)
        parsed[parsed.isna()] = pd.to_datetime(text[parsed.isna()], utc=True, errors="coerce", format="mixed")
    if parsed.isna().any():
        _fail(frame, parsed.isna().to_numpy(), TIME_COL, labels, "is neither unix seconds nor a date")
    return parsed.dt.tz_localize(None)


def read_ratings(path_or_buffer, fmt: str = "movielens") -> pd.DataFrame:
    """Ratings as [student_id, material_id, rating, ts] (ids as strings, ts as timestamps)."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    frame, labels, header_lines = _read_text_columns(path_or_buffer, fmt)
    frame.index = np.arange(len(frame)) + 1 + header_lines   # the line each row came from
    frame = frame[(frame != "").any(axis=1)]                   # blank lines
    if frame.empty:
        raise RatingsFormatError("ratings file has no rows")
    for column in (USER_COL, ITEM_COL):
        empty = (frame[column].str.strip() == "").to_numpy()
        if empty.any():
            _fail(frame, empty, column, labels, "")
    if RATING_COL in frame.columns:
        ratings = pd.to_numeric(frame[RATING_COL], errors="coerce").astype("float64")
        bad = ~np.isfinite(ratings.to_numpy())
        if bad.any():
            _fail(frame, bad, RATING_COL, labels, "is not a number")
        frame[RATING_COL] = ratings
    frame[TIME_COL] = _timestamps(frame, labels)
    frame[USER_COL] = frame[USER_COL].astype("str")
    frame[ITEM_COL] = frame[ITEM_COL].astype("str")
    return frame.reset_index(drop=True)
