"""Where the warehouse's rows came from: demo generator or real files/app, per kind of data.

Every consumer (API, tabs, monitor, recsys) asks `data_provenance(con)` instead of guessing:
each kind is 'empty' (no rows), 'demo' (every row generated), 'real' (no generated row) or
'mixed' (a demo build that real rows were loaded into). Rows carry their own `source`, so the
answer stays right after later loads; `core.build_info` keeps what the build itself did.
"""
from __future__ import annotations

from warehouse.schema import table_columns

# Files the demo generator writes (pipelines.demo_events); their rows are marked source = 'demo'.
DEMO_FILE_PATTERN = r"[/\\]demo-[^/\\]*\.jsonl$"
DEMO = "demo"
KINDS = ("students", "materials", "interactions", "events")
STATES = ("empty", "demo", "real", "mixed")
# core.build_info keys recording what the build wrote for each kind ('demo', 'real' or 'none').
BUILD_INFO_KEYS = {kind: f"source_{kind}" for kind in KINDS}

_COUNT_SQL = {  # fixed SQL per kind (no user value ever reaches it)
    kind: f"SELECT count(*), count(*) FILTER (WHERE source = 'demo') FROM core.{kind}" for kind in KINDS
}


def state_of(rows: int, demo_rows: int) -> str:
    """'empty', 'demo', 'real' or 'mixed' from a row count and its generated part."""
    if rows == 0:
        return "empty"
    if demo_rows == rows:
        return "demo"
    return "real" if demo_rows == 0 else "mixed"


def _counts(con, kind: str) -> tuple[int, int]:
    """(rows, generated rows) of one core table; an old table without `source` was all generated."""
    if "source" in table_columns(con, "core", kind):
        rows, demo_rows = con.execute(_COUNT_SQL[kind]).fetchone()
        return int(rows), int(demo_rows)
    rows = con.execute(f"SELECT count(*) FROM core.{kind}").fetchone()[0]
    return int(rows), int(rows)


def build_sources(con) -> dict[str, str]:
    """What the build recorded per kind in core.build_info ('demo', 'real', 'none'; {} before issue 10)."""
    keys = list(BUILD_INFO_KEYS.values())
    found = dict(con.execute("SELECT key, value FROM core.build_info WHERE list_contains($keys, key)",
                             {"keys": keys}).fetchall())
    return {kind: found[key] for kind, key in BUILD_INFO_KEYS.items() if key in found}


def data_provenance(con) -> dict:
    """Per kind {rows, demo_rows, state}, plus `demo` (any generated row) and the build's own record."""
    result: dict = {}
    for kind in KINDS:
        rows, demo_rows = _counts(con, kind)
        result[kind] = {"rows": rows, "demo_rows": demo_rows, "state": state_of(rows, demo_rows)}
    result["demo"] = any(result[kind]["demo_rows"] > 0 for kind in KINDS)
    result["build"] = build_sources(con)
    return result


def uses_demo(provenance: dict, *kinds: str) -> bool:
    """True when any of these kinds holds generated rows (an answer computed from them is demo)."""
    return any(provenance[kind]["demo_rows"] > 0 for kind in kinds)


def is_empty(provenance: dict, kind: str) -> bool:
    """True when a kind has no rows at all (show an empty state, not zeros)."""
    return provenance[kind]["rows"] == 0
