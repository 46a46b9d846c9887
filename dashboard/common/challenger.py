"""Serving a registered challenger: shadow scoring off the request thread, or canary routing by session.

Shadow: after the champion answered, the request only hands the record to a one-thread executor
(a bounded queue; when full the shadow score is skipped, never the request), which scores it with
the challenger and logs a 'shadow_prediction' event — never shown to the user. Canary: the declared
canary experiment assigns each session by a hash of (session, key); sessions in the 'challenger'
variant are served by the challenger, and the prediction event carries the experiment and variant.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.experiments import assign_variant
from dashboard.common.context import event_writer
from dashboard.predict import data as model_store

log = logging.getLogger(__name__)
CHALLENGER_VARIANT = "challenger"
MAX_PENDING_SHADOW = 256   # shadow requests waiting at most; beyond this they are skipped (counted)


@dataclass
class Route:
    """Which models serve a request and what its prediction event carries."""

    models: model_store.LoadedModels | None = None    # None = production
    event_fields: dict[str, Any] = field(default_factory=dict)


class _Shadow:
    """One background thread that scores shadow requests in arrival order."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shadow")
        self.pending = 0
        self.skipped = 0
        self.lock = threading.Lock()

    def submit(self, fn, *args) -> bool:
        """Queue fn(*args) unless too many are waiting; True when queued."""
        with self.lock:
            if self.pending >= MAX_PENDING_SHADOW:
                self.skipped += 1
                return False
            self.pending += 1
        self.executor.submit(self._run, fn, *args)
        return True

    def _run(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception:   # a broken challenger must never affect serving; the log says why
            log.exception("shadow scoring failed")
        finally:
            with self.lock:
                self.pending -= 1


_shadows: dict[int, _Shadow] = {}


def _shadow_pool() -> _Shadow:
    """This process's shadow pool (a forked worker gets its own)."""
    return _shadows.setdefault(os.getpid(), _Shadow())


def active(db_path: str | Path) -> dict | None:
    """The active challenger (re-read only when a new warehouse is published), or None."""
    return model_store.active_challenger(db_path)


def route(db_path: str | Path, session_id: str | None) -> Route:
    """The models for this request: the challenger for canary sessions assigned to it, else production."""
    found = active(db_path)
    if not found or found["mode"] != "canary" or not found["experiment"]:
        return Route()
    experiment = found["experiment"]
    if experiment["status"] != "running":
        return Route()
    session = session_id or uuid.uuid4().hex   # a client without a session is assigned per request
    variant = assign_variant(session, experiment["experiment_key"], experiment["variants"],
                             experiment["allocation"])
    fields = {"variant": variant, "experiment": experiment["experiment_key"]}
    if variant != CHALLENGER_VARIANT:
        return Route(event_fields=fields)
    try:
        return Route(models=model_store.load_pair(found["rows"]), event_fields=fields)
    except Exception:   # a broken challenger must not fail requests: serve production, outside the experiment
        log.exception("canary challenger %s could not be loaded; serving production", found["run_id"])
        return Route()


def shadow(db_path: str | Path, record: dict, student_id: str | None, session_id: str | None,
           champion_version: str) -> bool:
    """Queue shadow scoring of a served request when a shadow challenger is active; True when queued."""
    found = active(db_path)
    if not found or found["mode"] != "shadow":
        return False
    return _shadow_pool().submit(_score_and_log, found["rows"], record, student_id, session_id, champion_version)


def _score_and_log(rows: dict, record: dict, student_id: str | None, session_id: str | None,
                   champion_version: str) -> None:
    """Score one record with the challenger and log it as a 'shadow_prediction' event."""
    models = model_store.load_pair(rows)
    result = model_store.predict_one(None, record, models=models)
    event = {"event": "shadow_prediction", "page": "api", "session_id": session_id, "student_id": student_id,
             "model_version": result.model_version, "predicted": result.predicted_math,
             "payload": {"risk_level": result.risk_level, "champion_version": champion_version}}
    event_writer().write({k: v for k, v in event.items() if v is not None})


def wait_for_shadow(timeout: float = 10.0) -> bool:
    """Block until queued shadow scores are written (tests and benchmarks); True when none is pending."""
    done = threading.Event()
    _shadow_pool().executor.submit(done.set)
    return done.wait(timeout)
