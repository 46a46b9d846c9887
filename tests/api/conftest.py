"""Fixtures of the API tests."""
from __future__ import annotations

import shutil

import pytest

from tests.helpers.ops import point_app_at


@pytest.fixture(scope="module")
def client(built_warehouse):
    """The app's Flask test client on the shared built warehouse."""
    from dashboard.app import server

    return server.test_client()


@pytest.fixture(scope="module")
def private_folder(built_warehouse, tmp_path_factory):
    """A private copy of the shared warehouse, with its own (empty) event folder."""
    folder = tmp_path_factory.mktemp("private")
    shutil.copyfile(built_warehouse, folder / "warehouse.duckdb")
    (folder / "events").mkdir()
    return folder


@pytest.fixture
def private_client(private_folder, monkeypatch):
    """The app's Flask test client on the private copy (no admin password)."""
    from dashboard.app import server

    point_app_at(monkeypatch, private_folder)
    monkeypatch.delenv("EDULOOP_ADMIN_PASSWORD", raising=False)
    return server.test_client()
