"""Fixtures of the integration tests."""
from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def copy(built_warehouse, tmp_path, monkeypatch, own_lake):
    """A private copy of the built warehouse and of its event lake; new artifacts go to its own models folder."""
    from tests.helpers import run_lake
    from warehouse.lake import events_root

    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, db)
    if events_root(run_lake()).exists():   # the copy's next write points its core.events at this test's lake
        shutil.copytree(events_root(run_lake()), events_root(own_lake))
    monkeypatch.setenv("EDULOOP_MODELS_DIR", str(tmp_path / "models"))
    return db
