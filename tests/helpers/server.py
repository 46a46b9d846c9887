"""A real gunicorn serving the app on a free port, for load and fuzz tests."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import PYTHON, ROOT, free_port


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *options: str):
    """Serve the app with gunicorn on a free port until the block ends; yield (base URL, port)."""
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
