"""Browser-test fixtures: the app on the shared demo warehouse (live-path queries: tests.helpers.live_query),
and the app on a real warehouse (a student CSV only: no materials, interactions or events)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import PYTHON, ROOT, run_env
from tests.helpers.files import write_kaggle_csv
from tests.helpers.ops import point_app_at

REAL_STUDENTS = 200


@pytest.fixture
def app(built_warehouse):
    """The Dash app, reading the run's shared demo warehouse."""
    from dashboard.app import app as dash_app

    return dash_app


@pytest.fixture(scope="session")
def real_warehouse_dir(tmp_path_factory) -> Path:
    """A folder whose warehouse was built as a user does: `python -m pipelines build --students FILE.csv`."""
    folder = tmp_path_factory.mktemp("real-warehouse")
    students = write_kaggle_csv(folder / "students.csv", n=REAL_STUDENTS)
    done = subprocess.run([PYTHON, "-m", "pipelines", "build", "--students", str(students)], cwd=ROOT,
                          env=run_env(folder), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return folder


@pytest.fixture
def real_app(real_warehouse_dir, monkeypatch):
    """The Dash app reading the real (student-file-only) warehouse."""
    from dashboard.app import app as dash_app

    point_app_at(monkeypatch, real_warehouse_dir)
    return dash_app
