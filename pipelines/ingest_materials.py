"""Job: `ingest-materials FILE` — a school's learning-material catalogue into core.materials.

Columns: material_id, title (required); subject, level (1–5, stored as difficulty), format,
duration_s (seconds; `duration` is read the same) optional; other columns are ignored and named.
Idempotent: a material id already in the warehouse is replaced by the file's row (so a minimal
row made by ingest-interactions gets its real title), and loading the same file twice changes nothing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics.student_schema import NA_STRINGS, normalise_header
from pipelines.load_records import new_load_id, quarantine, reason_counts, record_load, utc_now
from pipelines.text_table import TextTable, read_table, reject_row
from warehouse.publish import write_transaction

REQUIRED = ("material_id", "title")
OPTIONAL = ("subject", "level", "format", "duration_s")
ALIASES = {"difficulty": "level", "duration": "duration_s", "id": "material_id", "name": "title"}
LEVEL_MIN, LEVEL_MAX = 1, 5


@dataclass
class LoadSummary:
    """What one activity load did (the CLI's --json shape)."""

    rows: int
    loaded: int
    quarantined: int
    reasons: dict[str, int]
    load_id: str
    source_file: str
    encoding: str = "utf-8"
    ignored_columns: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """The documented JSON summary."""
        return {"rows": self.rows, "loaded": self.loaded, "quarantined": self.quarantined,
                "reasons": self.reasons, **self.extra, "ignored_columns": self.ignored_columns}


def normalise_column(name: str) -> str:
    """Header cell -> column name, with the accepted aliases folded in."""
    key = normalise_header(name)
    return ALIASES.get(key, key)


def _number(value: str, *, integer: bool, low: float, high: float) -> tuple[float | None, str | None]:
    """A bounded number from text, or the reason it is not one (blank is allowed: None, None)."""
    text = value.strip()
    if text.lower() in NA_STRINGS:
        return None, None
    try:
        number = float(text)
    except ValueError:
        return None, "not_a_number"
    if not math.isfinite(number) or (integer and number != int(number)):
        return None, "not_an_integer" if integer else "not_a_number"
    if not low <= number <= high:
        return None, "out_of_range"
    return number, None


def parse_materials(table: TextTable) -> tuple[list[dict], list[dict], int]:
    """(good rows, rejected cells, data rows read) of a materials table."""
    index = table.index(set(REQUIRED) | set(OPTIONAL))
    good, rejected, seen, rows = [], [], {}, 0
    for row in table.rows():
        rows += 1
        if row.reject:
            rejected.append(row.reject)
            continue
        cell = {name: row.cells[i].strip() for name, i in index.items()}
        problems = [(c, "", "missing_value") for c in REQUIRED if cell[c].lower() in NA_STRINGS]
        level, reason = _number(cell.get("level", ""), integer=True, low=LEVEL_MIN, high=LEVEL_MAX)
        if reason:
            problems.append(("level", cell["level"], reason))
        duration, reason = _number(cell.get("duration_s", ""), integer=False, low=0, high=math.inf)
        if reason:
            problems.append(("duration_s", cell["duration_s"], reason))
        mid = cell["material_id"]
        if not problems and mid in seen:
            problems.append(("material_id", mid, f"duplicate_material_id (same as line {seen[mid]})"))
        if problems:
            rejected.extend(reject_row(row.line_no, c, v, r, row.raw_line) for c, v, r in problems)
            continue
        seen[mid] = row.line_no
        good.append({"material_id": mid, "title": cell["title"], "subject": cell.get("subject") or None,
                     "difficulty": None if level is None else int(level), "format": cell.get("format") or None,
                     "duration_s": duration, "line_no": row.line_no})
    return good, rejected, rows


def write_materials(con, table: TextTable) -> LoadSummary:
    """Upsert a parsed materials file into an open writer connection (core, quarantine, loads)."""
    good, rejected, rows = parse_materials(table)
    load_id, now = new_load_id("materials"), utc_now()
    quarantined = len({r["line_no"] for r in rejected})
    record_load(con, load_id, "materials", table.source_file, table.sha256, now, rows, len(good), quarantined)
    quarantine(con, load_id, table.source_file, rejected, now)
    if good:
        frame = pd.DataFrame(good).astype({"difficulty": "Int64", "duration_s": "float64"})
        con.register("good_materials", frame)
        con.execute("DELETE FROM core.materials WHERE material_id IN (SELECT material_id FROM good_materials)")
        con.execute("""INSERT INTO core.materials (material_id, title, subject, difficulty, format, created_at,
                                                   duration_s, source, load_id, line_no)
                       SELECT material_id, title, subject, difficulty, format, $now, duration_s, $source, $load,
                              line_no FROM good_materials""",
                    {"now": now, "source": table.source_file, "load": load_id})
        con.unregister("good_materials")
    return LoadSummary(rows, len(good), quarantined, reason_counts(r["reason"] for r in rejected), load_id,
                       table.source_file, table.encoding, table.ignored_columns)


def ingest_materials(db_path: str | Path, path: str | Path) -> LoadSummary:
    """Read first (a file-level error leaves the warehouse untouched), then publish atomically."""
    table = read_table(path, REQUIRED, OPTIONAL, normalise=normalise_column)
    with write_transaction(db_path) as con:
        return write_materials(con, table)
