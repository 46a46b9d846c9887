"""The shared reader, the xAPI mapping and the provenance states (pure parts of issue 10)."""
from __future__ import annotations

import pytest

from pipelines.errors import PipelineError
from pipelines.ingest_interactions import (
    NA_PATTERN,
    OPTIONAL,
    REQUIRED,
    normalise_column,
)
from pipelines.text_table import read_head, read_table, sniff_delimiter
from pipelines.xapi import duration_seconds, statement_row
from warehouse.provenance import state_of


def test_statement_row_maps_account_name_object_timestamp_and_scaled_score():
    row = statement_row({"actor": {"account": {"name": "S1", "homePage": "x"}, "mbox": "mailto:other"},
                         "object": {"id": "https://lms/m/9"}, "timestamp": "2026-01-02T03:04:05Z",
                         "result": {"score": {"scaled": 0.5, "raw": 5}, "duration": "PT1H2M3S"}})
    assert row == {"student_id": "S1", "material_id": "https://lms/m/9", "ts": "2026-01-02T03:04:05Z",
                   "rating": "", "duration_s": "3723.0", "score": "0.5"}


def test_statement_row_falls_back_to_mbox_and_leaves_missing_fields_blank():
    row = statement_row({"actor": {"mbox": "mailto:kid@school.jp"}, "object": {}})
    assert row["student_id"] == "kid@school.jp"
    assert (row["material_id"], row["ts"], row["score"], row["duration_s"]) == ("", "", "", "")


@pytest.mark.parametrize("text, seconds", [("PT30S", "30.0"), ("PT2M", "120.0"), ("P1DT1S", "86401.0"),
                                           ("PT0.5S", "0.5"), (None, ""), ("soon", "soon")])
def test_duration_seconds(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("header, delimiter", [("a,b;c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("abc", ",")])
def test_sniff_delimiter(header, delimiter):
    assert sniff_delimiter(header) == delimiter


def test_header_aliases_and_missing_column_message(tmp_path):
    good = tmp_path / "a.csv"
    good.write_text("User_ID;Item_ID;Timestamp;extra\nS1;M1;0;x\n", encoding="cp932")
    head = read_head(good, REQUIRED, OPTIONAL, normalise=normalise_column)
    assert head.header == ["student_id", "material_id", "ts", "extra"] and head.delimiter == ";"
    assert head.ignored_columns == ["extra"]
    bad = tmp_path / "b.csv"
    bad.write_text("student_id,material\nS1,M1\n")
    with pytest.raises(PipelineError, match=r"^b.csv: missing required column\(s\): material_id, ts "):
        read_head(bad, REQUIRED, OPTIONAL, normalise=normalise_column)


def test_rows_reject_blank_and_wrong_width_with_their_lines(tmp_path):
    file = tmp_path / "m.csv"
    file.write_bytes("\ufeffmaterial_id,title\nM1,One\n,\nM2\n\"M3\",\"multi\nline\"\nM4,Four\n".encode())
    table = read_table(file, ("material_id", "title"))
    rows = [(r.line_no, r.cells, r.reject and r.reject["reason"]) for r in table.rows()]
    assert rows == [(2, ["M1", "One"], None), (3, ["", ""], "blank_row"),
                    (4, ["M2"], "wrong_field_count (expected 2, got 1)"), (5, ["M3", "multi\nline"], None),
                    (7, ["M4", "Four"], None)]


def test_na_pattern_matches_the_student_rules_na_spellings():
    import re

    pattern = re.compile(NA_PATTERN.removeprefix("(?i)"), re.IGNORECASE)
    assert all(pattern.fullmatch(v) for v in ("", " ", "NA", "n/a", "NULL", "#N/A", "-", "?"))
    assert not any(pattern.fullmatch(v) for v in ("0", "nab", "S1", "2026-01-01"))


@pytest.mark.parametrize("rows, demo, state", [(0, 0, "empty"), (5, 5, "demo"), (5, 0, "real"), (5, 2, "mixed")])
def test_state_of(rows, demo, state):
    assert state_of(rows, demo) == state
