"""Progress lines on stderr for long steps (stdout stays for the summary)."""
from __future__ import annotations

import contextlib
import sys
import time
from typing import Iterator

TIMINGS: dict[str, float] = {}


@contextlib.contextmanager
def step(name: str, quiet: bool = False) -> Iterator[None]:
    """Print `name ...` then its duration; record the seconds in TIMINGS."""
    if not quiet:
        print(f"  {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    TIMINGS[name] = round(time.perf_counter() - started, 3)
    if not quiet:
        print(f"  {name} done in {TIMINGS[name]:.1f}s", file=sys.stderr, flush=True)
