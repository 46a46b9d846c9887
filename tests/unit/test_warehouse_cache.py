"""The app's one cache of warehouse reads: reused until a new warehouse file is published (atomic replace)."""
from __future__ import annotations

import os

import pytest

from dashboard.common.cache import by_published_version
from warehouse.connection import WarehouseMissing


def test_a_value_is_reused_until_a_new_warehouse_is_published(tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"first")
    calls = []

    def read():
        calls.append(db.read_bytes())
        return len(calls)

    assert [by_published_version(db, ("k",), read) for _ in range(3)] == [1, 1, 1]
    assert by_published_version(db, ("other",), read) == 2            # another key, its own value
    staged = tmp_path / "w.duckdb.next"
    staged.write_bytes(b"second!")
    os.replace(staged, db)                                              # how pipelines publish
    assert by_published_version(db, ("k",), read) == 3
    assert calls == [b"first", b"first", b"second!"]


def test_a_missing_warehouse_names_the_build_command(tmp_path):
    with pytest.raises(WarehouseMissing, match="pipelines build"):
        by_published_version(tmp_path / "none.duckdb", ("k",), lambda: 1)
