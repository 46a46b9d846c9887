"""Cold start: gunicorn started as `make run` starts it answers every parallel script request with 200.

Dash finishes its server setup lazily on the first request; without the warm-up in gunicorn.conf.py a fresh
worker answered some of a page's parallel script requests with 500 ("react is not a registered library").
"""
from __future__ import annotations

import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import PYTHON, ROOT, free_port, run_env

pytestmark = pytest.mark.slow
RESTARTS = 3
ROUNDS = 3   # bursts per restart: the first lands while the workers are still booting


def serve_command(port: int) -> list[str]:
    """The Makefile's `serve` recipe (what `make run` runs), with its variables filled in."""
    recipe = re.search(r"^serve:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    values = {"BIN": str(Path(PYTHON).parent), "PORT": str(port), "WORKERS": "2"}
    return shlex.split(re.sub(r"\$\((\w+)\)", lambda m: values[m.group(1)], recipe))


def test_procfile_and_makefile_use_the_warming_config():
    assert "-c gunicorn.conf.py" in (ROOT / "Procfile").read_text()
    assert serve_command(8050)[1:3] == ["-c", "gunicorn.conf.py"]
    assert "--workers 2 --threads 4" in " ".join(serve_command(8050))


def _component_urls() -> list[str]:
    """Every script, stylesheet and lazily loaded chunk the page can ask for."""
    from dashboard.app import app
    from dashboard.common.warmup import component_urls, warm_up

    warm_up(app)   # in this process only, to learn the URLs; the server under test starts cold
    urls = component_urls(app)
    assert any("async-graph" in u for u in urls) and any("async-table" in u for u in urls)
    return urls + ["/", "/assets/bootstrap.min.css"]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_for_socket(port: int, proc: subprocess.Popen) -> None:
    """Until the arbiter listens (workers may still be booting: requests queue on the socket)."""
    for _ in range(300):
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("gunicorn never listened")


def test_parallel_script_requests_right_after_start_all_answer_200(fresh_dir):
    urls = _component_urls()
    failures = []
    for restart in range(RESTARTS):
        port = free_port()
        proc = subprocess.Popen(serve_command(port), cwd=ROOT, env=run_env(fresh_dir),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for_socket(port, proc)
            base = f"http://127.0.0.1:{port}"
            with ThreadPoolExecutor(max_workers=16) as pool:
                for _ in range(ROUNDS):
                    statuses = list(pool.map(_status, [base + u for u in urls]))
                    failures += [(restart, u, s) for u, s in zip(urls, statuses, strict=True) if s != 200]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    assert failures == []
    assert len(urls) > 20
