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
A clean CSV first tries the one-pass fast path (pipelines.interactions_fast), which stores no line numbers
(line_no NULL) and keeps its result only when the rows and quarantine provably equal this exact path's.
"""
from __future__ import annotations

import csv
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
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
from warehouse.publish import write_transaction
from warehouse.schema import read_sql

REQUIRED = ("student_id", "material_id", "ts")
OPTIONAL = ("rating", "duration_s", "score")
COLUMNS = REQUIRED + OPTIONAL
ALIASES = {"timestamp": "ts", "time": "ts", "user_id": "student_id", "item_id": "material_id",
           "duration": "duration_s"}
FORMATS = ("csv", "xapi")


class RepeatedRows(Exception):
    """The fast path committed a file in which a (student, material, ts) repeats: only the exact path may load it."""


def normalise_column(name: str) -> str:
    """Header cell -> column name, with the accepted aliases folded in."""
    key = normalise_header(name)
    return ALIASES.get(key, key)


def count_lines(path: Path, *, crlf_only: bool = False) -> int | None:
    """Physical lines of a file (a last line without a newline counts).

    With `crlf_only`, None when a carriage return ends a line on its own (readers disagree on such files).
    """
    lines, last, lone_cr = 0, b"\n", False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
            if crlf_only and b"\r" in chunk:
                # A CR cut from its LF at the chunk's end reads as lone: a (rare) needless exact path.
                lone_cr = lone_cr or chunk.count(b"\r") != chunk.count(b"\r\n")
            last = chunk[-1:]
    return None if lone_cr else lines + (last != b"\n")


# The sniffed delimiter as SQL (one of the shared reader's three; never file text).
_DELIM_SQL = {",": "','", ";": "';'", "\t": "chr(9)"}
# NA_STRINGS as one case-insensitive pattern (blank counts too), bound as $na.
NA_PATTERN = r"(?i)\s*(" + "|".join(re.escape(v) for v in sorted(NA_STRINGS) if v) + r")?\s*"
# First characters an NA spelling (or padding) can start with: the pattern only runs on those.
NA_FIRST = "".join(sorted({c for v in NA_STRINGS if v for c in (v[0].lower(), v[0].upper())} | {" ", "\t"}))


def csv_source(head: TextTable, types: dict[str, str] | None = None) -> tuple[str, str]:
    """(FROM-able SQL of a CSV's rows, SQL of a bad row's raw line); names come from our allowlist.

    Without `types` every cell is text; with them (column -> DuckDB type, bound as $types) the reader types
    the cells itself and an absent column is a NULL of its type.
    """
    names = csv_names(head)
    select = ", ".join(c if c in names else f"NULL::{(types or {}).get(c, 'VARCHAR')} AS {c}" for c in COLUMNS)
    typing = "types = $types" if types else "all_varchar = true"
    source = f"""(SELECT {select}, NULL::BIGINT AS src_line
                  FROM read_csv($path, delim = $delim, header = true, {typing}, quote = '"', escape = '"',
                                names = $names, store_rejects = true, rejects_table = 'ingest_rejects',
                                rejects_scan = 'ingest_rejects_scan'))"""
    return source, f"concat_ws({_DELIM_SQL[head.delimiter]}, {', '.join(COLUMNS)})"


def _typed_sql(source: str, raw_line: str) -> str:
    """The first statement of the checks (read, type, flag) with our source and raw-line SQL filled in."""
    first = read_sql("load/interactions_check.sql").split(";\n")[0]
    return first.replace("/*SOURCE*/", source).replace(
        "score, raw_line]", f"score, {raw_line}]")


def _load_csv(con, path: Path, head: TextTable) -> pd.DataFrame:
    """Read, type and flag a CSV into ingest_typed (transcoding CP932 on the way); return DuckDB's structural
    rejects."""
    source, raw_line = csv_source(head)
    sql = _typed_sql(source, raw_line)
    params = {"delim": head.delimiter, "names": csv_names(head), "na": NA_PATTERN, "na_first": NA_FIRST}
    try:
        con.execute(sql, {**params, "path": str(path)})
        not_utf8 = con.execute("SELECT count(*) FROM ingest_rejects WHERE error_type = 'INVALID ENCODING'"
                               ).fetchall()[0][0]
    except duckdb.InvalidInputException as exc:
        if "unicode" not in str(exc).lower():
            raise PipelineError(f"{path.name}: {str(exc).splitlines()[0]}") from exc
        not_utf8 = 1
    if not_utf8:   # DuckDB reads UTF-8 only: a CP932 file (Japanese Excel) is read through a UTF-8 copy
        con.execute("DROP TABLE IF EXISTS ingest_rejects")
        con.execute("DROP TABLE IF EXISTS ingest_rejects_scan")
        with tempfile.TemporaryDirectory(prefix="eduloop-cp932-") as folder:
            utf8 = Path(folder) / "utf8.csv"
            transcode_to_utf8(path, utf8)
            head.encoding = "cp932"
            con.execute(sql, {**params, "path": str(utf8)})
    return structural_rejects(con, head)


def structural_rejects(con, head: TextTable) -> pd.DataFrame:
    """DuckDB's rejected records (ingest_rejects) in the quarantine shape, one wrong_field_count per line."""
    # DuckDB lists one reject per missing column; one structural reason per line, like the other loaders.
    return con.execute("""SELECT DISTINCT ON (line) line AS line_no, '*' AS column_name,
                                 regexp_extract(error_message, 'Found: (\\d+)', 1) AS value,
                                 'wrong_field_count (expected ' || $fields || ', got '
                                 || regexp_extract(error_message, 'Found: (\\d+)', 1) || ')' AS reason,
                                 csv_line AS raw_line
                          FROM ingest_rejects ORDER BY line, column_idx""", {"fields": len(head.header)}).df()


def csv_names(head: TextTable) -> list[str]:
    """Column names given to read_csv: ours for known columns, ignored_<i> for the rest (never header text)."""
    return [h if h in COLUMNS and head.header.index(h) == i else f"ignored_{i}" for i, h in enumerate(head.header)]


def _csv_lines(con, path: Path, head: TextTable, rejects: pd.DataFrame) -> tuple[str, str]:
    """(SQL of each row's file line, FROM clause): exact when every record is one line, else NULL."""
    rows = con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0]
    bad_lines = np.unique(rejects["line_no"].to_numpy(dtype=np.int64))
    if count_lines(path) == 1 + rows + len(bad_lines):   # every record is one line: lines follow the order
        if len(bad_lines) == 0:
            return "t.rowid + 2", "ingest_typed t"
        lines = np.setdiff1d(np.arange(2, rows + len(bad_lines) + 2, dtype=np.int64), bad_lines)
    else:   # blank lines or fields spanning lines: find where each record starts (a slower Python pass)
        lines, bad_starts = _record_start_lines(path, head)
        if len(lines) != rows or len(bad_starts) != len(bad_lines):
            return "CAST(NULL AS BIGINT)", "ingest_typed t"
        # DuckDB counts such a file's lines its own way: name the rejected records by their first line too.
        rejects.sort_values("line_no", inplace=True, kind="stable")
        rejects["line_no"] = bad_starts
    con.register("line_map_df", pd.DataFrame({"line": lines}))
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_line_map AS SELECT line FROM line_map_df")
    con.unregister("line_map_df")
    # Both tables were written in file order, so the n-th row is the n-th line DuckDB did not reject.
    return "m.line", "ingest_typed t POSITIONAL JOIN ingest_line_map m"


def _record_start_lines(path: Path, head: TextTable) -> tuple[np.ndarray, np.ndarray]:
    """First lines of the non-blank records after the header: (well-formed ones, wrong-width ones)."""
    encoding = "cp932" if head.encoding == "cp932" else "utf-8-sig"
    good, bad = [], []
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=head.delimiter)
        next(reader, None)
        start = reader.line_num + 1
        for cells in reader:
            first, start = start, reader.line_num + 1
            if cells:
                (good if len(cells) == len(head.header) else bad).append(first)
    return np.asarray(good, dtype=np.int64), np.asarray(bad, dtype=np.int64)


def _load_xapi(con, path: Path) -> tuple[pd.DataFrame, str]:
    """Read, type and flag an xAPI JSON-lines file into ingest_typed; return unreadable lines and encoding."""
    rows, rejected, _, encoding = read_xapi(path)
    con.register("xapi_rows", rows.rename(columns={"line_no": "src_line"}))
    con.execute(_typed_sql("xapi_rows", "raw_line"), {"na": NA_PATTERN, "na_first": NA_FIRST})
    con.unregister("xapi_rows")
    return pd.DataFrame(rejected, columns=["line_no", "column_name", "value", "reason", "raw_line"]), encoding


def repeated_hashes(con, sql: str, params: dict | None = None) -> np.ndarray:
    """The hashes (column h of `sql`) that occur more than once (see `repeated_values`)."""
    return repeated_values(np.asarray(con.execute(sql, params or {}).fetchnumpy()["h"], dtype=np.uint64))


def repeated_values(hashes: np.ndarray) -> np.ndarray:
    """The values of an array of 64-bit hashes that occur more than once, found without sorting the hashes.

    Two equal values share their top 32 bits, so the sort is of those (uint32 sorts ~1.6x faster), as two halves
    around the median in two threads (numpy lets go of the GIL while sorting). Top halves that repeat (about
    n^2 / 2^33 by chance: ~12,000 at 10 M) mark, through a 16 MB table on their top 24 bits, the few candidate
    values; only those are compared whole. The longest single-threaded step of a large load is ~0.2 s shorter.
    """
    if len(hashes) < 2:
        return np.empty(0, dtype=np.uint64)
    hashes = np.asarray(hashes, dtype=np.uint64)
    top = (hashes >> np.uint64(32)).astype(np.uint32)
    middle = len(top) // 2
    top.partition(middle)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(np.ndarray.sort, (top[:middle], top[middle:])))
    # Every value left of the middle is <= every value right of it, so the whole array is now sorted.
    shared = top[1:][top[1:] == top[:-1]]
    if not len(shared):
        return np.empty(0, dtype=np.uint64)
    marked = np.zeros(1 << 24, dtype=bool)
    marked[shared >> np.uint32(8)] = True
    candidates = np.sort(hashes[marked[hashes >> np.uint64(40)]])
    return np.unique(candidates[1:][candidates[1:] == candidates[:-1]])


def _repeat_hashes(con) -> None:
    """ingest_repeat_hashes: hashes of (student, material, ts) that more than one good row has.

    One sort of 10 M 64-bit hashes in numpy costs a fraction of a SQL GROUP BY with 10 M groups.
    """
    repeated = repeated_hashes(con, "SELECT hash(student_id, material_id, ts) AS h FROM ingest_typed WHERE NOT bad")
    con.register("repeat_hashes_df", pd.DataFrame({"h": repeated}))
    con.execute("CREATE OR REPLACE TEMP TABLE ingest_repeat_hashes AS "
                "SELECT CAST(h AS UBIGINT) AS h FROM repeat_hashes_df")
    con.unregister("repeat_hashes_df")


def write_interactions(con, path: Path, fmt: str, *, strict: bool, head: TextTable | None,
                       fast: bool = True) -> LoadSummary:
    """Read, check, quarantine and insert one file in an open writer connection (fast path first if allowed)."""
    started = utc_now()
    load_id = new_load_id("interactions")
    con.execute("SET TimeZone = 'UTC'")   # a ts without an offset is UTC, whatever the machine's zone
    try:
        if fast and fmt == "csv" and not strict:
            # Imported here: the fast path builds on this module's readers.
            from pipelines.interactions_fast import load_fast

            fast = load_fast(con, path, head, load_id=load_id, started=started)
            if fast is not None:
                return fast
        if fmt == "xapi":
            rejects, encoding = _load_xapi(con, path)
            line, lines_from = "t.src_line", "ingest_typed t"
        else:
            rejects = _load_csv(con, path, head)
            encoding = head.encoding
            line, lines_from = _csv_lines(con, path, head, rejects)
        for statement in read_sql("load/interactions_check.sql").split(";\n")[1:]:
            if "ingest_repeat_hashes" in statement:
                _repeat_hashes(con)
            if statement.strip():
                sql = statement.replace("/*LINE*/", line).replace(
                    "/*LINES_FROM*/", lines_from)
                con.execute(sql, {k: v for k, v in (("strict", strict), ("na", NA_PATTERN)) if f"${k}" in sql})
    finally:
        con.execute("RESET TimeZone")
    problems = con.execute("SELECT line_no, column_name, value, reason, raw_line FROM ingest_problems").df()
    bad_rows = con.execute("SELECT count(DISTINCT rid) FROM ingest_problems").fetchall()[0][0]
    rejected = pd.concat([rejects, problems], ignore_index=True) if len(rejects) else problems
    staged = con.execute("SELECT count(*) FROM ingest_typed").fetchall()[0][0]
    has_rows = con.execute("SELECT count(*) > 0 FROM core.interactions").fetchall()[0][0]
    loaded = con.execute(read_sql("load/interactions_insert.sql").replace(
        "/*ANTI*/", "ANTI JOIN core.interactions i ON i.student_id = g.student_id AND "
                    "i.material_id = g.material_id AND i.ts = g.ts" if has_rows else ""),
        {"source": path.name, "load": load_id}).fetchall()[0][0]
    new_materials = 0 if strict else con.execute(
        """INSERT INTO core.materials (material_id, title, created_at, source, load_id)
           SELECT i.material_id, i.material_id, $now, 'auto:' || $source, $load
           FROM (SELECT DISTINCT material_id FROM ingest_typed WHERE NOT bad) i
           ANTI JOIN core.materials m USING (material_id)""",
        {"now": started, "source": path.name, "load": load_id}).fetchall()[0][0]
    structural = int(rejects["line_no"].nunique()) if len(rejects) else 0
    quarantined, rows = bad_rows + structural, staged + structural
    record_load(con, load_id, "interactions", path.name, None, started, rows, loaded, quarantined)
    quarantine(con, load_id, path.name, rejected, started)
    for view in ("ingest_good", "ingest_lines"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("ingest_typed", "ingest_unknown", "ingest_bad", "ingest_problems", "ingest_repeats",
                  "ingest_line_map", "ingest_repeat_hashes"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return LoadSummary(rows, loaded, quarantined, reason_counts(rejected["reason"]), load_id, path.name, encoding,
                       head.ignored_columns if head else [],
                       {"already_loaded": staged - bad_rows - loaded, "new_materials": new_materials, "format": fmt,
                        "path": "exact"})


def ingest_interactions(db_path: str | Path, path: str | Path, *, fmt: str = "csv",
                        strict: bool = False, fast: bool = True) -> LoadSummary:
    """Check the file's header first (a missing column leaves the warehouse untouched), then load and publish."""
    path = Path(path)
    if fmt not in FORMATS:
        raise PipelineError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if not path.is_file():
        raise PipelineError(f"{path}: no such file")
    head = read_head(path, REQUIRED, OPTIONAL, normalise=normalise_column) if fmt == "csv" else None
    try:
        with write_transaction(db_path) as con:
            return write_interactions(con, path, fmt, strict=strict, head=head, fast=fast)
    except RepeatedRows:
        # The fast path saw a repeat only after its commit: that private copy was discarded, nothing published.
        with write_transaction(db_path) as con:
            return write_interactions(con, path, fmt, strict=strict, head=head, fast=False)
