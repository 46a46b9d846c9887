"""How interactions are stored: core.interactions is a view over core.interaction_rows and one table per fast load.

The fast path of `ingest-interactions` writes a clean file into a table of its own, core.interactions_<NNNNNN>,
holding only the file's columns; what is the same for every row of the load (source, load_id, completed,
line_no) is stored once, in core.interaction_loads. Writing those constant columns row by row cost about a
third of a 10 M-row load. Readers see one relation with every column: the view core.interactions, rebuilt here
after each such load and by apply_schema. Table names come from integers only; file names and load ids stay
values in core.interaction_loads, never SQL text.

A fast load stores each student as an integer code (student_code), not its id: core.interactions_<NNNNNN>_students
maps the codes to ids, for the students of that load only. The insert's join to the roster gives the code, so the
same join refuses an unknown student. An integer is cheap to compress and to hash, where DuckDB's compression of
100,000 distinct string ids costs about 1.4 s of CPU per 10 M rows (reading the file costs 2.4 s). A warehouse
holding a 10 M-row load is 35 MB instead of 74 MB, the insert ~25 % faster, and reads through the view are no
slower (a filter on student_id reaches the map first). Loads written before the codes keep their student_id
column; the view reads both.
"""
from __future__ import annotations

from datetime import datetime

from warehouse.schema import table_columns

# The view's columns, in order, with the type a load table's missing column is NULL of.
VIEW_COLUMNS = (("student_id", "VARCHAR"), ("material_id", "VARCHAR"), ("rating", "DOUBLE"),
                ("completed", "BOOLEAN"), ("ts", "TIMESTAMP"), ("score", "DOUBLE"), ("duration_s", "DOUBLE"),
                ("source", "VARCHAR"), ("load_id", "VARCHAR"), ("line_no", "INTEGER"))
# Optional columns a load table has when its file has them.
OPTIONAL = ("rating", "duration_s", "score")
# Stored once per load (core.interaction_loads) or the same for every row of a fast load.
_PER_LOAD = {"completed": "TRUE", "source": "l.source", "load_id": "l.load_id", "line_no": "CAST(NULL AS INTEGER)"}


def load_table(load_no: int) -> str:
    """The table of fast load `load_no` (schema-qualified; from an integer only)."""
    return f"core.interactions_{int(load_no):06d}"


def student_map(load_no: int) -> str:
    """The code -> student_id table of fast load `load_no` (schema-qualified; from an integer only)."""
    return f"{load_table(load_no)}_students"


def _load_select(load_no: int, columns: set[str]) -> str:
    """One load table's rows with every view column (absent file columns NULL, per-load ones from its loads row)."""
    items = []
    for name, sql_type in VIEW_COLUMNS:
        if name in _PER_LOAD:
            items.append(f"{_PER_LOAD[name]} AS {name}")
        elif name == "student_id" and "student_code" in columns:
            items.append("m.student_id")
        else:
            items.append(f"t.{name}" if name in columns else f"CAST(NULL AS {sql_type}) AS {name}")
    students = (f" JOIN {student_map(load_no)} m ON m.code = t.student_code" if "student_code" in columns else "")
    return (f"SELECT {', '.join(items)} FROM {load_table(load_no)} t{students} "
            f"JOIN core.interaction_loads l ON l.load_no = {int(load_no)}")


def refresh_interactions_view(con) -> None:
    """(Re)create core.interactions over core.interaction_rows and every load table listed in core.interaction_loads."""
    names = ", ".join(name for name, _ in VIEW_COLUMNS)
    parts = [f"SELECT {names} FROM core.interaction_rows"]
    for (load_no,) in con.execute("SELECT load_no FROM core.interaction_loads ORDER BY load_no").fetchall():
        parts.append(_load_select(load_no, table_columns(con, "core", load_table(load_no).split(".")[1])))
    con.execute("CREATE OR REPLACE VIEW core.interactions AS\n" + "\nUNION ALL ".join(parts))


def create_load_table(con, optional: list[str], roster: str, params: dict | None = None) -> int:
    """Create the next load table with the file's optional columns, and its student map from `roster` (a query of
    (code, student_id) with distinct codes below 2^32, bound with `params`); return its load_no (registered by
    register_load).

    NOT NULL on the three required columns: a row without one fails the insert (the caller then takes the exact
    path), so every stored row is one the checks would store.
    """
    load_no = con.execute("SELECT coalesce(max(load_no), 0) + 1 FROM core.interaction_loads").fetchone()[0]
    con.execute(f"""CREATE TABLE {student_map(load_no)} AS
                    SELECT CAST(code AS UINTEGER) AS code, student_id FROM ({roster})""",
                params or {})
    extra = "".join(f", {name} DOUBLE" for name in OPTIONAL if name in optional)
    con.execute(f"CREATE TABLE {load_table(load_no)} (student_code UINTEGER NOT NULL, "
                f"material_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL{extra})")
    return load_no


def keep_loaded_students(con, load_no: int) -> None:
    """Shrink a filled load's student map to the students it has rows of (it starts as the whole roster)."""
    con.execute(f"""DELETE FROM {student_map(load_no)}
                    WHERE code NOT IN (SELECT DISTINCT student_code FROM {load_table(load_no)})""")


def drop_load_table(con, load_no: int) -> None:
    """Drop an unregistered load table and its student map."""
    con.execute(f"DROP TABLE {load_table(load_no)}")
    con.execute(f"DROP TABLE IF EXISTS {student_map(load_no)}")


def register_load(con, load_no: int, load_id: str, source: str, at: datetime) -> None:
    """Record a filled load table in core.interaction_loads and show its rows in core.interactions."""
    con.execute("INSERT INTO core.interaction_loads VALUES (?, ?, ?, ?)", [load_no, load_id, source, at])
    refresh_interactions_view(con)
