"""What every loader writes besides its rows: the raw.loads run record and quarantine.rows entries."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone

import pandas as pd


def new_load_id(kind: str) -> str:
    """A unique, sortable load id: <kind>-<UTC time>-<random>."""
    return f"{kind}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def utc_now() -> datetime:
    """Naive UTC now (the warehouse stores UTC without a zone)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record_load(con, load_id: str, kind: str, source_file: str, sha256: str | None, started_at: datetime,
                rows_read: int, rows_loaded: int, rows_quarantined: int) -> None:
    """One raw.loads row for a load run."""
    con.execute("INSERT INTO raw.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, kind, source_file, sha256, started_at, rows_read, rows_loaded, rows_quarantined])


def quarantine(con, load_id: str, source_file: str, rejected: list[dict] | pd.DataFrame, now: datetime) -> None:
    """Rejected cells/rows ({line_no, column_name, value, reason, raw_line}) into quarantine.rows."""
    frame = rejected if isinstance(rejected, pd.DataFrame) else pd.DataFrame(rejected)
    if frame.empty:
        return
    con.register("rejected_rows", frame)
    con.execute("""INSERT INTO quarantine.rows SELECT ?, ?, line_no, column_name, value, reason, raw_line, ?
                   FROM rejected_rows""", [load_id, source_file, now])
    con.unregister("rejected_rows")


def reason_code(reason: str) -> str:
    """The bare reason code without its detail in parentheses."""
    return reason.split(" (", 1)[0]


def reason_counts(reasons) -> dict[str, int]:
    """Cells per bare reason code, sorted by code."""
    return dict(sorted(Counter(reason_code(r) for r in reasons).items()))
