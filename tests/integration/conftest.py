"""Fixtures of the integration tests."""
from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def copy(built_warehouse, tmp_path, monkeypatch):
    """A private copy of the built warehouse; new artifacts go to its own models folder."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, db)
    monkeypatch.setenv("EDULOOP_MODELS_DIR", str(tmp_path / "models"))
    return db
