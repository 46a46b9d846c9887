"""Fast path of `ingest-interactions` for clean CSV files: one parallel read-and-insert, no staging.

The exact path (pipelines.ingest_interactions) stages every row in file order to give each stored row
its line number, then writes again. Most real files are clean, so this path tries first: DuckDB reads
the file with typed columns and inserts every row into a table of the load's own holding only the file's
columns (warehouse.interaction_store; core.interactions shows it with source, load_id, completed = TRUE
and line_no NULL from core.interaction_loads). A row the checks would not store as it is fails that
statement (warehouse/sql/load/interactions_fast.sql), so no row is ever left out. The path keeps its result
only when it can prove the exact path would have stored the same rows and the same quarantine:
- DuckDB rejected records only for their field count (those get the exact path's wrong_field_count
  entries, with the same file lines: checked only then, by counting the file's lines, as every line after
  the header must be one record) — a cell it could not type sends the file to the exact path;
- no row failed (missing id or ts, Unix-seconds ts, number out of range, already loaded) and every id is
  known and plain (no unknown student, NA or padded id);
- no (student, material, ts) repeats within the file.
Otherwise it rolls back and the caller runs the exact path. The repeat test alone ends after the commit (see
load_fast). CP932 files, xAPI and --strict always take the exact path.

Student ids are stored as integer codes (warehouse.interaction_store): the insert's join to the roster gives them,
so it also proves every student known and plain, and the repeat test hashes integers.
"""
from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from pipelines.ingest_interactions import (
    NA_FIRST,
    NA_PATTERN,
    RepeatedRows,
    count_lines,
    csv_names,
    csv_source,
    repeated_values,
    structural_rejects,
)
from pipelines.ingest_materials import LoadSummary
from pipelines.load_records import quarantine, reason_counts, record_load
from pipelines.text_table import TextTable
from warehouse.interaction_store import (
    OPTIONAL,
    create_load_table,
    drop_load_table,
    keep_loaded_students,
    load_table,
    register_load,
    student_map,
)
from warehouse.schema import read_sql

# How the reader types each column; its casts are the checks' first tries (TRY_CAST to these types).
TYPES = {"student_id": "VARCHAR", "material_id": "VARCHAR", "ts": "TIMESTAMPTZ", "rating": "DOUBLE",
         "duration_s": "DOUBLE", "score": "DOUBLE"}
# DuckDB reject kinds that are a wrong field count (the exact path's structural reason).
FIELD_COUNT = ("MISSING COLUMNS", "TOO MANY COLUMNS")
# An already loaded (student, material, ts) fails the statement: the exact path counts it as already_loaded.
OLD = ("LEFT JOIN core.interactions i ON i.student_id = t.student_id AND i.material_id = t.material_id "
       "AND i.ts = make_timestamp(epoch_us(t.ts))")


def _run(con, path: Path, head: TextTable, pool: ThreadPoolExecutor) -> tuple[int, int | None, Future]:
    """The fast statements (interactions_fast.sql): (load_no, rows inserted, the (student, material, ts) hashes
    that repeat, sorted out in `pool`), None rows when a material id needs the exact path. Raises duckdb.Error when
    a row does."""
    source, _ = csv_source(head, TYPES)
    has_rows = con.execute("SELECT EXISTS (SELECT 1 FROM core.interactions)").fetchall()[0][0]
    names = csv_names(head)
    optional = [n for n in OPTIONAL if n in names]
    params = {"path": str(path), "delim": head.delimiter, "names": names,
              "types": [TYPES.get(n, "VARCHAR") for n in names], "na": NA_PATTERN, "na_first": NA_FIRST}
    macro, insert, materials, odd_materials, roster = (
        s for s in read_sql("load/interactions_fast.sql").split(";\n") if s.strip())
    con.execute(macro)
    load_no = create_load_table(con, optional, roster, _used(roster, params))
    table = load_table(load_no)
    insert = insert.replace("/*TABLE*/", table).replace("/*MAP*/", student_map(load_no)).replace(
        "/*SOURCE*/", source).replace("/*OPTIONAL*/", "".join(f", t.{n}" for n in optional))
    insert = insert.replace("/*OLD*/", OLD if has_rows else "").replace(
        "/*NEW*/", "AND i.student_id IS NULL" if has_rows else "")
    con.execute("SET preserve_insertion_order = false")   # no line numbers here, so order is free (reset by caller)
    loaded = con.execute(insert, _used(insert, params)).fetchall()[0][0]
    hashes = np.asarray(con.execute(f"SELECT hash(student_code, material_id, ts) AS h FROM {table}")
                        .fetchnumpy()["h"], dtype=np.uint64)
    repeats = pool.submit(repeated_values, hashes)   # sorts in numpy threads while DuckDB goes on
    con.execute(materials.replace("/*TABLE*/", table))
    odd = con.execute(odd_materials, _used(odd_materials, params)).fetchall()[0][0]
    if not odd:
        keep_loaded_students(con, load_no)
    return load_no, None if odd else loaded, repeats


def _used(sql: str, params: dict) -> dict:
    """The parameters a statement names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _provably_exact(con, path: Path, head: TextTable, loaded: int):
    """The structural rejects when the inserted rows are exactly what the exact path would store (repeats aside,
    see load_fast), else None."""
    others = con.execute("SELECT count(*) FROM ingest_rejects WHERE error_type NOT IN (SELECT unnest($kinds))",
                         {"kinds": list(FIELD_COUNT)}).fetchall()[0][0]
    if others:
        return None
    rejects = structural_rejects(con, head)
    # The rejects' line numbers are the exact path's only when every line after the header is one record.
    if len(rejects) and count_lines(path, crlf_only=True) != 1 + loaded + len(rejects):
        return None
    return rejects


def load_fast(con, path: Path, head: TextTable, *, load_id: str, started: datetime) -> LoadSummary | None:
    """Load a clean CSV in one parallel pass; None, with nothing changed, when only the exact path can.

    The repeat test (a sort of every row's hash) is the one check that ends after the commit: the load commits
    while it runs, into the private copy write_transaction publishes only on success. If a row repeats after all,
    RepeatedRows makes the caller discard that copy and run the exact path (which quarantines the repeats).
    """
    if head.encoding == "cp932":
        return None
    with ThreadPoolExecutor(1) as pool:
        con.execute("BEGIN TRANSACTION")
        try:
            load_no, loaded, repeats = _run(con, path, head, pool)
            rejects = None if loaded is None else _provably_exact(con, path, head, loaded)
        except duckdb.Error:   # e.g. bytes that are not UTF-8: the exact path reads (or names) them
            rejects = None
        if rejects is None:
            con.execute("ROLLBACK")
            # Not undone by the rollback, and the exact path's line numbers need the file order.
            con.execute("RESET preserve_insertion_order")
            _drop_temps(con)
            return None
        summary = _commit(con, path, head, load_no, loaded, rejects, load_id=load_id, started=started)
        if len(repeats.result()):
            raise RepeatedRows(path.name)
    return summary


def _commit(con, path: Path, head: TextTable, load_no: int, loaded: int, rejects, *, load_id: str,
            started: datetime) -> LoadSummary:
    """Record the fast load (new materials, its table, the load and its quarantine) and commit it."""
    new_materials = con.execute(
        """INSERT INTO core.materials (material_id, title, created_at, source, load_id)
           SELECT i.material_id, i.material_id, $now, 'auto:' || $source, $load
           FROM ingest_fast_ids i ANTI JOIN core.materials m USING (material_id)""",
        {"now": started, "source": path.name, "load": load_id}).fetchall()[0][0]
    if loaded:
        register_load(con, load_no, load_id, path.name, started)
    else:   # nothing to show: no empty table left behind
        drop_load_table(con, load_no)
    rows, quarantined = loaded + len(rejects), len(rejects)
    record_load(con, load_id, "interactions", path.name, None, started, rows, loaded, quarantined)
    quarantine(con, load_id, path.name, rejects, started)
    con.execute("COMMIT")
    con.execute("RESET preserve_insertion_order")
    _drop_temps(con)
    return LoadSummary(rows, loaded, quarantined, reason_counts(rejects["reason"]), load_id, path.name,
                       head.encoding, head.ignored_columns,
                       {"already_loaded": 0, "new_materials": new_materials, "format": "csv", "path": "fast"})


def _drop_temps(con) -> None:
    """Drop what the fast path left in the session (the exact path makes its own)."""
    for table in ("ingest_rejects", "ingest_rejects_scan", "ingest_fast_ids"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute("DROP MACRO IF EXISTS ingest_plain_id")
