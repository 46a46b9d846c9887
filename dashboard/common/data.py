"""Warehouse reads every tab shares: where the data came from (demo generator or real files/app)."""
from __future__ import annotations

from pathlib import Path

from dashboard.common.cache import by_published_version
from warehouse.connection import read_only
from warehouse.provenance import data_provenance


def current_provenance(db_path: str | Path) -> dict:
    """data_provenance of the published warehouse, re-read only when a new warehouse is published."""
    def read() -> dict:
        with read_only(db_path) as con:
            return data_provenance(con)

    return by_published_version(db_path, ("provenance",), read)
