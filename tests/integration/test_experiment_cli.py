"""`python -m pipelines experiment`: create, list, stop, results on a demo warehouse (exit code 2 on bad input)."""
import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT, run_env


def _cli(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=run_env(data_dir),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_experiment_lifecycle(fresh_dir):
    assert _cli(fresh_dir, "build", "--scale", "300", "--skip-models", "--as-of", "2026-11-01").returncode == 0
    listed = json.loads(_cli(fresh_dir, "experiment", "list", "--json").stdout)["experiments"]
    assert [(e["key"], e["primary_action"], e["variants"]) for e in listed] == [("advice-v1", "follow", ["A", "B"])]
    created = _cli(fresh_dir, "experiment", "create", "canary-m2", "--variants", "champion,challenger",
                   "--allocation", "90,10", "--primary", "follow", "--kind", "canary", "--start", "2026-11-01")
    assert created.returncode == 0, created.stderr
    again = _cli(fresh_dir, "experiment", "create", "canary-m2", "--variants", "a,b", "--primary", "follow")
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = _cli(fresh_dir, "experiment", "create", "x", "--variants", "a,b", "--allocation", "1", "--primary", "f")
    assert bad.returncode == 2 and "--allocation" in bad.stderr
    assert _cli(fresh_dir, "experiment", "stop", "canary-m2").returncode == 0
    assert _cli(fresh_dir, "experiment", "stop", "canary-m2").returncode == 2
    listed = json.loads(_cli(fresh_dir, "experiment", "list", "--json").stdout)["experiments"]
    assert {e["key"]: e["status"] for e in listed} == {"advice-v1": "running", "canary-m2": "stopped"}
    results = json.loads(_cli(fresh_dir, "experiment", "results", "advice-v1", "--json").stdout)
    assert [v["variant"] for v in results["variants"]] == ["A", "B"]
    assert all(v["sessions"] > 0 and v["clicks"] <= v["impressions"] for v in results["variants"])
