"""Several app nodes (issue 16, item 3): two gunicorn instances on different ports share one data folder.

The shared folder stands in for a shared volume: both nodes read the same published warehouse file and
append their events to their own per-process files in the same event folder; `ingest-events` (run by any
one host) loads them all. What is per node, stated here rather than hidden: the failed-login limiter
counts in memory per worker process, so with N nodes of W workers a client address gets up to
N x W x 10 failed logins a minute (docs/SECURITY.md), and each node keeps its own caches, which are keyed
by the published file's identity and the event files' sizes, so they see another node's events and
another host's publish.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import duckdb
import pytest

from dashboard.api.guards import FAILED_LOGIN_LIMIT
from tests.helpers import PYTHON, ROOT, SAMPLE_STUDENT, free_port, run_env
from tests.helpers.ops import basic_auth
from tests.helpers.server import gunicorn_node, worker_pids

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("two_nodes")]

PASSWORD = "both nodes share this admin password"
ADMIN = basic_auth("admin", PASSWORD)
# One worker per node makes every check exact: the live view's cache and the failed-login counter are one per node.
# Several workers per node are covered by test_concurrency.py (3 workers); the limiter then counts per worker.
WORKERS = 1
LIVE_TIMEOUT_S = 5.0   # the bound: a click on one node shows in the other's live view within 5 s


@dataclass
class Node:
    """One running gunicorn instance."""

    base: str
    port: int
    master: subprocess.Popen


@dataclass
class Cluster:
    """Two nodes on one data folder."""

    folder: Path
    env: dict[str, str]
    a: Node
    b: Node


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-nodes")
    # Everything under the one shared folder, the event lake included (never the test run's own lake).
    env = {**run_env(folder), "EDULOOP_LAKE": str(folder / "lake"), "EDULOOP_ADMIN_PASSWORD": PASSWORD}
    subprocess.run([PYTHON, "-m", "pipelines", "build", "--scale", "300", "--seed", "5"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    options = ("-c", "gunicorn.conf.py", "--workers", str(WORKERS), "--threads", "4", "--timeout", "60")
    with gunicorn_node(env, *options) as a, gunicorn_node(env, *options) as b:
        yield Cluster(folder, env, Node(*a), Node(*b))


# ---- HTTP --------------------------------------------------------------------------------------------
def call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """(status, JSON body) of a GET, or of a POST when a body is given."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read()
            return answer.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text.startswith(b"{") else {}


def status_from(address: str, port: int, path: str, headers: dict) -> int:
    """The status of a GET sent from a given local source address (another client to the limiter)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(address, 0))
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def callback(node: Node, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    """Run an Operations Dash callback on a node as the browser's live refresh does; {id: {prop: value}}."""
    single = len(outputs) == 1
    spec = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": f"{outputs[0][0]}.{outputs[0][1]}" if single else
            ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
            "outputs": spec[0] if single else spec,
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": ["operations-interval.n_intervals"],
            "state": [{"id": "operations-lang", "property": "data", "value": "en"},
                      {"id": "operations-big", "property": "data", "value": None}]}
    status, answer = call(node.base + "/_dash-update-component", body, ADMIN)
    assert status == 200, (status, answer)
    return answer["response"]


def find(tree, element_id: str):
    """The component with this id inside a serialized Dash component tree (None if absent)."""
    if isinstance(tree, list):
        return next((hit for item in tree if (hit := find(item, element_id)) is not None), None)
    if not isinstance(tree, dict):
        return None
    props = tree.get("props", {})
    if props.get("id") == element_id:
        return tree
    return find(props.get("children"), element_id)


def text_of(tree) -> str:
    """All text inside a serialized component tree, in order."""
    if isinstance(tree, (str, int, float)):
        return str(tree)
    if isinstance(tree, list):
        return " ".join(text_of(item) for item in tree)
    if isinstance(tree, dict):
        return text_of(tree.get("props", {}).get("children", ""))
    return ""


def live_ab(node: Node) -> tuple[int, int]:
    """(impressions, clicks) in the Operations tab's live A/B panel of a node (its update_ab callback)."""
    response = callback(node, [("operations-ab-kpis", "children"), ("operations-ab-time", "figure")],
                        [("operations-interval", "n_intervals", 1), ("operations-cumulative", "value", False)])
    kpis = response["operations-ab-kpis"]["children"]
    number = lambda kind: int(text_of(find(kpis, f"operations-kpi-{kind}")).split()[-1].replace(",", ""))
    return number("impressions"), number("clicks")


def live_meta(node: Node) -> str:
    """The meta line of a node's Operations health panel (it names the published warehouse's refresh time)."""
    response = callback(node, [("operations-meta", "children"), ("operations-model", "children"),
                               ("operations-drift", "children")],
                        [("operations-interval", "n_intervals", 1), ("operations-monitor-status", "children", None)])
    return text_of(response["operations-meta"]["children"])


def api_ab_counts(base: str) -> tuple[int, int]:
    """(impressions, clicks) summed over variants in a node's GET /api/v1/ops/summary?section=ab."""
    status, body = call(base + "/api/v1/ops/summary?section=ab", headers=ADMIN)
    assert status == 200, body
    return sum(r["impressions"] for r in body["counts"]), sum(r["clicks"] for r in body["counts"])


def poll(read, target, *, changed: bool = False, timeout_s: float = LIVE_TIMEOUT_S):
    """Read until the value equals `target` (with `changed`: differs from it) or the timeout passes; return the
    last value read. The timeout bounds the wait; it is no speed assert."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while (value == target) == changed and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    return value


def advice_events(session: str, variant: str = "A") -> list[dict]:
    """An advice impression and its click, with ids chosen here (so a re-send is recognisable)."""
    now = datetime.now(timezone.utc).isoformat()
    return [{"event_id": str(uuid.uuid4()), "event": kind, "ts": now, "session_id": session, "page": "predict",
             "variant": variant} for kind in ("impression", "click")]


def send(node: Node, events: list[dict]) -> None:
    status, body = call(node.base + "/api/v1/events", {"events": events})
    assert status == 202, body


# ---- tests -------------------------------------------------------------------------------------------
def test_both_nodes_serve_the_same_figures(cluster):
    a, b = cluster.a, cluster.b
    assert call(a.base + "/api/v1/health") == call(b.base + "/api/v1/health")
    today = date.today().isoformat()
    for query in ("section=ab", f"section=usage&start=2026-01-01&end={today}", "section=health",
                  "section=errors", "section=alerts"):
        first = call(a.base + "/api/v1/ops/summary?" + query, headers=ADMIN)
        other = call(b.base + "/api/v1/ops/summary?" + query, headers=ADMIN)
        if first != other:   # errors and alerts look back from the current minute, which may just have ticked
            first = call(a.base + "/api/v1/ops/summary?" + query, headers=ADMIN)
        assert first[0] == 200 and first == other, query
    assert live_ab(a) == live_ab(b) == api_ab_counts(a.base)
    assert live_meta(a) == live_meta(b)
    batch = {"students": [SAMPLE_STUDENT, {**SAMPLE_STUDENT, "lunch": "free/reduced"}]}
    for path, body in (("/api/v1/predict", {**SAMPLE_STUDENT, "explain": True}), ("/api/v1/predict/batch", batch),
                       ("/api/v1/recommendations", {"history": []})):
        answer_a, answer_b = call(a.base + path, body), call(b.base + path, body)
        assert answer_a[0] == 200 and answer_a == answer_b, path
    # A browser sent to either node (a load balancer without sticky sessions) gets the same advice variant.
    assign = lambda node, i: call(node.base + f"/api/v1/experiments/advice-v1/assignment?session_id=s{i}")[1]
    variants = [tuple(assign(node, i)["variant"] for i in range(20)) for node in (a, b)]
    assert variants[0] == variants[1] and set(variants[0]) == {"A", "B"}


def test_a_click_on_one_node_shows_in_the_other_nodes_live_view(cluster):
    for source, viewer in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        # The JSON twin reads uncached; the live panel may show the state of up to a refresh ago.
        impressions, clicks = api_ab_counts(viewer.base)
        send(source, advice_events(f"two-nodes-live-{source.port}"))
        expected = (impressions + 1, clicks + 1)
        assert poll(partial(live_ab, viewer), expected) == expected   # the Operations tab's live panel
        assert api_ab_counts(viewer.base) == expected


def event_lines(events_dir: Path) -> dict[str, list[Path]]:
    """event_id -> the files holding a line with it."""
    where: dict[str, list[Path]] = {}
    for path in events_dir.glob("*/*.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                where.setdefault(json.loads(line)["event_id"], []).append(path)
    return where


def file_pid(path: Path) -> int:
    """The pid in an event file's name (events-<host>-<pid>-<random>.jsonl)."""
    return int(path.stem.split("-")[-2])


def test_each_nodes_events_reach_core_events_exactly_once(cluster):
    a, b = cluster.a, cluster.b
    sent = {a.port: [], b.port: []}
    for round_ in range(6):
        for node in (a, b):
            batch = advice_events(f"two-nodes-ingest-{node.port}-{round_}", "AB"[round_ % 2])
            send(node, batch)
            sent[node.port] += batch
    send(a, sent[a.port][:2])   # a client re-sends a batch (same event ids) after a lost answer

    where = event_lines(cluster.folder / "events")
    files = {port: {p for e in batch for p in where[e["event_id"]]} for port, batch in sent.items()}
    assert all(len(where[e["event_id"]]) == 1 for e in sent[b.port])
    assert files[a.port].isdisjoint(files[b.port])                 # no file is shared by two nodes
    assert {file_pid(p) for p in files[a.port]} <= worker_pids(a.master)   # each written by its own process
    assert {file_pid(p) for p in files[b.port]} <= worker_pids(b.master)
    before = live_meta(b)

    done = subprocess.run([PYTHON, "-m", "pipelines", "ingest-events", "--json"], cwd=ROOT, env=cluster.env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    ids = [e["event_id"] for batch in sent.values() for e in batch]
    con = duckdb.connect(str(cluster.folder / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT CAST(event_id AS VARCHAR), count(*) FROM core.events WHERE "
                           "CAST(event_id AS VARCHAR) IN (SELECT unnest($ids)) GROUP BY 1", {"ids": ids}).fetchall()
        total = con.execute("SELECT count(*) FROM core.events").fetchone()[0]
    finally:
        con.close()
    assert dict(rows) == {i: 1 for i in ids}                        # both nodes' events, each exactly once

    for node in (a, b):   # both serve the newly published warehouse (each cache sees the other host's publish)
        status, health = call(node.base + "/api/v1/health")
        assert status == 200 and health["tables"]["core.events"] == total
    meta_b, meta_a = (poll(partial(live_meta, node), before, changed=True) for node in (b, a))
    assert meta_b != before and meta_b == meta_a
    counts = api_ab_counts(a.base)                                   # ingested once: nothing counted twice live
    assert api_ab_counts(b.base) == counts
    assert all(poll(partial(live_ab, node), counts) == counts for node in (a, b))


def test_admin_login_on_every_node_and_failed_logins_counted_per_node(cluster):
    a, b = cluster.a, cluster.b
    admin_event = {"events": [{"event": "admin_action", "page": "operations", "payload": {"action": "ack_alert"}}]}
    for node in (a, b):   # stateless HTTP Basic: the same password, checked by every node on every request
        assert call(node.base + "/api/v1/ops/summary?section=health")[0] == 401
        assert call(node.base + "/api/v1/ops/summary?section=health", headers=ADMIN)[0] == 200
        assert call(node.base + "/api/v1/events", admin_event)[0] == 401
        assert status_from("127.0.0.1", node.port, "/operations", {}) == 401
        assert status_from("127.0.0.1", node.port, "/operations", ADMIN) == 200

    # Failed logins are counted in memory by each worker of each node. Client 127.0.0.2 guesses on node A
    # (one worker) until A refuses it: exactly the limit of failures, then 429 even for the right password.
    wrong = basic_auth("admin", PASSWORD + "?")
    limit = FAILED_LOGIN_LIMIT.amount
    path = "/api/v1/ops/summary?section=health"
    statuses = [status_from("127.0.0.2", a.port, path, wrong) for _ in range(limit + 1)]
    assert statuses == [401] * limit + [429]
    assert status_from("127.0.0.2", a.port, path, ADMIN) == 429
    # Node B has counted none of them: the same client logs in there (the per-node limit, documented).
    assert status_from("127.0.0.2", b.port, path, ADMIN) == 200
    assert status_from("127.0.0.1", a.port, path, ADMIN) == 200   # other clients of node A are not blocked


def consecutive_free_ports(count: int) -> int:
    """A port p such that p .. p+count-1 are free now."""
    for _ in range(50):
        first = free_port()
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    pytest.fail("no run of free ports")


def test_make_serve_nodes_starts_nodes_on_consecutive_ports_sharing_the_folder(cluster, tmp_path):
    first = consecutive_free_ports(2)
    bases = [f"http://127.0.0.1:{port}" for port in (first, first + 1)]
    log = (tmp_path / "make.log").open("w")
    # -o .venv/.installed: serve from the installed venv, never reinstall it
    make = subprocess.Popen(["make", "-s", "-o", ".venv/.installed", "serve-nodes", "NODES=2", f"PORT={first}",
                             "WORKERS=1"], cwd=ROOT, env=cluster.env, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        expected = call(cluster.a.base + "/api/v1/health")
        for base in bases:
            served = poll(partial(_health_or_none, base), expected, timeout_s=120)
            assert served == expected, (tmp_path / "make.log").read_text()[-2000:]
        impressions, clicks = api_ab_counts(cluster.a.base)
        status, body = call(bases[1] + "/api/v1/events", {"events": advice_events(f"two-nodes-make-{first}")})
        assert status == 202, body
        # one data folder: the second node's click counts on the first and on the fixture's nodes
        assert api_ab_counts(bases[0]) == api_ab_counts(cluster.a.base) == (impressions + 1, clicks + 1)
    finally:
        os.killpg(make.pid, signal.SIGTERM)   # what Ctrl-C does: every node of the group stops
        make.wait(timeout=60)
        log.close()
    for base in bases:   # the nodes are gone too, not orphaned
        assert poll(partial(_health_or_none, base), None, timeout_s=30) is None


def _health_or_none(base: str):
    try:
        return call(base + "/api/v1/health")
    except OSError:
        return None
