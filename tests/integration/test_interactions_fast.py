"""The fast path of ingest-interactions stores the same rows and the same quarantine as the exact path."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.ingest_interactions import ingest_interactions
from tests.helpers.files import rows
from warehouse.publish import write_transaction

HEADER = "student_id,material_id,ts,rating,duration_s,score\n"
CLEAN = ("ST1,M1,2026-01-01T10:00:00+09:00,4,30,0.5\n"
         "ST2,M2,2026-01-02,,,\n"
         "ST1,M2,2026-01-03 08:00:00,0,1.5,-1\n")
ROWS = ("SELECT student_id, material_id, rating, completed, ts, score, duration_s, source FROM core.interactions "
        "ORDER BY ALL")
QUARANTINE = "SELECT line_no, column_name, value, reason, raw_line FROM quarantine.rows ORDER BY ALL"
MATERIALS = "SELECT material_id, title, source FROM core.materials ORDER BY ALL"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A warehouse whose roster is ST1..ST3."""
    db = tmp_path_factory.mktemp("fast") / "base.duckdb"
    with write_transaction(db, fresh=True) as con:
        con.execute("""INSERT INTO core.students (student_id, gender, race_ethnicity, parental_education, lunch,
                                                  test_prep, math_score, reading_score, writing_score, source, load_id)
                       SELECT 'ST' || i, 'female', 'group A', 'high school', 'standard', 'none', 50, 50, 50,
                              'roster.csv', 'students-test' FROM range(1, 4) r(i)""")
    return db


def both(base: Path, tmp_path: Path, text: str, *, runs: int = 1) -> tuple[list[dict], list[dict]]:
    """Load the file `runs` times on the default (fast-first) path and on the exact path; summaries of each."""
    file = tmp_path / "activity.csv"
    file.write_bytes(text.encode())
    summaries = []
    for fast in (True, False):
        db = tmp_path / f"{'fast' if fast else 'exact'}.duckdb"
        shutil.copyfile(base, db)
        summaries.append([ingest_interactions(db, file, fast=fast).as_json() for _ in range(runs)])
    fast_db, exact_db = tmp_path / "fast.duckdb", tmp_path / "exact.duckdb"
    for sql in (ROWS, QUARANTINE, MATERIALS):
        assert rows(fast_db, sql) == rows(exact_db, sql), sql
    if all(s["path"] == "exact" for s in summaries[0]):   # after a fallback even the line numbers agree
        numbered = ROWS.replace("source FROM", "source, line_no FROM")
        assert rows(fast_db, numbered) == rows(exact_db, numbered)
    for a, b in zip(*summaries):
        assert {k: v for k, v in a.items() if k != "path"} == {k: v for k, v in b.items() if k != "path"}
    return summaries[0], summaries[1]


def test_clean_file_takes_the_fast_path_without_line_numbers(base, tmp_path):
    fast, exact = both(base, tmp_path, HEADER + CLEAN)
    assert fast[0]["path"] == "fast" and exact[0]["path"] == "exact"
    assert (fast[0]["rows"], fast[0]["loaded"], fast[0]["new_materials"]) == (3, 3, 2)
    assert rows(tmp_path / "fast.duckdb", "SELECT count(*), count(line_no) FROM core.interactions") == [(3, 0)]
    assert rows(tmp_path / "exact.duckdb", "SELECT line_no FROM core.interactions ORDER BY 1") == [(2,), (3,), (4,)]


def test_wrong_field_counts_are_quarantined_on_the_fast_path_with_their_lines(base, tmp_path):
    fast, _ = both(base, tmp_path, HEADER + CLEAN + "ST3,M1\nST3,M1,2026-02-01,1,1,1,extra\nST3,M3,2026-02-02,1,1,1\n")
    assert fast[0]["path"] == "fast"
    assert (fast[0]["rows"], fast[0]["loaded"], fast[0]["reasons"]) == (6, 4, {"wrong_field_count": 2})
    assert [r[:2] for r in rows(tmp_path / "fast.duckdb", QUARANTINE)] == [(5, "*"), (6, "*")]


@pytest.mark.parametrize("extra, reason", [
    ("ST2,M1,yesterday,1,1,1\n", "not_a_timestamp"),
    ("ST2,M1,2026-03-01,x,1,1\n", "not_a_number"),
    ("ST2,M1,2026-03-01,-2,1,1\n", "out_of_range"),
    ("NOBODY,M1,2026-03-01,1,1,1\n", "unknown_student_id"),
    ("ST1,M1,2026-01-01T01:00:00Z,5,1,1\n", "duplicate_row"),
    ("NA,M1,2026-03-01,1,1,1\n", "missing_value"),
    ("ST2,n/a,2026-03-01,1,1,1\n", "missing_value"),
])
def test_a_problem_row_sends_the_file_to_the_exact_path(base, tmp_path, extra, reason):
    # A repeat is found only after the fast load's commit: its private copy is then discarded.
    fast, _ = both(base, tmp_path, HEADER + CLEAN + extra)
    assert fast[0]["path"] == "exact" and fast[0]["reasons"] == {reason: 1}
    assert fast[0]["rows"] == fast[0]["loaded"] + fast[0]["quarantined"] == 4
    assert rows(tmp_path / "fast.duckdb", "SELECT max(line_no) FROM quarantine.rows") == [(5,)]
    assert rows(tmp_path / "fast.duckdb", "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE "
                                          "'interactions\\_0%' ESCAPE '\\'") == [(0,)]


def test_student_ids_are_stored_as_codes_with_a_map_of_the_loads_students(base, tmp_path):
    fast, _ = both(base, tmp_path, HEADER + "ST3,M1,2026-01-01,1,1,1\nST1,M1,2026-01-01,1,1,1\nST3,M2,2026-01-02,,,\n")
    db = tmp_path / "fast.duckdb"
    assert fast[0]["path"] == "fast" and fast[0]["loaded"] == 3
    assert rows(db, """SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'core'
                       AND column_name LIKE 'student%' AND table_name LIKE 'interactions%' ORDER BY ALL""") == [
        ("interactions", "student_id", "VARCHAR"), ("interactions_000001", "student_code", "UINTEGER"),
        ("interactions_000001_students", "student_id", "VARCHAR")]
    # The map starts as the roster (ST1..ST3) and keeps only the load's students.
    assert rows(db, "SELECT student_id FROM core.interactions_000001_students ORDER BY 1") == [("ST1",), ("ST3",)]
    assert rows(db, "SELECT student_id, count(*) FROM core.interactions WHERE student_id = 'ST3' GROUP BY 1") == [
        ("ST3", 2)]


def test_a_roster_id_spelled_like_na_is_missing_on_the_fast_path_too(base, tmp_path):
    db = tmp_path / "na_roster.duckdb"
    shutil.copyfile(base, db)
    with write_transaction(db) as con:   # a roster id "NA": the exact path reads it in activity as missing
        con.execute("""INSERT INTO core.students (student_id, gender, race_ethnicity, parental_education, lunch,
                                                  test_prep, math_score, reading_score, writing_score, source, load_id)
                       VALUES ('NA', 'male', 'group B', 'high school', 'standard', 'none', 60, 60, 60,
                               'roster.csv', 'students-test')""")
    fast, _ = both(db, tmp_path, HEADER + CLEAN + "NA,M1,2026-03-01,1,1,1\n")
    assert fast[0]["path"] == "exact" and fast[0]["reasons"] == {"missing_value": 1}


@pytest.mark.parametrize("text", [
    HEADER + "ST1,M1,2026-01-01,1,1,1\n\nST2,M1,2026-01-01,1,1,1\n",              # a blank line
    HEADER + 'ST1,"M\n1",2026-01-01,1,1,1\nST2,M1,2026-01-01,1,1,1\n',             # a record on two lines
])
def test_lines_that_are_not_records_stay_on_the_fast_path_without_rejects(base, tmp_path, text):
    # Every record read is stored or fails the load, so only rejected records' line numbers depend on the lines.
    fast, exact = both(base, tmp_path, text)
    assert fast[0]["path"] == "fast" and fast[0]["loaded"] == exact[0]["loaded"] == 2


@pytest.mark.parametrize("text", [
    HEADER + "ST1,M1,2026-01-01,1,1,1\n\nST2,M1\n",                                 # a blank line, then a reject
    HEADER + 'ST1,"M\n1",2026-01-01,1,1,1\nST2,M1\n',                               # a two-line record, a reject
    HEADER + "ST1,M1,1775037600,1,1,1\n",                                           # Unix seconds
    HEADER + " ST1 ,M1,2026-01-01,nan,1,1\n",                                       # padding, an NA spelling
    HEADER + "ST1, M1,2026-01-01,1,1,1\n",                                         # a padded material id
    HEADER + "ST1,M1,infinity,1,1,1\n",                                             # an infinite ts
    HEADER + "ST1,M1,01/02/2026 10:00:00,1,1,1\nST2,M1,03/04/2026 10:00:00,1,1,1\n",  # a format the checks refuse
])
def test_what_the_fast_path_cannot_prove_takes_the_exact_path(base, tmp_path, text):
    fast, _ = both(base, tmp_path, text)
    assert fast[0]["path"] == "exact"


def test_rerun_adds_nothing_on_either_path(base, tmp_path):
    fast, exact = both(base, tmp_path, HEADER + CLEAN, runs=2)
    assert [s["loaded"] for s in fast] == [s["loaded"] for s in exact] == [3, 0]
    assert fast[1]["already_loaded"] == 3
    assert rows(tmp_path / "fast.duckdb", "SELECT count(*) FROM core.interactions") == [(3,)]


def test_a_new_file_next_to_loaded_rows_takes_the_fast_path(base, tmp_path):
    first = tmp_path / "first.csv"
    first.write_text(HEADER + CLEAN)
    db = tmp_path / "w.duckdb"
    shutil.copyfile(base, db)
    ingest_interactions(db, first)
    second = tmp_path / "second.csv"
    crlf_rows = "ST3,M1,2026-04-01,1,1,1\r\nST2,M9,2026-04-02,2,3,0.1\r\n"
    second.write_bytes((HEADER.replace("\n", "\r\n") + crlf_rows).encode())
    s = ingest_interactions(db, second).as_json()
    assert (s["path"], s["loaded"], s["new_materials"]) == ("fast", 2, 1)
    assert rows(db, "SELECT count(*) FROM core.interactions") == [(5,)]


def test_each_fast_load_is_a_table_of_the_files_columns_seen_through_the_view(base, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(base, db)
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("student_id,material_id,ts\nST1,M1,2026-05-01\nST2,M1,2026-05-02\n")
    wide = tmp_path / "wide.csv"
    wide.write_text(HEADER + CLEAN)
    loads = [ingest_interactions(db, f) for f in (narrow, wide)]
    assert [s.extra["path"] for s in loads] == ["fast", "fast"]
    # Only the file's columns are stored per row; the rest is in core.interaction_loads, once per load.
    assert rows(db, """SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
                       WHERE schema_name = 'core' AND table_name LIKE 'interactions\\_0%' ESCAPE '\\'
                       GROUP BY 1 ORDER BY 1""") == [
        ("interactions_000001", ["student_code", "material_id", "ts"]),
        ("interactions_000001_students", ["code", "student_id"]),
        ("interactions_000002", ["student_code", "material_id", "ts", "rating", "duration_s", "score"]),
        ("interactions_000002_students", ["code", "student_id"])]
    assert rows(db, "SELECT load_no, load_id, source FROM core.interaction_loads ORDER BY 1") == [
        (1, loads[0].load_id, "narrow.csv"), (2, loads[1].load_id, "wide.csv")]
    assert rows(db, """SELECT source, load_id, count(*), bool_and(completed), count(line_no), count(rating)
                       FROM core.interactions GROUP BY ALL ORDER BY 1""") == [
        ("narrow.csv", loads[0].load_id, 2, True, 0, 0), ("wide.csv", loads[1].load_id, 3, True, 0, 2)]
    assert ingest_interactions(db, narrow).as_json()["loaded"] == 0                 # re-run: exact path, adds 0
    assert rows(db, "SELECT count(*) FROM core.interaction_loads") == [(2,)]


def test_a_load_table_written_before_student_codes_still_reads_through_the_view(base, tmp_path):
    from datetime import datetime, timezone

    from warehouse.interaction_store import register_load

    db = tmp_path / "w.duckdb"
    shutil.copyfile(base, db)
    with write_transaction(db) as con:   # the layout of fast loads before student codes: student_id as text
        con.execute("CREATE TABLE core.interactions_000001 (student_id VARCHAR NOT NULL, material_id VARCHAR NOT NULL, "
                    "ts TIMESTAMP NOT NULL)")
        con.execute("INSERT INTO core.interactions_000001 VALUES ('ST2', 'M1', TIMESTAMP '2026-01-05 10:00:00')")
        register_load(con, 1, "interactions-old", "old.csv", datetime(2026, 1, 5, tzinfo=timezone.utc))
    new = tmp_path / "new.csv"
    new.write_text(HEADER + CLEAN)
    assert ingest_interactions(db, new).as_json()["path"] == "fast"
    assert rows(db, "SELECT source, student_id, count(*) FROM core.interactions GROUP BY ALL ORDER BY ALL") == [
        ("new.csv", "ST1", 2), ("new.csv", "ST2", 1), ("old.csv", "ST2", 1)]
