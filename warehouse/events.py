"""Append-only event logs: one validated writer for every event, and the readers of its files.

Each process appends to its own file `<events_dir>/<YYYY-MM-DD>/events-<host>-<pid>-<rand>.jsonl`
with one `write()` per whole line, so a reader sees only whole lines plus at most one partial
last line, which it skips. Every event carries a UUID, so ingest can be idempotent.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from warehouse.lake import drop_events_in_lake, lake_state
from warehouse.provenance import DEMO_FILE_PATTERN

EVENT_TYPES = frozenset(
    {"page_view", "prediction", "impression", "click", "error", "download", "recommendation", "api_call",
     "admin_action", "shadow_prediction"}
)
STRING_FIELDS = {"session_id": 128, "page": 64, "student_id": 64, "variant": 64, "model_version": 64}
ALLOWED_FIELDS = {"event_id", "event", "ts", "predicted", "payload", "experiment", *STRING_FIELDS}
# Advice events without an experiment key belong to this declared experiment (older clients).
DEFAULT_EXPERIMENT = ("predict", "advice-v1")
MAX_PAYLOAD_BYTES = 8192
# What a client outside the app (POST /api/v1/events) may send: the app's own pages, recent times
# only (older backfills go through the CLI), and admin actions the app knows how to honour.
KNOWN_PAGES = ("home", "predict", "ebpm", "recommend", "operations", "api")
ADMIN_ACTIONS = ("ack_alert", "model_promote", "model_rollback")
CLIENT_TS_PAST = timedelta(days=35)
CLIENT_TS_FUTURE = timedelta(minutes=5)
FULL_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

# Column types used whenever event files are read, so every reader agrees.
JSON_COLUMNS = {
    # A UUID is parsed into 16 bytes: ~20 % faster to load and half the size of its 36-char text.
    "event_id": "UUID", "event": "VARCHAR", "ts": "TIMESTAMPTZ", "session_id": "VARCHAR",
    "page": "VARCHAR", "student_id": "VARCHAR", "variant": "VARCHAR", "model_version": "VARCHAR",
    "predicted": "DOUBLE", "payload": "JSON",
}


class EventStoreError(OSError):
    """A batch could not be stored (nothing of it was kept); `full` is True when the disk is full."""

    def __init__(self, full: bool, reason: str):
        super().__init__(reason)
        self.full = full


class EventValidationError(ValueError):
    """An event failed validation; `field` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _parse_ts(value: Any, window: tuple[datetime, datetime] | None = None) -> str:
    if not isinstance(value, str):
        raise EventValidationError("ts", "must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:   # 9999-12-31T23:59:59-14:00 overflows in UTC
        raise EventValidationError("ts", f"not a valid ISO 8601 time: {value[:40]!r}") from exc
    if window is not None and not window[0] <= parsed <= window[1]:
        raise EventValidationError("ts", f"must lie between {window[0]:%Y-%m-%dT%H:%M}Z and {window[1]:%Y-%m-%dT%H:%M}Z"
                                         " (older events are loaded with the CLI)")
    return parsed.isoformat(timespec="microseconds").replace("+00:00", "Z")


def client_ts_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The times a client may stamp on an event: [now - 35 days, now + 5 minutes] (UTC)."""
    now = now or datetime.now(timezone.utc)
    return now - CLIENT_TS_PAST, now + CLIENT_TS_FUTURE


def _check_client_fields(out: dict[str, Any]) -> None:
    page = out.get("page")
    if page is not None and page not in KNOWN_PAGES:
        raise EventValidationError("page", f"must be one of {list(KNOWN_PAGES)}")
    if out["event"] == "admin_action":
        action = (out.get("payload") or {}).get("action")
        if action not in ADMIN_ACTIONS:
            raise EventValidationError("payload.action", f"must be one of {list(ADMIN_ACTIONS)}")


def validate_event(raw: Any, *, client: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """Return a normalised copy of one event, or raise EventValidationError naming the field.

    With `client=True` (events from outside the app) also require a recent `ts`, a known page and,
    for admin actions, a known action.
    """
    if not isinstance(raw, dict):
        raise EventValidationError("event", "each event must be a JSON object")
    unknown = sorted(set(raw) - ALLOWED_FIELDS)
    if unknown:
        raise EventValidationError(unknown[0], "unknown field")
    event = raw.get("event")
    if not isinstance(event, str) or event not in EVENT_TYPES:
        raise EventValidationError("event", f"must be one of {sorted(EVENT_TYPES)}")
    out: dict[str, Any] = {"event": event}
    event_id = raw.get("event_id")
    if event_id is None:
        out["event_id"] = str(uuid.uuid4())
    else:
        try:
            out["event_id"] = str(uuid.UUID(str(event_id)))
        except ValueError as exc:
            raise EventValidationError("event_id", "must be a UUID") from exc
    window = client_ts_window(now) if client else None
    out["ts"] = _parse_ts(raw["ts"], window) if raw.get("ts") is not None else _now_iso()
    for name, max_len in STRING_FIELDS.items():
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > max_len or not _utf8(value):
            raise EventValidationError(name, f"must be a (UTF-8) string of at most {max_len} characters")
        out[name] = value
    predicted = raw.get("predicted")
    if predicted is not None:
        try:   # a 400-digit integer does not fit a float
            value = None if isinstance(predicted, bool) or not isinstance(predicted, (int, float)) else float(predicted)
        except OverflowError:
            value = None
        if value is None or not math.isfinite(value):
            raise EventValidationError("predicted", "must be a finite number")
        out["predicted"] = value
    payload = raw.get("payload")
    if payload is not None:
        if not isinstance(payload, dict):
            raise EventValidationError("payload", "must be a JSON object")
        try:   # NaN, Infinity or a lone surrogate would be stored as a line no reader parses
            text = json.dumps(payload, default=str, allow_nan=False, ensure_ascii=False)
            size = len(text.encode("utf-8"))
        except (ValueError, RecursionError) as exc:   # UnicodeEncodeError is a ValueError
            raise EventValidationError("payload", "must be valid JSON text: no NaN, Infinity, lone surrogates "
                                                  "or absurd nesting") from exc
        if size > MAX_PAYLOAD_BYTES:
            raise EventValidationError("payload", f"larger than {MAX_PAYLOAD_BYTES} bytes")
        out["payload"] = payload
    _move_experiment_key(raw, out)
    if client:
        _check_client_fields(out)
    return out


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:   # a lone surrogate such as "\ud800" (valid in JSON, not in UTF-8)
        return False


def _move_experiment_key(raw: dict, out: dict) -> None:
    """Store a top-level `experiment` key in payload.experiment (where the app has always put it)."""
    key = raw.get("experiment")
    if key is None:
        return
    if not isinstance(key, str) or not 0 < len(key) <= 64:
        raise EventValidationError("experiment", "must be a string of 1 to 64 characters")
    payload = dict(out.get("payload") or {})
    if payload.get("experiment", key) != key:
        raise EventValidationError("experiment", "differs from payload.experiment")
    out["payload"] = {**payload, "experiment": key}


def check_experiment(event: dict, catalog: dict[str, tuple[str, ...]]) -> None:
    """Refuse an event naming an undeclared experiment, or a variant its experiment does not have.

    `catalog` maps declared keys to variants. An advice-page event with a variant and no key means
    the advice experiment, so existing clients keep working.
    """
    payload = event.get("payload") or {}
    key = payload.get("experiment") if isinstance(payload, dict) else None
    if key is None and event.get("variant") is not None and event.get("page") == DEFAULT_EXPERIMENT[0]:
        key = DEFAULT_EXPERIMENT[1] if DEFAULT_EXPERIMENT[1] in catalog else None
    if key is None:
        return
    if key not in catalog:
        raise EventValidationError("experiment", f"unknown experiment {str(key)[:64]!r}; declared: {sorted(catalog)}")
    variant = event.get("variant")
    if variant is not None and variant not in catalog[key]:
        raise EventValidationError("variant", f"not a variant of {key!r}; must be one of {list(catalog[key])}")


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class EventWriter:
    """Append validated events to this process's own JSONL file (fork- and thread-safe)."""

    def __init__(self, events_dir: str | Path, catalog: Callable[[], dict | None] | None = None):
        self.events_dir = Path(events_dir)
        self._catalog = catalog   # declared experiments ({key: variants}) or None when unknown
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._key: tuple[int, str] | None = None

    def _file_for_now(self) -> int:
        day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        key = (os.getpid(), day)
        if self._key != key:
            # A new process (after fork) or a new day gets a new file; never share a file.
            if self._fd is not None and self._key and self._key[0] == os.getpid():
                os.close(self._fd)
            folder = self.events_dir / day
            folder.mkdir(parents=True, exist_ok=True)
            self._fd = _create_log(folder)
            self._key = key
        return self._fd  # type: ignore[return-value]

    def close(self) -> None:
        """Close this process's open log file (the next write opens a new one)."""
        with self._lock:
            if self._fd is not None and self._key and self._key[0] == os.getpid():
                os.close(self._fd)
            self._fd, self._key = None, None

    def write(self, event: dict[str, Any]) -> dict[str, Any]:
        """Validate and append one event; return it with its assigned id and timestamp."""
        return self.write_many([event])[0]

    def write_many(self, events: Iterable[dict[str, Any]], *, client: bool = False) -> list[dict[str, Any]]:
        """Validate all events first, then append them in one write: all or nothing, even on a full disk.

        Raises EventValidationError (nothing written) or EventStoreError (nothing kept).
        """
        clean = [validate_event(e, client=client) for e in events]
        catalog = self._catalog() if self._catalog is not None and clean else None
        if catalog is not None:
            for index, event in enumerate(clean):
                try:
                    check_experiment(event, catalog)
                except EventValidationError as exc:
                    exc.index = index   # which event of the batch, for the API's field path
                    raise
        if not clean:
            return clean
        data = "".join(json.dumps(e, ensure_ascii=False, default=str) + "\n" for e in clean).encode("utf-8")
        with self._lock:
            try:
                fd = self._file_for_now()
                start = repair_torn_tail(fd)
            except OSError as exc:
                raise EventStoreError(exc.errno in FULL_DISK_ERRNOS, exc.strerror or "cannot open event log") from exc
            try:
                written = os.write(fd, data)
                while written < len(data):  # short writes are rare but legal
                    written += os.write(fd, data[written:])
            except OSError as exc:
                # Cut the batch off again so no part of it is kept (and no torn line stays behind).
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                raise EventStoreError(exc.errno in FULL_DISK_ERRNOS, exc.strerror or "write failed") from exc
        return clean


def log_file_name() -> str:
    """A new log file's name: host, process id and a random part (containers on a shared volume may share both)."""
    return f"events-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"


def _create_log(folder: Path, attempts: int = 8) -> int:
    """Open a log file no other process has: O_EXCL, with a new name on the (unlikely) clash.

    Two writers must never share a file: on a network file system appends from two hosts to one
    file are not atomic and can overwrite each other.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND
    for _ in range(attempts - 1):
        try:
            return os.open(folder / log_file_name(), flags, 0o644)
        except FileExistsError:
            continue
    return os.open(folder / log_file_name(), flags, 0o644)   # a clash every time raises FileExistsError


def repair_torn_tail(fd: int) -> int:
    """Cut a partial last line (left by a crash or a failed truncate) off an open log; return the size.

    Without this the next batch's first event would be glued onto the torn line and lost at ingest.
    """
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    chunk, end = 65536, size
    while end > 0:
        start = max(0, end - chunk)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            os.ftruncate(fd, start + cut + 1)
            return start + cut + 1
        end = start
    os.ftruncate(fd, 0)
    return 0


@dataclass(frozen=True)
class EventFile:
    """One event log file and its size at the time it was listed."""

    path: str
    size_bytes: int


def list_event_files(events_dir: str | Path) -> list[EventFile]:
    """All event log files under the folder, with their current sizes."""
    root = Path(events_dir)
    if not root.exists():
        return []
    files = []
    for path in sorted(root.glob("*/*.jsonl")):
        try:
            files.append(EventFile(str(path.resolve()), path.stat().st_size))
        except FileNotFoundError:
            continue
    return files


def log_key(path: str | Path) -> str:
    """A log file's place in the events folder, `<day>/<file>`: the same on every host, whatever the mount point."""
    return "/".join(str(path).rsplit("/", 2)[-2:])   # string ops: this runs for every file on every live refresh


def pending_event_files(con, events_dir: str | Path) -> list[EventFile]:
    """Files that grew (or are new) since the warehouse last ingested them.

    Files are matched on their place in the events folder, not on their absolute path: app nodes and the
    ingest host may mount the shared folder at different paths, and a node must not take every file for
    new (and re-read all of them on each live refresh). A file recorded under two mount points counts
    with the larger size (logs only grow).
    """
    known: dict[str, int] = {}
    for path, size in con.execute("SELECT path, size_bytes FROM raw.event_files").fetchall():
        key = log_key(path)
        known[key] = max(size, known.get(key, 0))
    return [f for f in list_event_files(events_dir) if f.size_bytes > 0 and known.get(log_key(f.path)) != f.size_bytes]


def select_events_sql(files_param: str = "$files", file_ids_param: str | None = None, *,
                      distinct: bool = True) -> str:
    """SQL that reads event files into core.events columns, skipping partial or broken lines.

    `file_ids_param` names a list aligned with the files: each row gets its file's id (else NULL).
    With `distinct`, one row per event_id is kept (a client may re-send an event). Ingest passes
    distinct=False and removes repeats after loading (`warehouse.lake.drop_repeated_ids`), much cheaper.
    """
    columns = ", ".join(f"'{k}': '{v}'" for k, v in JSON_COLUMNS.items())
    file_id = "NULL" if file_ids_param is None else \
        f"list_extract({file_ids_param}, list_position({files_param}, filename))"
    return f"""
        SELECT {"DISTINCT ON (event_id) " if distinct else ""}event_id, event,
               make_timestamp(epoch_us(ts)) AS ts,   -- UTC; ~0.7 s less CPU at 10 M than AT TIME ZONE
               session_id, page, student_id, variant, model_version, predicted, payload,
               CAST({file_id} AS INTEGER) AS file_id,
               CASE WHEN regexp_matches(filename, '{DEMO_FILE_PATTERN}') THEN 'demo' ELSE 'app' END AS source
        FROM read_json({files_param}, format = 'newline_delimited', ignore_errors = true,
                       filename = true, columns = {{{columns}}})
        WHERE event_id IS NOT NULL AND event IS NOT NULL AND ts IS NOT NULL
    """


def event_file_ids(con, paths: list[str]) -> list[int]:
    """The raw.event_files id of each path: its own if known, else a new one (recorded at ingest)."""
    known = dict(con.execute("SELECT path, file_id FROM raw.event_files").fetchall())
    next_id = max(known.values(), default=0) + 1
    ids = []
    for path in paths:
        if path not in known:
            known[path], next_id = next_id, next_id + 1
        ids.append(known[path])
    return ids


def create_live_events_view(con, events_dir: str | Path) -> int:
    """Create TEMP VIEW live_events = ingested events + not-yet-ingested ones; return pending file count."""
    pending = [f.path for f in pending_event_files(con, events_dir)]
    if not pending:
        con.execute("CREATE OR REPLACE TEMP VIEW live_events AS SELECT * EXCLUDE (ingested_at) FROM core.events")
        return 0
    con.execute(f"CREATE OR REPLACE TEMP TABLE pending_events AS {select_events_sql('$files')}", {"files": pending})
    # Drop pending events already loaded, not only those of partly ingested files: a client may re-send a
    # loaded event and it lands in a new file. Only the lake partitions of the pending events' days are
    # read (cheap at 100 M events); a warehouse that still holds events in a table is probed as it is.
    lake, visible_until = lake_state(con)
    if lake is not None:
        if visible_until is not None:
            drop_events_in_lake(con, "pending_events", lake, visible_until)
    else:
        con.execute("DELETE FROM pending_events WHERE event_id IN (SELECT CAST(event_id AS UUID) FROM core.events)")
    con.execute(
        """CREATE OR REPLACE TEMP VIEW live_events AS
           SELECT * EXCLUDE (ingested_at) FROM core.events UNION ALL BY NAME SELECT * FROM pending_events"""
    )
    return len(pending)
