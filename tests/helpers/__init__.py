"""Test helpers (import from here, never from conftest.py or another test module)."""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_env(data_dir: Path) -> dict[str, str]:
    """Environment for a subprocess that uses its own data folder."""
    env = dict(os.environ)
    env.update(EDULOOP_DATA_DIR=str(data_dir), EDULOOP_DB=str(data_dir / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(data_dir / "events"), PYTHONPATH=str(ROOT))
    return env


def run_lake() -> Path:
    """The event lake of the run's shared warehouse (each test has its own EDULOOP_LAKE)."""
    return Path(os.environ["EDULOOP_TEST_RUN_DIR"]) / "lake"


def write_lake_events(con, select_sql: str, params=None) -> int:
    """Add events to the lake a warehouse connection reads, through the lake writer; return rows written.

    `select_sql` yields core.events columns (missing ones are NULL); tests use it instead of an INSERT.
    """
    from datetime import datetime

    from warehouse.lake import LAKE_COLUMNS, VIEW_TYPES, append_events, create_events_view, lake_dir_of

    con.execute(f"CREATE OR REPLACE TEMP TABLE test_events AS {select_sql}", params or {})
    given = {name for (name,) in con.execute("SELECT column_name FROM (DESCRIBE test_events)").fetchall()}
    columns = ", ".join(f"CAST({name if name in given else 'NULL'} AS {VIEW_TYPES[name]}) AS {name}"
                        for name in LAKE_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE test_events AS SELECT {columns} FROM test_events")
    written = append_events(con, "test_events", lake_dir_of(con))
    con.execute("DROP TABLE test_events")
    create_events_view(con, lake_dir_of(con), datetime.now())
    return written


PYTHON = sys.executable
# One valid student record (the model's seven inputs) for API and model tests.
SAMPLE_STUDENT = {"gender": "female", "race_ethnicity": "group B", "parental_education": "bachelor's degree",
                  "lunch": "standard", "test_prep": "none", "reading_score": 72, "writing_score": 74}


def live_query(sql: str, params=None, live: bool = False):
    """Rows of a read-only query on the shared warehouse (plus not-yet-ingested events if live)."""
    import duckdb

    from warehouse.events import create_live_events_view

    con = duckdb.connect(os.environ["EDULOOP_DB"], read_only=True)
    try:
        if live:
            create_live_events_view(con, Path(os.environ["EDULOOP_EVENTS_DIR"]))
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
