"""Table downloads: CSV in UTF-8 with BOM and XLSX, headers in the page language, formula cells neutralised."""
from __future__ import annotations

import base64
import io
import json

import openpyxl
import pandas as pd
import pytest

from dashboard.common.downloads import csv_bytes, download_frame, file_bytes, xlsx_bytes

ROWS = [{"student_id": "S-1", "note": "=1+1", "score": -3.5}, {"student_id": "S-2", "note": "数学", "score": 71.0}]
JA_COLUMNS = [{"id": "student_id", "name": "生徒ID"}, {"id": "score", "name": "得点"}, {"id": "note", "name": "メモ"}]


def test_frame_takes_the_shown_headers_and_order_and_neutralises_formulas():
    frame = download_frame(ROWS, JA_COLUMNS)
    assert list(frame.columns) == ["生徒ID", "得点", "メモ"]
    assert frame["メモ"].tolist() == ["'=1+1", "数学"]
    assert frame["得点"].tolist() == [-3.5, 71.0]   # numbers stay numbers, a negative is data


def test_frame_without_column_names_keeps_the_row_keys():
    assert list(download_frame(ROWS, None).columns) == ["student_id", "note", "score"]
    assert download_frame([], JA_COLUMNS).empty


def test_csv_has_a_bom_and_reads_back_in_japanese():
    data = csv_bytes(download_frame(ROWS, JA_COLUMNS))
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["生徒ID", "得点", "メモ"]
    assert back["メモ"].tolist() == ["'=1+1", "数学"]


def test_xlsx_opens_with_openpyxl_and_holds_no_formula():
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(download_frame(ROWS, JA_COLUMNS)))).active
    cells = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
    assert cells[0] == [("生徒ID", "s"), ("得点", "s"), ("メモ", "s")]
    assert cells[1] == [("S-1", "s"), (-3.5, "n"), ("'=1+1", "s")]
    assert all(kind != "f" for row in cells for _, kind in row)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown download format"):
        file_bytes(download_frame(ROWS, JA_COLUMNS), "pdf")


def _download(fmt: str) -> dict:
    """What the app's download callback sends for a click on one table's CSV or Excel button."""
    from dashboard.app import app

    table = {"table": "t1", "type": "csv-table"}
    button = json.dumps({"table": "t1", "type": f"{fmt}-button"}, separators=(",", ":"))
    body = {"output": '{"table":["MATCH"],"type":"csv-download"}.data',
            "outputs": {"id": {"table": "t1", "type": "csv-download"}, "property": "data"},
            "inputs": [{"id": {"table": "t1", "type": "csv-button"}, "property": "n_clicks",
                        "value": 1 if fmt == "csv" else None},
                       {"id": {"table": "t1", "type": "xlsx-button"}, "property": "n_clicks",
                        "value": 1 if fmt == "xlsx" else None}],
            "changedPropIds": [f"{button}.n_clicks"],
            "state": [{"id": table, "property": "data", "value": ROWS},
                      {"id": table, "property": "columns", "value": JA_COLUMNS},
                      {"id": table, "property": "id", "value": table}]}
    answer = app.server.test_client().post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["response"]['{"table":"t1","type":"csv-download"}']["data"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_app_callback_sends_the_file_the_button_names(fmt):
    sent = _download(fmt)
    assert sent["filename"] == f"t1.{fmt}" and sent["base64"] is True
    content = base64.b64decode(sent["content"])
    if fmt == "csv":
        assert content.startswith("\ufeff生徒ID,得点,メモ".encode())
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet["C2"].value == "'=1+1" and sheet["A1"].value == "生徒ID"
