"""How interactions are stored: core.interactions is a view over core.interaction_rows and one table per fast load.

The fast path of `ingest-interactions` writes a clean file into a table of its own, core.interactions_<NNNNNN>,
holding only the file's columns; what is the same for every row of the load (source, load_id, completed,
line_no) is stored once, in core.interaction_loads. Writing those constant columns row by row cost about a
third of a 10 M-row load. Readers see one relation with every column: the view core.interactions, rebuilt here
after each such load and by apply_schema. Table names come from integers only; file names and load ids stay
values in core.interaction_loads, never SQL text.

A large load may store student_id as an ENUM of the roster's ids (core.interactions_<NNNNNN>_students, made at
load time): the insert's cast then refuses an unknown student by itself, and the column is a small integer, not a
string (a 10 M-row load table is 26 MB instead of 65 MB, and its later scans hash integers). The view casts it back
to VARCHAR, so readers see the same column either way.
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


def _load_select(load_no: int, columns: set[str]) -> str:
    """One load table's rows with every view column (absent file columns NULL, per-load ones from its loads row)."""
    items = []
    for name, sql_type in VIEW_COLUMNS:
        if name in _PER_LOAD:
            items.append(f"{_PER_LOAD[name]} AS {name}")
        else:
            # The cast turns a roster ENUM student_id back into text (a no-op on the other columns).
            items.append(f"CAST(t.{name} AS {sql_type}) AS {name}" if name in columns
                         else f"CAST(NULL AS {sql_type}) AS {name}")
    return (f"SELECT {', '.join(items)} FROM {load_table(load_no)} t "
            f"JOIN core.interaction_loads l ON l.load_no = {int(load_no)}")


def refresh_interactions_view(con) -> None:
    """(Re)create core.interactions over core.interaction_rows and every load table listed in core.interaction_loads."""
    names = ", ".join(name for name, _ in VIEW_COLUMNS)
    parts = [f"SELECT {names} FROM core.interaction_rows"]
    for (load_no,) in con.execute("SELECT load_no FROM core.interaction_loads ORDER BY load_no").fetchall():
        parts.append(_load_select(load_no, table_columns(con, "core", load_table(load_no).split(".")[1])))
    con.execute("CREATE OR REPLACE VIEW core.interactions AS\n" + "\nUNION ALL ".join(parts))


def roster_type(load_no: int) -> str:
    """The ENUM type of load `load_no`'s student ids, when it has one (schema-qualified; from an integer only)."""
    return f"{load_table(load_no)}_students"


def create_load_table(con, optional: list[str], roster: str | None = None, params: dict | None = None) -> int:
    """Create the next load table with the file's optional columns; return its load_no (registered by register_load).

    NOT NULL on the three required columns: a row without one fails the insert (the caller then takes the exact
    path), so every stored row is one the checks would store. With `roster` (a query of distinct student ids,
    bound with `params`), student_id is an ENUM of those ids, and a row with any other id fails the insert too.
    """
    load_no = con.execute("SELECT coalesce(max(load_no), 0) + 1 FROM core.interaction_loads").fetchone()[0]
    student_type = "VARCHAR"
    if roster is not None:
        con.execute(f"CREATE TYPE {roster_type(load_no)} AS ENUM ({roster})", params or {})
        student_type = roster_type(load_no)
    extra = "".join(f", {name} DOUBLE" for name in OPTIONAL if name in optional)
    con.execute(f"CREATE TABLE {load_table(load_no)} (student_id {student_type} NOT NULL, "
                f"material_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL{extra})")
    return load_no


def drop_load_table(con, load_no: int) -> None:
    """Drop an unregistered load table and its roster ENUM, if it has one."""
    con.execute(f"DROP TABLE {load_table(load_no)}")
    con.execute(f"DROP TYPE IF EXISTS {roster_type(load_no)}")


def register_load(con, load_no: int, load_id: str, source: str, at: datetime) -> None:
    """Record a filled load table in core.interaction_loads and show its rows in core.interactions."""
    con.execute("INSERT INTO core.interaction_loads VALUES (?, ?, ?, ?)", [load_no, load_id, source, at])
    refresh_interactions_view(con)
