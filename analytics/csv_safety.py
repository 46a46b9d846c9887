"""CSV formula-injection guard (OWASP): a cell a spreadsheet would run as a formula is made inert."""
from __future__ import annotations

from typing import Any

import pandas as pd

# OWASP "CSV Injection": a cell starting with one of these is evaluated by Excel/LibreOffice/Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would read as a formula with a single quote; keep others."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell (and column name) passed through `neutralise_cell`.

    Numbers stay numbers: a negative score is data, not a formula, and is written unquoted.
    """
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out
