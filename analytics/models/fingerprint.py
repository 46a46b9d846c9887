"""Training-data fingerprint: row count plus sha256 of a canonical, order-free rendering of the data."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

FIELD_SEPARATOR = "\x1f"
ROW_SEPARATOR = "\x1e"
NULL_TOKEN = "\\N"


@dataclass(frozen=True)
class DataFingerprint:
    """Rows, columns hashed and the sha256 hex digest of the canonical data."""

    rows: int
    columns: tuple[str, ...]
    sha256: str

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (columns as a list)."""
        return {**asdict(self), "columns": list(self.columns)}


def _canonical_text(column: pd.Series) -> pd.Series:
    # Numbers go through float64 repr so 72 (INTEGER) and 72.0 (DOUBLE) hash alike.
    missing = column.isna()
    if is_numeric_dtype(column) and not is_bool_dtype(column):
        text = column.astype("float64").map(repr)
    else:
        text = column.astype(object).map(str)
    return text.where(~missing, NULL_TOKEN).astype(object)


def fingerprint_frame(
    df: pd.DataFrame, columns: list[str] | tuple[str, ...] | None = None
) -> DataFingerprint:
    """Fingerprint df (or the given columns): independent of row order, column order and index."""
    names = tuple(sorted(columns if columns is not None else df.columns))
    canonical = pd.DataFrame({name: _canonical_text(df[name]) for name in names})
    canonical = canonical.sort_values(list(names), ignore_index=True) if names else canonical
    digest = hashlib.sha256()
    digest.update(FIELD_SEPARATOR.join(names).encode())
    for row in canonical.itertuples(index=False, name=None):
        digest.update(ROW_SEPARATOR.encode())
        digest.update(FIELD_SEPARATOR.join(row).encode())
    return DataFingerprint(rows=len(df), columns=names, sha256=digest.hexdigest())
