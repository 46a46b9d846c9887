"""Job: `ingest-interactions FILE [--strict] [--format csv|xapi]` — real learning activity into core.interactions.

Columns student_id, material_id, ts (ISO 8601, with or without an offset, or Unix seconds)
and optional rating, duration_s, score. The header, encoding and delimiter rules are the shared
reader's (pipelines.text_table); the rows themselves are read by DuckDB's CSV reader and checked
in set-based SQL, because a school's log easily has tens of millions of rows. Every rejected cell
goes to quarantine.rows with file, line, column, value and reason:
missing_value, not_a_timestamp, not_a_number, out_of_range, unknown_student_id,
unknown_material_id (--strict), duplicate_row (same student, material and ts earlier in the
file), wrong_field_count. A row whose (student, material, ts) is already in the warehouse is
counted as already_loaded, so re-running a file adds nothing. A material id never seen before
gets a minimal core.materials row (title = id, source 'auto:<file>') unless --strict.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.student_schema import NA_STRINGS, normalise_header
from pipelines.errors import PipelineError
from pipelines.ingest_materials import LoadSummary
from pipelines.load_records import new_load_id, quarantine, reason_counts, record_load, utc_now
from pipelines.text_table import TextTable, read_head, transcode_to_utf8
from pipelines.xapi import read_xapi
from warehouse.connection import read_sql
from warehouse.publish import write_transaction

REQUIRED = ("student_id", "material_id", "ts")
OPTIONAL = ("rating", "duration_s", "score")
COLUMNS = REQUIRED + OPTIONAL
ALIASES = {"timestamp": "ts", "time": "ts", "user_id": "student_id", "item_id": "material_id",
           "duration": "duration_s"}
FORMATS = ("csv", "xapi")


def normalise_column(name: str) -> str:
    """Header cell -> column name, with the accepted aliases folded in."""
    key = normalise_header(name)
    return ALIASES.get(key, key)


def _count_lines(path: Path) -> int:
    """Physical lines of a file (a last line without a newline counts)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


# The sniffed delimiter as SQL (one of the shared reader's three; never file text).
_DELIM_SQL = {",": "','", ";": "';'", "\t": "chr(9)"}


def _stage_csv_sql(head: TextTable) -> tuple[str, dict]:
    """SQL + params staging a CSV as text columns; column names come from our allowlist only."""
    names = [h if h in COLUMNS and head.header.index(h) == i else f"ignored_{i}" for i, h in enumerate(head.header)]
    select = ", ".join(c if c in names else f"NULL::VARCHAR AS {c}" for c in COLUMNS)
    return (f"""CREATE OR REPLACE TEMP TABLE stg_interactions AS
                SELECT {select} FROM read_csv($path, delim = $delim, header = true, all_varchar = true,
                                              quote = '"', escape = '"', names = $names,
                                              store_rejects = true, rejects_table = 'ingest_rejects',
                                              rejects_scan = 'ingest_rejects_scan')""",
            {"delim": head.delimiter, "names": names})


def _stage_csv(con, path: Path, head: TextTable) -> pd.DataFrame:
    """Stage a CSV (transcoding CP932 on the way) behind TEMP VIEW stg_view; return DuckDB's structural rejects."""
    sql, params = _stage_csv_sql(head)
    try:
        con.execute(sql, {**params, "path": str(path)})
    except duckdb.InvalidInputException as exc:
        if "unicode" not in str(exc).lower():
            raise PipelineError(f"{path.name}: {str(exc).splitlines()[0]}") from exc
        with tempfile.TemporaryDirectory(prefix="eduloop-cp932-") as folder:
            utf8 = Path(folder) / "utf8.csv"
            transcode_to_utf8(path, utf8)
            head.encoding = "cp932"
            con.execute(sql, {**params, "path": str(utf8)})
    # DuckDB lists one reject per missing column; one structural reason per line, like the other loaders.
    rejects = con.execute("""SELECT DISTINCT ON (line) line AS line_no, '*' AS column_name,
                                    regexp_extract(error_message, 'Found: (\\d+)', 1) AS value,
                                    'wrong_field_count (expected ' || $fields || ', got '
                                    || regexp_extract(error_message, 'Found: (\\d+)', 1) || ')' AS reason,
                                    csv_line AS raw_line
                             FROM ingest_rejects ORDER BY line, column_idx""", {"fields": len(head.header)}).df()
    raw_line = f"concat_ws({_DELIM_SQL[head.delimiter]}, {', '.join(COLUMNS)})"
    line_no, source = _line_numbers(con, path, rejects)
    con.execute(f"CREATE OR REPLACE TEMP VIEW stg_view AS SELECT s.rowid AS rid, {line_no} AS line_no, "
                f"{raw_line} AS raw_line, s.* FROM {source}")
    return rejects


def _line_numbers(con, path: Path, rejects: pd.DataFrame) -> tuple[str, str]:
    """(SQL of each staged row's file line, FROM clause): exact when every record is one line, else NULL."""
    rows = con.execute("SELECT count(*) FROM stg_interactions").fetchall()[0][0]
    bad_lines = np.unique(rejects["line_no"].to_numpy(dtype=np.int64))
    if _count_lines(path) != 1 + rows + len(bad_lines):
        # Blank lines or fields spanning lines: a line number cannot be derived from the order.
        return "CAST(NULL AS BIGINT)", "stg_interactions s"
    if len(bad_lines) == 0:
        return "s.rowid + 2", "stg_interactions s"
    lines = np.setdiff1d(np.arange(2, rows + len(bad_lines) + 2, dtype=np.int64), bad_lines)
    con.register("line_map_df", pd.DataFrame({"line": lines}))
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_line_map AS SELECT line FROM line_map_df")
    con.unregister("line_map_df")
    # Both tables were written in order, so the n-th staged row is the n-th remaining line.
    return "m.line", "stg_interactions s POSITIONAL JOIN ingest_line_map m"


def _stage_xapi(con, path: Path) -> tuple[pd.DataFrame, int, str]:
    """Stage an xAPI JSON-lines file behind TEMP VIEW stg_view; return unreadable lines, lines read, encoding."""
    rows, rejected, read, encoding = read_xapi(path)
    con.register("xapi_rows", rows)
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg_interactions AS SELECT line_no, raw_line, {', '.join(COLUMNS)} "
                "FROM xapi_rows")
    con.unregister("xapi_rows")
    con.execute("CREATE OR REPLACE TEMP VIEW stg_view AS SELECT rowid AS rid, * FROM stg_interactions")
    return pd.DataFrame(rejected, columns=["line_no", "column_name", "value", "reason", "raw_line"]), read, encoding


def write_interactions(con, path: Path, fmt: str, *, strict: bool, head: TextTable | None) -> LoadSummary:
    """Stage, check, quarantine and insert one file in an open writer connection."""
    started = utc_now()
    load_id = new_load_id("interactions")
    if fmt == "xapi":
        rejects, _, encoding = _stage_xapi(con, path)
    else:
        rejects = _stage_csv(con, path, head)
        encoding = head.encoding
    con.execute("SET TimeZone = 'UTC'")   # a ts without an offset is UTC, whatever the machine's zone
    params = {"na": sorted(NA_STRINGS), "strict": strict, "delim": head.delimiter if head else ","}
    try:
        for statement in read_sql("load/interactions_check.sql").split(";\n"):
            if statement.strip():
                con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    finally:
        con.execute("RESET TimeZone")
    problems = con.execute("SELECT line_no, column_name, value, reason, raw_line FROM ingest_problems").df()
    bad_rows = con.execute("SELECT count(DISTINCT rid) FROM ingest_problems").fetchall()[0][0]
    rejected = pd.concat([rejects, problems], ignore_index=True) if len(rejects) else problems
    staged = con.execute("SELECT count(*) FROM stg_interactions").fetchall()[0][0]
    has_rows = con.execute("SELECT count(*) > 0 FROM core.interactions").fetchall()[0][0]
    loaded = con.execute(read_sql("load/interactions_insert.sql").replace(
        "/*ANTI*/", "ANTI JOIN core.interactions i ON i.student_id = g.student_id AND "
                    "i.material_id = g.material_id AND i.ts = g.ts" if has_rows else ""),
        {"source": path.name, "load": load_id}).fetchall()[0][0]
    new_materials = 0 if strict else con.execute(
        """INSERT INTO core.materials (material_id, title, created_at, source, load_id)
           SELECT DISTINCT i.material_id, i.material_id, $now, 'auto:' || $source, $load
           FROM core.interactions i ANTI JOIN core.materials m USING (material_id)
           WHERE i.load_id = $load""", {"now": started, "source": path.name, "load": load_id}).fetchall()[0][0]
    structural = int(rejects["line_no"].nunique()) if len(rejects) else 0
    quarantined, rows = bad_rows + structural, staged + structural
    good = staged - bad_rows
    record_load(con, load_id, "interactions", path.name, None, started, rows, loaded, quarantined)
    quarantine(con, load_id, path.name, rejected, started)
    con.execute("DROP VIEW IF EXISTS ingest_good")
    con.execute("DROP VIEW IF EXISTS stg_view")
    for table in ("stg_interactions", "ingest_typed", "ingest_bad", "ingest_problems", "ingest_repeats",
                  "ingest_line_map"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return LoadSummary(rows, loaded, quarantined, reason_counts(rejected["reason"]), load_id, path.name, encoding,
                       head.ignored_columns if head else [],
                       {"already_loaded": good - loaded, "new_materials": new_materials, "format": fmt})


def ingest_interactions(db_path: str | Path, path: str | Path, *, fmt: str = "csv",
                        strict: bool = False) -> LoadSummary:
    """Check the file's header first (a missing column leaves the warehouse untouched), then load and publish."""
    path = Path(path)
    if fmt not in FORMATS:
        raise PipelineError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    head = read_head(path, REQUIRED, OPTIONAL, normalise=normalise_column) if fmt == "csv" else None
    with write_transaction(db_path) as con:
        return write_interactions(con, path, fmt, strict=strict, head=head)
