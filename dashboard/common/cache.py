"""The app's cache: values computed from warehouse reads, reused while the published warehouse is the same.

`by_published_version` is the one cache of warehouse reads (keyed by warehouse.publish.published_version);
`LiveCache` is its engine, also used directly by the Operations sections, whose state adds the event logs.

Per-process memo of rendered Operations sections, keyed by their inputs and the data they read.

Every open Operations tab refreshes every panel every 3 s, so without this the work would grow with
the number of viewers. A value is reused while the data state it was computed from (the published
warehouse file and the size of every event log) is unchanged, and for at most `max_age_s` after it
changes. With `refresh_every_s`, a background thread re-checks the state of recently used keys and
recomputes them when it changed, so a viewer's request is answered from memory and never waits for
queries: the work follows the data changes (one recomputation per change, key and process), not
the viewers. Concurrent misses of one key compute once.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Hashable

from warehouse.connection import WarehouseMissing
from warehouse.publish import published_version

log = logging.getLogger("eduloop.live_cache")


@dataclass
class _Entry:
    state: Hashable
    computed_at: float
    value: Any
    state_fn: Callable[[], Hashable]
    compute: Callable[[], Any]
    used_at: float


class LiveCache:
    """Thread-safe memo: key -> value computed from a data state, optionally kept fresh in the background."""

    def __init__(self, max_age_s: float = 1.0, maxsize: int = 128, *, refresh_every_s: float | None = None,
                 keep_fresh_s: float = 15.0):
        self.max_age_s, self.maxsize = max_age_s, maxsize
        self.refresh_every_s, self.keep_fresh_s = refresh_every_s, keep_fresh_s
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._refresher: threading.Thread | None = None

    def get(self, key: Hashable, state_fn: Callable[[], Hashable], compute: Callable[[], Any], *,
            exact: bool = False) -> Any:
        """The value for `key`: cached if computed from the current state (or recently enough), else computed.

        With a background refresher a changed state is picked up by it, and this returns the previous
        value meanwhile; `exact=True` (after a user's own action) always waits for the current state.
        """
        state = state_fn()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.used_at = now
                self._entries.move_to_end(key)
        if entry is not None:
            if entry.state == state or (not exact and now - entry.computed_at < self.max_age_s):
                return entry.value
            if not exact and self._refresher_alive():
                return entry.value            # the refresher recomputes it within refresh_every_s
        self._ensure_refresher()
        return self._compute(key, state, state_fn, compute, wait=True)

    def _compute(self, key, state, state_fn, compute, *, wait: bool) -> Any:
        """Compute and store a value for `state` (once per key at a time); None if busy and not `wait`."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        if not key_lock.acquire(blocking=wait):
            return None
        try:
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and entry.state == state:
                return entry.value            # computed by another thread meanwhile
            value = compute()
            now = time.monotonic()
            with self._lock:
                self._entries[key] = _Entry(state, now, value, state_fn, compute, now)
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    old, _ = self._entries.popitem(last=False)
                    self._key_locks.pop(old, None)
            return value
        finally:
            key_lock.release()

    def refresh_once(self) -> int:
        """Recompute every recently used key whose state changed; return how many were recomputed."""
        now = time.monotonic()
        with self._lock:
            active = [(k, e) for k, e in self._entries.items() if now - e.used_at < self.keep_fresh_s]
        done = 0
        for key, entry in active:
            try:
                state = entry.state_fn()
                if state != entry.state and now - entry.computed_at >= self.max_age_s:
                    self._compute(key, state, entry.state_fn, entry.compute, wait=False)
                    done += 1
            except Exception as exc:  # forget it: the next request recomputes it and reports the error
                log.warning("background refresh failed (%s: %s); dropping the cached value", type(exc).__name__, exc)
                with self._lock:
                    self._entries.pop(key, None)
        return done

    def _refresher_alive(self) -> bool:
        return self._refresher is not None and self._refresher.is_alive()

    def _ensure_refresher(self) -> None:
        if self.refresh_every_s is None or self._refresher_alive():
            return
        with self._lock:
            if self._refresher_alive():
                return
            self._refresher = threading.Thread(target=self._refresh_loop, name="live-cache-refresher", daemon=True)
            self._refresher.start()

    def _refresh_loop(self) -> None:
        while True:
            time.sleep(self.refresh_every_s)
            self.refresh_once()

    def clear(self) -> None:
        """Forget every entry (benchmarks use it to time the uncached path)."""
        with self._lock:
            self._entries.clear()


WAREHOUSE_READS = LiveCache(max_age_s=0, maxsize=256)


def warehouse_version(db_path: str | Path) -> tuple[int, int, int]:
    """published_version, or WarehouseMissing (with the command that builds it) when there is no file."""
    try:
        return published_version(db_path)
    except FileNotFoundError:
        raise WarehouseMissing(f"warehouse not found at {db_path}; run `python -m pipelines build`") from None


def by_published_version(db_path: str | Path, key: tuple, compute: Callable[[], Any]) -> Any:
    """compute() once per (warehouse file, key) and published version of the warehouse."""
    return WAREHOUSE_READS.get((str(db_path), *key), lambda: warehouse_version(db_path), compute, exact=True)
