"""Issue 10: a real build holds no generated activity, loaded activity is exact and idempotent, and
recsys on loaded interactions gives the same metrics as recsys-eval on the file."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import rows as query
from warehouse.provenance import data_provenance

KAGGLE_HEADER = ("student_id,gender,race/ethnicity,parental level of education,lunch,test preparation course,"
                 "math score,reading score,writing score")
N_STUDENTS = 60
N_MATERIALS = 40


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "pipelines", *args], cwd=ROOT, env=run_env(data_dir),
                          capture_output=True, text=True, timeout=600)


def cli_json(data_dir: Path, *args: str) -> dict:
    done = cli(data_dir, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def provenance(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return data_provenance(con)
    finally:
        con.close()


def write_students(path: Path) -> None:
    rng = np.random.default_rng(3)
    groups, parents = "ABCDE", ["some high school", "high school", "some college", "bachelor's degree"]
    lines = [KAGGLE_HEADER]
    for i in range(N_STUDENTS):
        reading = int(rng.integers(30, 100))
        lines.append(f"ST{i:03d},{'female' if i % 2 else 'male'},group {groups[i % 5]},\"{parents[i % 4]}\","
                     f"{'standard' if i % 3 else 'free/reduced'},{'none' if i % 4 else 'completed'},"
                     f"{max(0, reading - int(rng.integers(0, 20)))},{reading},{min(100, reading + 3)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_interactions(path: Path) -> int:
    """Students pick mostly materials of their taste cluster; every row is valid; returns the row count."""
    rng = np.random.default_rng(5)
    lines = ["student_id,material_id,ts,rating"]
    for i in range(N_STUDENTS):
        cluster = i % 4
        liked = [m for m in range(N_MATERIALS) if m % 4 == cluster]
        others = [m for m in range(N_MATERIALS) if m % 4 != cluster]
        picks = list(rng.choice(liked, 7, replace=False)) + list(rng.choice(others, 2, replace=False))
        for j, m in enumerate(picks):
            ts = 1_767_225_600 + i * 3600 + int(rng.integers(0, 40)) * 86400 + j
            lines.append(f"ST{i:03d},MAT{m:03d},{ts},{int(rng.integers(1, 6))}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> dict:
    """A real build (Kaggle-shaped CSV) whose events folder still holds a previous demo build's file."""
    data = tmp_path_factory.mktemp("real")
    students = data / "students.csv"
    write_students(students)
    stale = data / "events" / "2026-11-01" / "demo-1-0.jsonl"
    stale.parent.mkdir(parents=True)
    stale.write_text(json.dumps({"event_id": "2f1c0e44-8a0b-4b8e-9c6e-1d2f3a4b5c6d", "event": "impression",
                                 "ts": "2026-11-01T10:00:00Z", "session_id": "demo-1-1", "page": "predict",
                                 "variant": "A"}) + "\n")
    build = cli_json(data, "build", "--students", str(students))
    return {"dir": data, "db": data / "warehouse.duckdb", "build": build, "stale": stale}


def test_real_build_generates_no_activity_and_says_so(real):
    db = real["db"]
    assert query(db, "SELECT count(*) FROM core.events")[0][0] == 0
    assert query(db, "SELECT count(*) FROM core.interactions")[0][0] == 0
    assert query(db, "SELECT count(*) FROM core.materials")[0][0] == 0
    assert not real["stale"].exists()   # a previous demo build's events never leak into a real warehouse
    p = provenance(db)
    assert p["demo"] is False
    assert {k: p[k]["state"] for k in ("students", "materials", "interactions", "events")} == {
        "students": "real", "materials": "empty", "interactions": "empty", "events": "empty"}
    assert p["build"] == {"students": "real", "materials": "none", "interactions": "none", "events": "none"}
    assert "ingest-interactions" in real["build"]["recsys"]["skipped"]
    # The roster keeps the file's student ids and line numbers.
    assert query(db, "SELECT student_id, line_no FROM core.students ORDER BY line_no LIMIT 2") == [
        ("ST000", 2), ("ST001", 3)]


def test_real_build_monitor_reports_missing_signals_not_numbers(real):
    summary = cli_json(real["dir"], "monitor")
    assert summary["missing"] == ["prediction_inputs", "outcomes"]
    assert summary["performance_periods"] == 0
    assert query(real["db"], "SELECT count(*) FROM ml.performance_by_period")[0][0] == 0


def test_api_shows_a_real_build_as_empty_not_as_results(real):
    from dashboard.app import app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EDULOOP_DB", str(real["db"]))
        patch.setenv("EDULOOP_EVENTS_DIR", str(real["dir"] / "events"))
        patch.delenv("EDULOOP_ADMIN_PASSWORD", raising=False)
        client = app.server.test_client()
        health = client.get("/api/v1/health").get_json()
        ab = client.get("/api/v1/ops/summary?section=ab").get_json()
        usage = client.get("/api/v1/ops/summary?section=usage").get_json()
        rec = client.get("/api/v1/recommendations/ST000")
    assert health["demo"] is False and health["data"]["events"] == "empty"
    assert ab["report"] is None and ab["counts"] == [] and ab["empty"] is True and ab["demo"] is False
    assert "POST /api/v1/events" in ab["hint"]
    assert usage["empty"] is True and usage["demo"] is False
    assert rec.status_code == 503   # no recommender: nothing invented


@pytest.mark.slow
def test_interactions_load_exactly_once_and_recsys_equals_recsys_eval(real, tmp_path):
    data = real["dir"]
    file = tmp_path / "activity.csv"
    rows = write_interactions(file)
    first = cli_json(data, "ingest-interactions", str(file))
    assert first["rows"] == rows == first["loaded"] + first["quarantined"]
    assert first["quarantined"] == 0 and first["new_materials"] == N_MATERIALS
    again = cli_json(data, "ingest-interactions", str(file))
    assert again["loaded"] == 0 and again["already_loaded"] == rows
    assert query(real["db"], "SELECT count(*), count(DISTINCT source) FROM core.interactions")[0] == (rows, 1)
    assert provenance(real["db"])["interactions"]["state"] == "real"

    cli_json(data, "recsys")
    version, = query(real["db"], "SELECT version FROM ml.model_registry "
                                 "WHERE task = 'recsys' AND status = 'production'")[0]
    stored = {method: values for method, *values in query(
        real["db"], "SELECT method, precision, recall, ndcg, map, hit_rate, coverage FROM ml.recsys_eval "
                    "WHERE version = ? AND k = 10", [version])}
    evaluated = cli_json(data, "recsys-eval", "--ratings", str(file), "--format", "csv")["methods"]
    assert set(evaluated) <= set(stored)
    for method, metrics in evaluated.items():
        expected = [metrics[m] for m in ("precision", "recall", "ndcg", "map", "hit_rate", "coverage")]
        assert stored[method] == pytest.approx(expected, abs=1e-6), method
    assert evaluated["user_knn"]["ndcg"] > evaluated["popularity"]["ndcg"]   # the planted taste was learnt
    recommended = query(real["db"], "SELECT count(DISTINCT student_id) FROM ml.recommendations")[0][0]
    assert recommended == N_STUDENTS


@pytest.mark.slow
def test_quarantine_rules_strict_and_idempotent_materials(real, tmp_path):
    data, db = real["dir"], real["db"]
    file = tmp_path / "messy.csv"
    # Semicolons, a BOM, an unknown student, a bad ts, a bad rating, a repeat, a short row, an unseen material.
    file.write_bytes("\ufeffstudent_id;material_id;timestamp;rating;note\n"
                     "ST001;NEW1;2026-02-01T09:00:00+09:00;4;a\n"
                     "NOBODY;MAT001;2026-02-01;3;b\n"
                     "ST002;MAT001;yesterday;3;c\n"
                     "ST003;MAT001;2026-02-02;x;d\n"
                     "ST001;NEW1;2026-02-01T00:00:00Z;5;repeat\n"
                     "ST004;MAT002\n".encode("utf-8"))
    s = cli_json(data, "ingest-interactions", str(file))
    assert (s["rows"], s["loaded"], s["quarantined"]) == (6, 1, 5)
    assert s["reasons"] == {"duplicate_row": 1, "not_a_number": 1, "not_a_timestamp": 1, "unknown_student_id": 1,
                            "wrong_field_count": 1}
    assert s["ignored_columns"] == ["note"]
    load_id, = query(db, "SELECT load_id FROM raw.loads WHERE source_file = 'messy.csv'")[0]
    assert query(db, "SELECT line_no, column_name, value, reason FROM quarantine.rows WHERE load_id = ? "
                     "AND column_name <> '*' ORDER BY line_no", [load_id]) == [
        (3, "student_id", "NOBODY", "unknown_student_id"), (4, "ts", "yesterday", "not_a_timestamp"),
        (5, "rating", "x", "not_a_number")]
    assert query(db, "SELECT ts, line_no FROM core.interactions WHERE material_id = 'NEW1'") == [
        (np.datetime64("2026-02-01T00:00:00").astype(object), 2)]
    assert query(db, "SELECT title, source FROM core.materials WHERE material_id = 'NEW1'") == [
        ("NEW1", "auto:messy.csv")]

    strict = tmp_path / "strict.csv"
    strict.write_text("student_id,material_id,ts\nST005,NEVER,2026-03-01\n")
    s = cli_json(data, "ingest-interactions", str(strict), "--strict")
    assert s["reasons"] == {"unknown_material_id": 1} and s["loaded"] == 0

    materials = tmp_path / "materials.csv"
    materials.write_text("material_id,title,subject,level,format,duration,publisher\n"
                         "NEW1,Fractions 1,math,2,video,600,X\nBAD,Broken,math,9,video,1,X\n", encoding="cp932")
    first = cli_json(data, "ingest-materials", str(materials))
    assert (first["loaded"], first["quarantined"], first["reasons"]) == (1, 1, {"out_of_range": 1})
    assert first["ignored_columns"] == ["publisher"]
    assert cli_json(data, "ingest-materials", str(materials))["loaded"] == 1
    assert query(db, "SELECT title, difficulty, duration_s, source FROM core.materials WHERE material_id = 'NEW1'") == [
        ("Fractions 1", 2, 600.0, "materials.csv")]


def test_missing_column_fails_in_one_line_and_leaves_the_warehouse_unchanged(real, tmp_path):
    file = tmp_path / "nots.csv"
    file.write_text("student_id,material_id,rating\nST001,MAT001,4\n")
    before = real["db"].stat().st_mtime_ns
    done = cli(real["dir"], "ingest-interactions", str(file))
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: nots.csv: missing required column(s): ts "
                                   "(found: student_id, material_id, rating)")
    assert real["db"].stat().st_mtime_ns == before


def test_xapi_statements_map_to_interactions(real, tmp_path):
    file = tmp_path / "lrs.jsonl"
    statements = [
        {"actor": {"account": {"homePage": "https://lms", "name": "ST010"}}, "verb": {"id": "completed"},
         "object": {"id": "https://lms/course/7"}, "timestamp": "2026-04-01T08:00:00Z",
         "result": {"score": {"scaled": 0.75}, "duration": "PT12M30S"}},
        {"actor": {"mbox": "mailto:ST011"}, "object": {"id": "MAT003"}, "timestamp": "2026-04-02T08:00:00+09:00"},
        {"actor": {"mbox": "mailto:stranger@example.org"}, "object": {"id": "MAT003"}, "timestamp": "2026-04-02"},
    ]
    file.write_text("\n".join(json.dumps(s) for s in statements) + "\n{not json\n")
    s = cli_json(real["dir"], "ingest-interactions", str(file), "--format", "xapi")
    assert (s["rows"], s["loaded"], s["quarantined"]) == (4, 2, 2)
    assert s["reasons"] == {"not_json": 1, "unknown_student_id": 1}
    assert query(real["db"], "SELECT student_id, material_id, ts, score, duration_s, line_no FROM core.interactions "
                             "WHERE source = 'lrs.jsonl' ORDER BY line_no") == [
        ("ST010", "https://lms/course/7", np.datetime64("2026-04-01T08:00").astype(object), 0.75, 750.0, 1),
        ("ST011", "MAT003", np.datetime64("2026-04-01T23:00").astype(object), None, None, 2)]


def test_demo_build_is_marked_demo(built_warehouse):
    p = provenance(built_warehouse)
    assert p["demo"] is True
    assert all(p[k]["state"] == "demo" for k in ("students", "materials", "interactions", "events"))
    assert p["build"] == {"students": "demo", "materials": "demo", "interactions": "demo", "events": "demo"}
    # Drift covers all seven model inputs.
    features = {f for f, in query(built_warehouse, "SELECT DISTINCT feature FROM ml.drift_reports")}
    assert {"race_ethnicity", "parental_education", "gender", "lunch", "test_prep", "reading_score",
            "writing_score"} <= features


def test_sessions_zero_is_honoured(tmp_path):
    from pipelines.build import BuildOptions, build

    summary = build(BuildOptions(db_path=tmp_path / "w.duckdb", events_dir=tmp_path / "events", scale=50,
                                 sessions=0, quiet=True))
    assert summary.events == 0 and summary.interactions > 0
    assert provenance(tmp_path / "w.duckdb")["build"]["events"] == "none"


def test_cp932_file_with_blank_and_multiline_records_keeps_exact_line_numbers(real, tmp_path):
    file = tmp_path / "excel.csv"
    file.write_bytes("student_id,material_id,ts\nST020,教材A,2026-05-01\n\nST021,\"教材\nB\",2026-05-02\n"
                     "ST022,教材C\nNOBODY,教材A,2026-05-03\n".encode("cp932"))
    s = cli_json(real["dir"], "ingest-interactions", str(file))
    assert (s["rows"], s["loaded"], s["quarantined"]) == (4, 2, 2)
    assert query(real["db"], "SELECT material_id, line_no FROM core.interactions WHERE source = 'excel.csv' "
                             "ORDER BY line_no") == [("教材A", 2), ("教材\nB", 4)]
    assert query(real["db"], "SELECT q.line_no, q.reason FROM quarantine.rows q JOIN raw.loads l USING (load_id) "
                             "WHERE l.source_file = 'excel.csv' ORDER BY 1") == [
        (6, "wrong_field_count (expected 3, got 2)"), (7, "unknown_student_id")]


@pytest.mark.slow
def test_padding_na_spellings_and_unix_seconds_take_the_slow_checks(real, tmp_path):
    data, db = real["dir"], real["db"]
    file = tmp_path / "padded.csv"
    # The read pass skips the NA pattern and trim on ordinary values: padded and NA ones must still be caught.
    file.write_text("student_id,material_id,ts,rating,duration_s,score\n"
                    " ST001 ,MAT001 ,2026-04-01T10:00:00+02:00 ,NA,nan,\n"
                    "ST002,MAT001,1775037600, 4 ,-,missing\n"
                    "   NA      ,MAT001,2026-04-01,1,1,1\n"
                    "ST003,MAT001,2026-04-02,inf,1,1\n")
    s = cli_json(data, "ingest-interactions", str(file))
    assert (s["rows"], s["loaded"], s["reasons"]) == (4, 2, {"missing_value": 1, "not_a_number": 1})
    load_id, = query(db, "SELECT load_id FROM raw.loads WHERE source_file = 'padded.csv'")[0]
    assert query(db, "SELECT student_id, material_id, ts, rating, duration_s, score, line_no FROM core.interactions "
                     "WHERE load_id = ? ORDER BY line_no", [load_id]) == [
        ("ST001", "MAT001", np.datetime64("2026-04-01T08:00:00").astype(object), None, None, None, 2),
        ("ST002", "MAT001", np.datetime64("2026-04-01T10:00:00").astype(object), 4.0, None, None, 3)]
    assert query(db, "SELECT line_no, column_name, value, reason FROM quarantine.rows WHERE load_id = ? "
                     "ORDER BY line_no", [load_id]) == [(4, "student_id", "   NA      ", "missing_value"),
                                                        (5, "rating", "inf", "not_a_number")]
