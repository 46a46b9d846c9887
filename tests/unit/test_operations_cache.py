"""The Operations live cache: reuse while the data state holds, bounded staleness, background refresh."""
from __future__ import annotations

import threading
import time

import pytest

from dashboard.common.cache import LiveCache


class Source:
    """A data state that tests change, and a computation that counts its calls."""

    def __init__(self):
        self.state, self.calls = "s1", 0

    def compute(self):
        self.calls += 1
        return f"{self.state}#{self.calls}"


def test_reuses_while_state_is_unchanged_and_recomputes_after_max_age():
    cache, src = LiveCache(max_age_s=0.05), Source()
    get = lambda key="k": cache.get(key, lambda: src.state, src.compute)
    assert get() == "s1#1"
    assert get() == "s1#1"                      # same state: reused however old
    src.state = "s2"
    assert get() == "s1#1"                      # changed, but younger than max_age: reused
    time.sleep(0.06)
    assert get() == "s2#2"                      # changed and old enough: recomputed
    time.sleep(0.06)
    assert get() == "s2#2"                      # unchanged: reused
    assert get("other") == "s2#3"               # keys are independent


def test_exact_ignores_the_staleness_window():
    cache, src = LiveCache(max_age_s=60), Source()
    cache.get("k", lambda: src.state, src.compute)
    src.state = "s2"
    assert cache.get("k", lambda: src.state, src.compute) == "s1#1"
    assert cache.get("k", lambda: src.state, src.compute, exact=True) == "s2#2"


def test_concurrent_misses_compute_once_and_evicts_oldest():
    cache, results, calls = LiveCache(max_age_s=0, maxsize=2), [], []

    def slow():
        calls.append(1)
        time.sleep(0.1)
        return "v"

    threads = [threading.Thread(target=lambda: results.append(cache.get("k", lambda: "s", slow)))
               for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == ["v"] * 6 and len(calls) == 1
    cache.get("a", lambda: "s", lambda: 1)
    cache.get("b", lambda: "s", lambda: 2)       # evicts "k"
    assert cache.get("k", lambda: "s", lambda: "recomputed") == "recomputed"


def test_refresher_recomputes_changed_keys_so_requests_never_wait():
    cache, src = LiveCache(max_age_s=0, refresh_every_s=0.02), Source()
    assert cache.get("k", lambda: src.state, src.compute) == "s1#1"
    src.state = "s2"
    deadline = time.monotonic() + 2
    while src.calls < 2 and time.monotonic() < deadline:     # the background thread notices the change
        time.sleep(0.01)
    assert src.calls == 2
    assert cache.get("k", lambda: src.state, src.compute) == "s2#2"   # served from memory, not recomputed
    assert src.calls == 2


def test_refresh_once_skips_unchanged_and_idle_keys():
    cache, src = LiveCache(max_age_s=0, keep_fresh_s=60), Source()
    cache.get("k", lambda: src.state, src.compute)
    assert cache.refresh_once() == 0                          # state unchanged
    src.state = "s2"
    assert cache.refresh_once() == 1 and src.calls == 2
    cache.keep_fresh_s = 0                                    # nobody asked for it lately: left alone
    src.state = "s3"
    assert cache.refresh_once() == 0


def test_a_failing_refresh_drops_the_value_so_the_next_request_reports_the_error():
    # a (sleeping) refresher is alive, so a changed state alone would be answered from memory
    cache, src = LiveCache(max_age_s=0, keep_fresh_s=60, refresh_every_s=60), Source()

    def compute():
        if src.state == "gone":
            raise RuntimeError("warehouse gone")
        return src.compute()

    assert cache.get("k", lambda: src.state, compute) == "s1#1"
    src.state = "s2"
    assert cache.get("k", lambda: src.state, compute) == "s1#1"
    src.state = "gone"
    assert cache.refresh_once() == 0
    with pytest.raises(RuntimeError, match="gone"):     # not the stale "s1#1"
        cache.get("k", lambda: src.state, compute)
