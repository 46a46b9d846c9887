"""Parse and validate a StudentsPerformance CSV into good rows and quarantined cells (no DB)."""
from __future__ import annotations

import csv
import hashlib
import io
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
    normalise_header,
)
from analytics.text_decoding import decode_text
from pipelines.errors import PipelineError

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


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or CP932 as saved by Japanese Excel."""
    try:
        return decode_text(data)
    except ValueError as exc:
        raise PipelineError(f"{name}: {exc}") from exc


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


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
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read file ({exc.strerror})") from exc
    text, encoding = decode(data, path.name)
    if not text.strip():
        raise PipelineError(f"{path.name}: file is empty (no header line)")
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(lines[0]))
    header_cells = next(reader)
    header = [normalise_header(h) for h in header_cells]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise PipelineError(f"{path.name}: missing required column(s): {', '.join(missing)} "
                            f"(found: {', '.join(h.strip() for h in header_cells)})")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    parsed = ParsedStudents(source_file=path.name, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                            ignored_columns=[h for h in header if h not in known])
    index = {name: header.index(name) for name in header if name in known}
    seen: dict[tuple, int] = {}
    seen_ids: dict[str, int] = {}
    line_start = reader.line_num + 1
    for row in reader:
        line_no, line_start = line_start, reader.line_num + 1
        if not row:
            continue   # a truly empty line carries no data
        parsed.rows_read += 1
        raw_line = "\n".join(lines[line_no - 1:line_start - 1])
        parsed.raw_lines.append((line_no, raw_line))
        if all(not c.strip() for c in row):
            parsed.rejected.append({"line_no": line_no, "column_name": "*", "value": "",
                                    "reason": "blank_row", "raw_line": raw_line})
            continue
        problems: list[tuple[str, str, str]] = []
        if len(row) != len(header):
            # Columns cannot be trusted to line up, so one structural reason, not one per cell.
            parsed.rejected.append({"line_no": line_no, "column_name": "*", "value": str(len(row)),
                                    "reason": f"wrong_field_count (expected {len(header)}, got {len(row)})",
                                    "raw_line": raw_line})
            continue
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


def reason_code(reason: str) -> str:
    """The bare reason code without its detail in parentheses."""
    return reason.split(" (", 1)[0]
