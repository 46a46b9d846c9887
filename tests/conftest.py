"""Shared fixtures: an isolated data folder per test run, a small built warehouse, headless Chromium."""
from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_env(data_dir: Path) -> dict[str, str]:
    """Environment for a subprocess that uses its own data folder."""
    env = dict(os.environ)
    env.update(EDULOOP_DATA_DIR=str(data_dir), EDULOOP_DB=str(data_dir / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(data_dir / "events"), PYTHONPATH=str(ROOT))
    return env


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


PYTHON = sys.executable


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *options: str):
    """Serve the app with gunicorn on a free port until the block ends; yield (base URL, port)."""
    import signal
    import subprocess
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([str(Path(PYTHON).with_name("gunicorn")), "dashboard.app:server", "--bind",
                             f"127.0.0.1:{port}", "--no-control-socket", *options],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            proc.kill()
            pytest.fail("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
        yield base, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def live_query(sql: str, params=None, live: bool = False):
    """Rows of a read-only query on the shared warehouse (plus not-yet-ingested events if live)."""
    import duckdb

    from warehouse.events import create_live_events_view

    con = duckdb.connect(os.environ["EDULOOP_DB"], read_only=True)
    try:
        if live:
            create_live_events_view(con, Path(os.environ["EDULOOP_EVENTS_DIR"]))
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
