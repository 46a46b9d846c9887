"""Fixtures of the API tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(built_warehouse):
    """The app's Flask test client on the shared built warehouse."""
    from dashboard.app import server

    return server.test_client()
