"""Table downloads as Japanese Excel opens them: CSV in UTF-8 with a BOM and XLSX, headers in the page
language, every text cell through analytics.csv_safety (a cell a spreadsheet would run is made inert)."""
from __future__ import annotations

import io

import pandas as pd

from analytics.csv_safety import neutralise_frame

FORMATS = ("csv", "xlsx")
SHEET_NAME = "EduLoop"


def download_frame(rows: list[dict] | None, columns: list[dict] | None) -> pd.DataFrame:
    """The table's rows in its column order, headed by the column names the page shows, neutralised."""
    columns = columns or []
    frame = pd.DataFrame(rows or [])
    ids = [c["id"] for c in columns if c["id"] in frame.columns] or list(frame.columns)
    names = {c["id"]: str(c.get("name", c["id"])) for c in columns}
    return neutralise_frame(frame.reindex(columns=ids).rename(columns=names))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel (ja) shows Japanese text instead of mojibake."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """One worksheet; every cell a value (neutralised text stays text, never a formula)."""
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=SHEET_NAME, engine="openpyxl")
    return buffer.getvalue()


def file_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The frame as a CSV or XLSX file."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown download format {fmt!r}; expected one of {FORMATS}")
    return csv_bytes(frame) if fmt == "csv" else xlsx_bytes(frame)
