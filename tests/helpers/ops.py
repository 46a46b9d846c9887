"""Helpers for the Operations tests and bench: data-only demo warehouses and Basic auth headers."""
from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from pipelines.build import BuildOptions, build


def build_data_only(folder: Path, *, scale: int = 300, seed: int = 11, as_of: date | None = None,
                    drift: bool = False) -> tuple[Path, Path]:
    """Build a demo warehouse without the model steps (another fixture may have registered them)."""
    build(BuildOptions(db_path=folder / "warehouse.duckdb", events_dir=folder / "events", scale=scale,
                       seed=seed, as_of=as_of, drift=drift, quiet=True))
    return folder / "warehouse.duckdb", folder / "events"


def point_app_at(monkeypatch, folder: Path) -> None:
    """Make the app (settings are read per call) use this folder's warehouse and event logs."""
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(folder))
    monkeypatch.setenv("EDULOOP_DB", str(folder / "warehouse.duckdb"))
    monkeypatch.setenv("EDULOOP_EVENTS_DIR", str(folder / "events"))


def basic_auth(user: str, password: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
