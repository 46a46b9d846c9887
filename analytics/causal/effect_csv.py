"""Parse an uploaded CSV for effect analysis, cell by cell, remembering where each bad cell was.

Real files carry R's `Inf`, Stata's `.`, empty cells, 1e300, repeated headers and European Excel's
`;`-separated decimal commas. Each is found here with its column and the first line it is on;
whether it stops an analysis is decided later, for the columns the analysis actually uses
(`cell_errors`), so a stray `.` in an unused column does not block anyone.
Column names are kept exactly as written (only a BOM, surrounding spaces and quotes are removed).
"""
from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import pandas as pd

# Stata writes "." (and ".a" to ".z") for missing; these texts mean "no value" in R, Excel and pandas.
STATA_MISSING = re.compile(r"^\.[a-z]?$")
NA_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null"})
INFINITY_TOKENS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
# Beyond this size squares and sums overflow or swamp every other value (1e300 in a covariate).
MAX_ABS_VALUE = 1e100
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
PROBLEMS_ATTR = "cell_problems"
SNIFF_LINES = 20
# Order in which a column's problems are reported (the most specific first).
PROBLEM_CODES = ("nonfinite_value", "overflow_value", "stata_missing", "empty_cells")


class CsvShapeError(ValueError):
    """The file's shape is wrong (headers, row lengths): a code and its message parameters."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def header_name(raw: str) -> str:
    """A header cell as the user wrote it, minus BOM, surrounding spaces and quotes."""
    return raw.replace("\ufeff", "").strip().strip('"').strip()


def sniff_delimiter(text: str) -> str:
    """`;`, tab or `,`: the one splitting the first lines into the same number (> 1) of fields, most fields
    first (a header such as `Race/Ethnicity, age` in a `;` file must not make it a comma file)."""
    head = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_fields = ",", 1
    for delimiter in (";", "\t", ","):
        try:
            counts = {len(record) for record in csv.reader(head, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    return best


def _records(text: str, delimiter: str) -> tuple[list[str], list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True, strict=True)
    header, rows, lines = None, [], []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue   # blank line
            if header is None:
                header = [header_name(cell) for cell in record]
                continue
            if len(record) != len(header):
                raise CsvShapeError("ragged_row", line=reader.line_num, n_fields=len(record), n_columns=len(header))
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CsvShapeError("unparseable_csv", detail=f"line {reader.line_num}: {exc}") from exc
    return header or [], rows, lines


def _check_header(header: list[str]) -> None:
    for position, name in enumerate(header, start=1):
        if not name:
            raise CsvShapeError("empty_header", position=position)
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            raise CsvShapeError("duplicate_header", column=name, first=seen[name], second=position)
        seen[name] = position


def detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    """`,` when a `;`/tab-separated file writes its numbers like 3,5 (European Excel), else `.`."""
    if delimiter == ",":
        return "."
    sample = [cell.strip() for row in rows[:200] for cell in row]
    return "," if any(DECIMAL_COMMA.match(cell) for cell in sample) else "."


def _column(cells: list[str], lines: np.ndarray, decimal: str) -> tuple[pd.Series, list[dict]]:
    """A column as numbers (bad cells blanked, problems noted) when every real value is a number, else text."""
    stripped = pd.Series(cells, dtype="string").str.strip()
    lowered = stripped.str.lower()
    stata = lowered.str.match(STATA_MISSING.pattern).to_numpy(dtype=bool)
    empty = lowered.isin(NA_TOKENS).to_numpy(dtype=bool)
    present = ~(stata | empty)
    text = stripped.str.replace(",", ".", regex=False) if decimal == "," else stripped
    numbers = pd.to_numeric(text.where(pd.Series(present)), errors="coerce").to_numpy(dtype=float)
    is_number = not (present.any() and np.isnan(numbers[present]).any())
    infinite_text = lowered.isin(INFINITY_TOKENS).to_numpy(dtype=bool) & is_number
    flags = {"nonfinite_value": infinite_text,
             "overflow_value": present & ~infinite_text & is_number
             & ~(np.abs(np.nan_to_num(numbers, nan=0.0)) <= MAX_ABS_VALUE),
             "stata_missing": stata, "empty_cells": empty}
    problems = []
    for code in PROBLEM_CODES:
        where = flags[code]
        if where.any():
            first = int(np.argmax(where))
            problems.append({"code": code, "count": int(where.sum()), "line": int(lines[first]),
                             "value": str(cells[first]).strip()})
    if not is_number:
        # Text (or numbers with stray text, which the input checks name): keep the text, blanks as missing.
        values = np.where(present, stripped.to_numpy(dtype=object, na_value=None), None)
        return pd.Series(values, dtype=object), problems
    bad = infinite_text | flags["overflow_value"]
    numbers[bad] = math.nan
    series = pd.Series(numbers)
    finite = series.dropna()
    if len(finite) and (finite == finite.round()).all() and not series.isna().any():
        series = series.astype(np.int64)
    return series, problems


def parse_csv_text(text: str, *, decimal: str | None = None) -> pd.DataFrame:
    """The text as a DataFrame (names as written, numbers parsed), bad cells in attrs['cell_problems']."""
    delimiter = sniff_delimiter(text.lstrip())
    header, rows, lines = _records(text, delimiter)
    _check_header(header)
    decimal = decimal or detect_decimal(rows, delimiter)
    line_numbers = np.asarray(lines, dtype=np.int64)
    columns, problems = {}, {}
    for position, name in enumerate(header):
        series, found = _column([row[position] for row in rows], line_numbers, decimal)
        columns[name] = series
        if found:
            problems[name] = found
    frame = pd.DataFrame(columns)
    frame.attrs[PROBLEMS_ATTR] = problems
    frame.attrs["decimal"] = decimal
    return frame


def _value_errors(series: pd.Series, column: str) -> list[dict]:
    """Infinite or huge numbers that arrived without a file (JSON rows): named with their row number."""
    if not pd.api.types.is_float_dtype(series):
        return []
    values = series.to_numpy(dtype=float)
    for code, where in (("nonfinite_rows", np.isinf(values)), ("overflow_rows", np.abs(values) > MAX_ABS_VALUE)):
        if where.any():
            return [{"code": code, "column": column,
                     "message_params": {"count": int(where.sum()), "row": int(np.argmax(where)) + 1}}]
    return []


def cell_errors(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """One error per used column with bad cells: the most specific problem, its count and first line (or row)."""
    problems = frame.attrs.get(PROBLEMS_ATTR) or {}
    errors = []
    for column in dict.fromkeys(columns):
        found = problems.get(column, [])[:1]
        errors += ([{"code": p["code"], "column": column, "message_params": {k: v for k, v in p.items() if k != "code"}}
                    for p in found] or _value_errors(frame[column], column))
    return errors
