"""Loading a StudentsPerformance CSV: good rows load, bad rows are quarantined, bad files change nothing."""
import json
import subprocess

import pytest

from pipelines.errors import PipelineError
from pipelines.ingest_students import ingest_students
from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import scalar, sha256, write_kaggle_csv

DAMAGE = {  # line number -> (column index, bad value, expected reason)
    5: (5, "", "missing_value"),
    17: (6, "NA", "missing_value"),
    40: (7, "105", "out_of_range"),
    88: (5, "eighty", "not_a_number"),
    123: (1, "group Q", "unknown_category"),
    300: (0, "unknown", "unknown_category"),
}


def damaged_copy(src, dst):
    lines = src.read_text().splitlines()
    for line_no, (col, value, _) in DAMAGE.items():
        cells = lines[line_no - 1].split('","')
        cells[0], cells[-1] = cells[0].lstrip('"'), cells[-1].rstrip('"')
        cells[col] = value
        lines[line_no - 1] = '"' + '","'.join(cells) + '"'
    lines.append(lines[9])                              # an exact duplicate of line 10
    lines.append(" ,  ,  ,,,,,")                        # a row of blanks -> line 1003
    dst.write_text("\n".join(lines) + "\n")
    return dst


def test_clean_kaggle_file_loads_everything(fresh_dir):
    csv_path = write_kaggle_csv(fresh_dir / "StudentsPerformance.csv")
    db = fresh_dir / "w.duckdb"
    summary = ingest_students(db, csv_path)
    assert summary.as_json() == {"loaded": 1000, "quarantined": 0, "reasons": {}}
    assert scalar(db, "SELECT count(*) FROM core.students") == 1000
    assert scalar(db, "SELECT count(*) FROM raw.students") == 1000
    again = ingest_students(db, csv_path)            # the same file twice: same ids, no duplicates
    assert again.loaded == 1000 and scalar(db, "SELECT count(*) FROM core.students") == 1000


def test_damaged_file_quarantines_exactly_the_bad_rows(fresh_dir):
    src = write_kaggle_csv(fresh_dir / "clean.csv")
    bad = damaged_copy(src, fresh_dir / "damaged.csv")
    db = fresh_dir / "w.duckdb"
    summary = ingest_students(db, bad)
    bad_lines = set(DAMAGE) | {1002, 1003}
    assert summary.quarantined == len(bad_lines)
    assert summary.loaded == 1000 - len(DAMAGE)
    con_rows = scalar(db, "SELECT list(DISTINCT line_no ORDER BY line_no) FROM quarantine.rows")
    assert set(con_rows) == bad_lines
    for line_no, (_, value, reason) in DAMAGE.items():
        got = scalar(db, "SELECT reason || '|' || coalesce(value, '') || '|' || source_file FROM quarantine.rows "
                         "WHERE line_no = ?", [line_no])
        assert got.split("|")[0] == reason and got.split("|")[1] == value and got.endswith("damaged.csv")
    assert scalar(db, "SELECT reason FROM quarantine.rows WHERE line_no = 1002") == "duplicate_row (same as line 10)"


@pytest.mark.slow
def test_wrong_header_changes_nothing_and_says_why(fresh_dir):
    db = fresh_dir / "w.duckdb"
    ingest_students(db, write_kaggle_csv(fresh_dir / "ok.csv", n=50))
    before = sha256(db)
    wrong = fresh_dir / "wrong.csv"
    wrong.write_text("sex,race,parent,lunch,prep,math,reading,writing\nfemale,group B,x,standard,none,1,2,3\n")
    with pytest.raises(PipelineError, match="missing required column"):
        ingest_students(db, wrong)
    assert sha256(db) == before
    env = run_env(fresh_dir)
    out = subprocess.run([PYTHON, "-m", "pipelines", "ingest-students", str(wrong), "--db", str(db)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert out.stderr.count("\n") == 1 and "gender" in out.stderr and "math_score" in out.stderr
    assert "Traceback" not in out.stderr
    assert sha256(db) == before


@pytest.mark.slow
def test_cli_json_summary(fresh_dir):
    bad = damaged_copy(write_kaggle_csv(fresh_dir / "c.csv", n=400), fresh_dir / "d.csv")
    out = subprocess.run([PYTHON, "-m", "pipelines", "ingest-students", str(bad), "--json",
                          "--db", str(fresh_dir / "w.duckdb")], cwd=ROOT, env=run_env(fresh_dir),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["loaded"] == 400 - 6 and body["quarantined"] == 8
    assert body["reasons"] == {"blank_row": 1, "duplicate_row": 1, "missing_value": 2, "not_a_number": 1,
                               "out_of_range": 1, "unknown_category": 2}
