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


def write_lake_events(con, select_sql: str, params=None, lake_dir: Path | None = None) -> int:
    """Add events to the lake a warehouse connection reads (`lake_dir` for one in memory), through the lake
    writer; return rows written. `select_sql` yields core.events columns (missing ones are NULL)."""
    from warehouse.lake import load_events

    return load_events(con, select_sql, params, lake_dir)


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
