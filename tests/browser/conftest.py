"""Browser-test fixtures: the app on the shared warehouse (live-path queries: tests.helpers.live_query)."""
from __future__ import annotations

import pytest


@pytest.fixture
def app(built_warehouse):
    """The Dash app, reading the run's shared demo warehouse."""
    from dashboard.app import app as dash_app

    return dash_app
