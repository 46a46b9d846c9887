"""Browser-test fixtures: the app on the shared warehouse, and live-path queries."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from warehouse.events import create_live_events_view


@pytest.fixture
def app(built_warehouse):
    """The Dash app, reading the run's shared demo warehouse."""
    from dashboard.app import app as dash_app

    return dash_app


def live_query(sql: str, params=None, live: bool = False):
    """Rows of a read-only query on the shared warehouse (plus not-yet-ingested events if live)."""
    con = duckdb.connect(os.environ["EDULOOP_DB"], read_only=True)
    try:
        if live:
            create_live_events_view(con, Path(os.environ["EDULOOP_EVENTS_DIR"]))
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
