"""Job: load a StudentsPerformance CSV; good rows to core.students, bad cells to quarantine."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipelines.load_records import new_load_id, quarantine, reason_counts, record_load, utc_now
from pipelines.student_rows import ParsedStudents, parse_students_csv
from warehouse.publish import write_transaction

STUDENT_COLUMNS = ("student_id", "gender", "race_ethnicity", "parental_education", "lunch", "test_prep",
                   "math_score", "reading_score", "writing_score", "school_id", "class_id", "exam_date",
                   "source", "load_id", "line_no")


@dataclass
class StudentLoadSummary:
    """What one load did, in the shape the CLI prints (`--json`)."""

    loaded: int
    quarantined: int
    reasons: dict[str, int]
    load_id: str
    encoding: str
    ignored_columns: list[str]

    def as_json(self) -> dict:
        """The documented JSON summary."""
        return {"loaded": self.loaded, "quarantined": self.quarantined, "reasons": self.reasons}


def write_students(con, parsed: ParsedStudents, *, replace: bool) -> StudentLoadSummary:
    """Write a parsed file into an open writer connection (raw, core, quarantine, loads)."""
    load_id = new_load_id("students")
    now = utc_now()
    record_load(con, load_id, "students", parsed.source_file, parsed.sha256, now, parsed.rows_read,
                len(parsed.good), parsed.quarantined_lines)
    raw = pd.DataFrame(parsed.raw_lines, columns=["line_no", "raw_line"])
    raw.insert(0, "source_file", parsed.source_file)
    raw.insert(0, "load_id", load_id)
    con.register("raw_lines", raw)
    con.execute("INSERT INTO raw.students SELECT load_id, source_file, line_no, raw_line FROM raw_lines")
    quarantine(con, load_id, parsed.source_file, parsed.rejected, now)
    if replace:
        con.execute("DELETE FROM core.students")
    if parsed.good:
        good = pd.DataFrame(parsed.good).reindex(columns=list(STUDENT_COLUMNS))
        good["source"], good["load_id"] = parsed.source_file, load_id
        good["exam_date"] = pd.to_datetime(good["exam_date"], errors="coerce").dt.date
        con.register("good", good)
        con.execute("DELETE FROM core.students WHERE student_id IN (SELECT student_id FROM good)")
        con.execute(f"INSERT INTO core.students SELECT {', '.join(STUDENT_COLUMNS)} FROM good")
    return StudentLoadSummary(len(parsed.good), parsed.quarantined_lines,
                              reason_counts(r["reason"] for r in parsed.rejected),
                              load_id, parsed.encoding, parsed.ignored_columns)


def ingest_students(db_path: str | Path, csv_path: str | Path, *, replace: bool = False) -> StudentLoadSummary:
    """Parse first (file-level errors leave the warehouse untouched), then publish atomically."""
    parsed = parse_students_csv(csv_path)
    with write_transaction(db_path) as con:
        return write_students(con, parsed, replace=replace)
