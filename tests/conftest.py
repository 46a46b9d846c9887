"""Shared fixtures: an isolated data folder per test run, a small built warehouse, headless Chromium."""
from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

# Every run gets its own data folder, so tests never touch data/ or each other's state. Set before
# any project import, because the app reads these variables.
# xdist workers inherit the controller's folder through EDULOOP_TEST_RUN_DIR.
_RUN_DIR = Path(os.environ.get("EDULOOP_TEST_RUN_DIR") or tempfile.mkdtemp(prefix="eduloop-test-"))
os.environ["EDULOOP_TEST_RUN_DIR"] = str(_RUN_DIR)
os.environ["EDULOOP_DATA_DIR"] = str(_RUN_DIR)
os.environ["EDULOOP_DB"] = str(_RUN_DIR / "warehouse.duckdb")
os.environ["EDULOOP_EVENTS_DIR"] = str(_RUN_DIR / "events")
os.environ.pop("EDULOOP_ADMIN_PASSWORD", None)
AS_OF = date(2026, 11, 1)


def pytest_setup_options():
    """Chrome options for dash_duo: Debian's headless Chromium, no network chatter."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--disable-extensions", "--window-size=1280,900",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    return options


def pytest_collection_modifyitems(items):
    """A test on the shared built warehouse is slow: building it (1,000 students, every model) takes
    30-50 s once per run, so `make test-fast` (-m "not slow") leaves those tests to `make test`."""
    for item in items:
        if "built_warehouse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def built_warehouse() -> Path:
    """The run's shared warehouse: 1,000 demo students with models, built once per worker."""
    from pipelines.build import BuildOptions, build
    from pipelines.steps import post_build_steps

    db = Path(os.environ["EDULOOP_DB"])
    lock = db.with_name("fixture.lock")
    import fcntl

    with open(lock, "a+") as fh:   # xdist workers share the folder: build once
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not db.exists():
            build(BuildOptions(db_path=db, events_dir=Path(os.environ["EDULOOP_EVENTS_DIR"]),
                               scale=1000, seed=7, as_of=AS_OF, quiet=True, post_steps=post_build_steps()))
        fcntl.flock(fh, fcntl.LOCK_UN)
    return db


@pytest.fixture
def fresh_dir(tmp_path: Path) -> Path:
    """An empty data folder for tests that need their own warehouse."""
    (tmp_path / "events").mkdir()
    return tmp_path
