"""Parse and validate a StudentsPerformance CSV into good rows and quarantined cells (no DB)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from analytics.student_schema import (
    CATEGORIES,
    NA_STRINGS,
    REQUIRED_COLUMNS,
    SCORE_MAX,
    SCORE_MIN,
    SCORES,
    normalise_category,
)
from pipelines.text_table import read_table

OPTIONAL_COLUMNS = ("student_id", "school_id", "class_id", "exam_date")


@dataclass
class ParsedStudents:
    """Result of parsing one file: good rows, rejected cells, and facts about the file."""

    source_file: str
    sha256: str
    encoding: str
    rows_read: int = 0
    good: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)   # one per bad cell
    raw_lines: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def quarantined_lines(self) -> int:
        """Number of distinct rejected lines."""
        return len({r["line_no"] for r in self.rejected})


def _check_score(value: str) -> tuple[int | None, str | None]:
    text = value.strip()
    if text.lower() in NA_STRINGS:
        return None, "missing_value"
    try:
        number = float(text)
    except ValueError:
        return None, "not_a_number"
    if number != number or number != int(number):
        return None, "not_an_integer"
    if not SCORE_MIN <= number <= SCORE_MAX:
        return None, "out_of_range"
    return int(number), None


def parse_students_csv(path: str | Path) -> ParsedStudents:
    """Read a student CSV; raise PipelineError for file-level problems (empty, missing columns)."""
    table = read_table(path, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    parsed = ParsedStudents(source_file=table.source_file, sha256=table.sha256, encoding=table.encoding,
                            ignored_columns=table.ignored_columns)
    index = table.index(known)
    seen: dict[tuple, int] = {}
    seen_ids: dict[str, int] = {}
    for data_row in table.rows():
        line_no, raw_line, row = data_row.line_no, data_row.raw_line, data_row.cells
        parsed.rows_read += 1
        parsed.raw_lines.append((line_no, raw_line))
        if data_row.reject:
            parsed.rejected.append(data_row.reject)
            continue
        problems: list[tuple[str, str, str]] = []
        record: dict = {}
        for column in CATEGORIES:
            value = row[index[column]] if index[column] < len(row) else ""
            if value.strip().lower() in NA_STRINGS:
                problems.append((column, value, "missing_value"))
                continue
            canonical = normalise_category(column, value)
            if canonical is None:
                problems.append((column, value, "unknown_category"))
            record[column] = canonical
        for column in SCORES:
            value = row[index[column]] if index[column] < len(row) else ""
            score, reason = _check_score(value)
            if reason:
                problems.append((column, value, reason))
            record[column] = score
        for column in OPTIONAL_COLUMNS:
            if column in index and index[column] < len(row):
                record[column] = row[index[column]].strip() or None
        sid = record.get("student_id")
        if not problems and sid and sid in seen_ids:
            problems.append(("student_id", sid, f"duplicate_student_id (same as line {seen_ids[sid]})"))
        if not problems:
            key = tuple(record.get(c) for c in REQUIRED_COLUMNS) + (record.get("student_id"),)
            if key in seen:
                problems.append(("*", "", f"duplicate_row (same as line {seen[key]})"))
            else:
                seen[key] = line_no
                if sid:
                    seen_ids[sid] = line_no
        if problems:
            for column, value, reason in problems:
                parsed.rejected.append({"line_no": line_no, "column_name": column, "value": value,
                                        "reason": reason, "raw_line": raw_line})
            continue
        if not record.get("student_id"):
            # Stable across reloads of the same file: derived from the file content and line.
            record["student_id"] = "K" + hashlib.sha1(f"{parsed.sha256}:{line_no}".encode()).hexdigest()[:11]
        record["line_no"] = line_no
        parsed.good.append(record)
    return parsed
