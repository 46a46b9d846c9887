"""A real gunicorn serving the app on a free port, for load, fuzz and several-node tests."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import PYTHON, ROOT, free_port


@contextlib.contextmanager
def gunicorn_node(env: dict[str, str], *options: str):
    """Serve the app with gunicorn on a free port until the block ends; yield (base URL, port, master process)."""
    port = free_port()
    # stderr goes to a file, not a pipe nobody drains: a chatty server must never block on a full pipe
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([str(Path(PYTHON).with_name("gunicorn")), "dashboard.app:server", "--bind",
                                 f"127.0.0.1:{port}", "--no-control-socket", *options],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            up = False
            for _ in range(300):   # up to ~60 s: two cold nodes on a busy 2-core machine
                if proc.poll() is not None:
                    break
                try:
                    urllib.request.urlopen(base + "/api/v1/health", timeout=2)
                    up = True
                    break
                except OSError:
                    time.sleep(0.2)
            if not up:
                proc.kill()
                proc.wait()
                log.seek(0)
                pytest.fail("gunicorn did not start: " + log.read().decode(errors="replace")[-2000:])
            yield base, port, proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], *options: str):
    """Serve the app with gunicorn on a free port until the block ends; yield (base URL, port)."""
    with gunicorn_node(env, *options) as (base, port, _proc):
        yield base, port


def worker_pids(master: subprocess.Popen) -> set[int]:
    """The pids of a gunicorn master's worker processes (its children, read from /proc)."""
    return {int(pid) for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()}
