"""Operations bench: latency of each Operations callback at 1 M students / ~10 M events. Prints JSON.

Usage: python bench/bench_operations.py [--db /tmp/eduloop-ops-bench/warehouse.duckdb] [--scale 1000000]
       [--repeats 40] [--clients 8] [--seconds 20] [--workers 2] [--threads 4]

1. Builds (or reuses, --db) a data-only demo warehouse and adds --pending not-yet-ingested events, so the
   live path (ingested aggregates + pending events) is what gets timed.
2. "in_process_uncached": each callback's body (query + analytics + figures + components,
   dashboard/operations_view) called directly, one at a time, with the live cache emptied before every
   call: the full cost. "in_process_cached": the same calls when nothing changed since the last one.
3. "http_*": the real Dash callbacks, POSTed to /_dash-update-component on gunicorn with the JSON body the
   browser sends (built from /_dash-dependencies), so routing, the auth check and JSON serialisation count
   too, while a presenter "clicks" (an advice click event appended every --event-interval s, so the data
   changes and panels are recomputed): one client alone; 8 clients in a closed loop (each sends its next
   request as soon as one returns: saturation); 8 browser-like clients (every 3 s each fires the tab's
   5 refresh callbacks at once, as its dcc.Interval does); the same without new events.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from importlib import import_module
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CALLBACKS = {            # name -> an output that identifies the callback in /_dash-dependencies
    "ab": "operations-ab-kpis.children", "usage": "operations-usage-kpis.children",
    "errors": "operations-errors.children", "health": "operations-meta.children",
    "alerts": "operations-alerts.children",
}
INPUT_VALUES = {"operations-interval.n_intervals": 1, "operations-mde.value": 10, "operations-power.value": 0.8,
                "operations-cumulative.value": False, "operations-lang.data": "en"}


def env_for(folder: Path) -> dict:
    """Environment pointing every EDULOOP_* path into `folder` (open mode: no admin password)."""
    env = {k: v for k, v in os.environ.items() if k != "EDULOOP_ADMIN_PASSWORD"}
    env.update(EDULOOP_DATA_DIR=str(folder), EDULOOP_DB=str(folder / "warehouse.duckdb"),
               EDULOOP_EVENTS_DIR=str(folder / "events"), PYTHONPATH=str(ROOT))
    return env


def ensure_warehouse(folder: Path, scale: int) -> dict:
    """Build the warehouse if missing; bring its aggregates up to date; return facts about it."""
    env = env_for(folder)
    db = folder / "warehouse.duckdb"
    built = None
    if not db.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pipelines", "build", "--scale", str(scale), "--skip-models",
                               "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"build failed: {proc.stderr[-2000:]}")
        built = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipelines", "ingest-events", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed: {proc.stderr[-2000:]}")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    students, events = con.execute("SELECT (SELECT count(*) FROM core.students), "
                                   "(SELECT count(*) FROM core.events)").fetchone()
    con.close()
    return {"path": str(db), "students": students, "events": events, "size_mb": round(db.stat().st_size / 2**20),
            "build_seconds": built, "ingest_seconds": round(time.perf_counter() - started, 1)}


def write_pending(events_dir: Path, n: int, seed: int = 1) -> Path:
    """n not-yet-ingested events of today (advice, page views, errors) in one bench file."""
    from warehouse.events import validate_event

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    folder = events_dir / now.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-pending-{os.getpid()}.jsonl"
    kinds = [("impression", "predict"), ("click", "predict"), ("page_view", "operations"), ("error", "predict")]
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            event, page = rng.choices(kinds, weights=(50, 5, 40, 5))[0]
            raw = {"event": event, "page": page, "session_id": f"bench-{rng.randrange(n // 3 + 1)}",
                   "ts": (now - timedelta(seconds=rng.randrange(3600))).isoformat(), "event_id": str(uuid.uuid4())}
            if event in ("impression", "click"):
                raw["variant"] = rng.choice("AB")
            if event == "error":
                raw["payload"] = {"message": "bench error"}
            fh.write(json.dumps(validate_event(raw)) + "\n")
    return path


def stats(samples: list[float]) -> dict:
    """p50 / p95 / max in ms."""
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(pick(0.95), 1), "max": round(ordered[-1], 1),
            "n": len(ordered)}


def time_in_process(folder: Path, repeats: int) -> tuple[dict, dict]:
    """Each callback body called directly in this process: uncached (full cost) and cached."""
    os.environ.update(env_for(folder))
    import_module("dashboard.app")   # loads every page and string table, as in the server
    from dashboard.operations import data as operations_data
    from dashboard.operations import page
    from warehouse.settings import get_settings

    cfg = get_settings()
    bodies = {"ab": lambda: page.render_ab(cfg, "en", False),
              "experiment": lambda: page.render_experiment(cfg, "en", None, 10, "sequential"),
              "monitoring": lambda: page.render_monitoring(cfg, "en"),
              "usage": lambda: page.render_usage(cfg, "en", None, None),
              "errors": lambda: page.render_errors(cfg, "en"),
              "health": lambda: page.render_health(cfg, "en"),
              "alerts": lambda: page.render_alerts(cfg, "en", True)}
    uncached, cached = {}, {}
    for name, body in bodies.items():
        body()   # first call: imports, plotly validators
        samples = []
        for _ in range(repeats):
            page.clear_caches()
            started = time.perf_counter()
            body()
            samples.append((time.perf_counter() - started) * 1000)
        uncached[name] = stats(samples)
        cached[name] = stats([_timed(body) for _ in range(repeats)])
    samples = []
    for _ in range(max(5, repeats // 4)):   # A/B when the counts changed: statsmodels' Holm runs gc.collect()
        page.clear_caches()
        operations_data._summarize.cache_clear()
        samples.append(_timed(bodies["ab"]))
    uncached["ab_with_new_counts"] = stats(samples)
    return uncached, cached


def _timed(body) -> float:
    started = time.perf_counter()
    body()
    return (time.perf_counter() - started) * 1000


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(folder: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the app on a free port; returns the process and base URL once healthy."""
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "dashboard.app:server", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads), "--no-control-socket", "--timeout", "120"]
    # gunicorn's log goes to a file in the bench folder, so a failed request's traceback is kept.
    log = open(folder / "gunicorn-bench.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env_for(folder), stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            requests.get(base + "/api/v1/health", timeout=5)
            return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start: " + (folder / "gunicorn-bench.log").read_text()[-2000:])


def callback_bodies(base: str) -> dict[str, dict]:
    """The JSON body the browser POSTs for each Operations refresh callback."""
    deps = requests.get(base + "/_dash-dependencies", timeout=30).json()
    bodies = {}
    for name, marker in CALLBACKS.items():
        dep = next(d for d in deps if marker in d["output"])
        outputs = [dict(zip(("id", "property"), part.rsplit(".", 1)))
                   for part in dep["output"].strip(".").split("...")]
        value = lambda item: {**item, "value": INPUT_VALUES.get(f"{item['id']}.{item['property']}")}
        bodies[name] = {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
                        "inputs": [value(i) for i in dep["inputs"]], "state": [value(s) for s in dep["state"]],
                        "changedPropIds": ["operations-interval.n_intervals"]}
    return bodies


def post(session: requests.Session, base: str, body: dict) -> float:
    """POST one callback request; return its latency in ms (raise on a non-200 answer)."""
    started = time.perf_counter()
    resp = session.post(base + "/_dash-update-component", json=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    if resp.status_code != 200:
        raise RuntimeError(f"{resp.status_code}: {resp.text[:300]}")
    return elapsed


def warm_up(base: str, bodies: dict, parallel: int) -> None:
    """Send every callback from `parallel` clients at once, twice, so every worker has served each one
    (first calls import lazily and build plotly validators); not timed."""
    for _ in range(2):
        threads = [threading.Thread(target=lambda: [post(requests.Session(), base, b) for b in bodies.values()])
                   for _ in range(parallel)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()


def http_alone(base: str, bodies: dict, repeats: int) -> dict:
    """One client, one callback at a time."""
    session = requests.Session()
    out = {}
    for name, body in bodies.items():
        post(session, base, body)   # warm this worker path once
        out[name] = stats([post(session, base, body) for _ in range(repeats)])
    return out


def http_concurrent(base: str, bodies: dict, clients: int, seconds: float, *, browser_like: bool) -> dict:
    """`clients` concurrent clients for `seconds`: closed loop, or every 3 s all callbacks at once."""
    samples: dict[str, list[float]] = {name: [] for name in bodies}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one(session, name):
        try:
            elapsed = post(session, base, bodies[name])
            with lock:
                samples[name].append(elapsed)
        except Exception as exc:  # report, do not hide
            with lock:
                errors.append(f"{name}: {exc}"[:200])

    def closed_loop(seed):
        session, rng = requests.Session(), random.Random(seed)
        while time.monotonic() < deadline:
            names = list(bodies)
            rng.shuffle(names)
            for name in names:
                one(session, name)

    def browser(seed):
        time.sleep(random.Random(seed).uniform(0, 3))   # clients do not tick in lockstep
        while time.monotonic() < deadline:
            tick = time.monotonic()
            threads = [threading.Thread(target=one, args=(requests.Session(), n)) for n in bodies]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            time.sleep(max(0.0, 3.0 - (time.monotonic() - tick)))

    started = time.monotonic()
    workers = [threading.Thread(target=browser if browser_like else closed_loop, args=(i,)) for i in range(clients)]
    for th in workers:
        th.start()
    for th in workers:
        th.join()
    wall = time.monotonic() - started
    total = sum(len(v) for v in samples.values())
    out = {name: stats(v) for name, v in samples.items() if v}
    out["all"] = stats([x for v in samples.values() for x in v])
    out["requests_per_s"] = round(total / wall, 1)
    out["failures"] = errors[:5]
    return out


class ClickStream:
    """A presenter clicking advice in another window: one click event every `interval` seconds."""

    def __init__(self, events_dir: Path, interval: float):
        self.interval, self.stop = interval, threading.Event()
        self.path = events_dir / datetime.now(timezone.utc).strftime("%Y-%m-%d") / f"bench-clicks-{os.getpid()}.jsonl"
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        from warehouse.events import validate_event

        while self.interval > 0 and not self.stop.wait(self.interval):
            line = json.dumps(validate_event({"event": "click", "page": "predict", "variant": "B",
                                              "session_id": "bench-presenter"})) + "\n"
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.path.unlink(missing_ok=True)


def main() -> None:
    """Run the bench and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="reuse this warehouse (its folder holds the events)")
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--pending", type=int, default=2000, help="not-yet-ingested events added before timing")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--event-interval", type=float, default=2.0,
                        help="seconds between the presenter's clicks during the HTTP runs (0: none)")
    args = parser.parse_args()
    folder = args.db.parent if args.db else Path("/tmp/eduloop-ops-bench")
    result = {"target_p95_ms": 300, "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0]}
    result["warehouse"] = ensure_warehouse(folder, args.scale)
    pending = write_pending(folder / "events", args.pending)
    result["warehouse"]["pending_events"] = args.pending
    try:
        result["in_process_uncached_ms"], result["in_process_cached_ms"] = time_in_process(folder, args.repeats)
        proc, base = start_gunicorn(folder, args.workers, args.threads)
        try:
            bodies = callback_bodies(base)
            warm_up(base, bodies, args.workers * args.threads)
            result["gunicorn"] = {"workers": args.workers, "threads": args.threads,
                                  "click_every_s": args.event_interval}
            with ClickStream(folder / "events", args.event_interval):
                result["http_one_client_ms"] = http_alone(base, bodies, args.repeats)
                result[f"http_{args.clients}_clients_closed_loop_ms"] = http_concurrent(
                    base, bodies, args.clients, args.seconds, browser_like=False)
                result[f"http_{args.clients}_clients_every_3s_ms"] = http_concurrent(
                    base, bodies, args.clients, args.seconds, browser_like=True)
            result[f"http_{args.clients}_clients_every_3s_no_new_events_ms"] = http_concurrent(
                base, bodies, args.clients, args.seconds, browser_like=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    finally:
        pending.unlink(missing_ok=True)
    result["load_avg_at_end"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
