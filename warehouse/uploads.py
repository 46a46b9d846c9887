"""Server-side store for uploaded CSV files: the browser only ever holds a random token.

An upload is written under `<data_dir>/uploads/<token>.csv` (with `<token>.json` beside it) after
its size and row count are checked here, so no client can name a server path or skip a limit by
writing into a dcc.Store. Tokens are 32 random URL-safe bytes; old uploads expire.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")   # secrets.token_urlsafe(32)
DEFAULT_MAX_AGE_S = 6 * 3600
NAME_MAX = 100


class UploadError(ValueError):
    """An upload was refused or cannot be found; `code` is machine-readable, `params` fill the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class UploadInfo:
    """What the browser may keep about an upload: its token, display name, size and data rows."""

    token: str
    name: str
    size_bytes: int
    rows: int
    created_at: float


def _folder(data_dir: str | Path) -> Path:
    return Path(data_dir) / "uploads"


def _display_name(name: str | None) -> str:
    base = re.split(r"[\\/]", name or "upload.csv")[-1]
    return "".join(ch for ch in base if ch.isprintable())[:NAME_MAX] or "upload.csv"


def count_data_rows(data: bytes) -> int:
    """Lines after the header (a last line without a newline counts; blank trailing lines do not)."""
    lines = data.rstrip(b"\r\n").count(b"\n") + 1 if data.strip() else 0
    return max(lines - 1, 0)


def store_upload(data_dir: str | Path, data: bytes, *, name: str | None, max_bytes: int, max_rows: int) -> UploadInfo:
    """Check the limits, then store the bytes behind a new random token; return its UploadInfo."""
    if len(data) > max_bytes:
        raise UploadError("file_too_large", size_bytes=len(data), limit_bytes=max_bytes)
    if not data.strip():
        raise UploadError("empty_file")
    rows = count_data_rows(data)
    if rows > max_rows:
        raise UploadError("too_many_rows", n_rows=rows, max_rows=max_rows)
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    info = UploadInfo(secrets.token_urlsafe(32), _display_name(name), len(data), rows, time.time())
    for suffix, payload in ((".csv", data), (".json", json.dumps(asdict(info)).encode())):
        tmp = folder / f".{info.token}{suffix}.tmp"
        tmp.write_bytes(payload)
        os.replace(tmp, folder / f"{info.token}{suffix}")   # a reader never sees half a file
    return info


def resolve_upload(data_dir: str | Path, token, *, max_age_s: float = DEFAULT_MAX_AGE_S,
                   now: float | None = None) -> tuple[UploadInfo, bytes]:
    """The upload behind a token and its bytes; UploadError('unknown_upload') for anything else."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        raise UploadError("unknown_upload")
    folder = _folder(data_dir)
    try:
        info = UploadInfo(**json.loads((folder / f"{token}.json").read_text()))
        data = (folder / f"{token}.csv").read_bytes()
    except (OSError, ValueError, TypeError) as exc:
        raise UploadError("unknown_upload") from exc
    if (now if now is not None else time.time()) - info.created_at > max_age_s:
        raise UploadError("upload_expired")
    return info, data


def expire_uploads(data_dir: str | Path, *, max_age_s: float = DEFAULT_MAX_AGE_S, now: float | None = None) -> int:
    """Delete uploads older than max_age_s (and stray temp files); return how many files went."""
    folder = _folder(data_dir)
    if not folder.exists():
        return 0
    cutoff = (now if now is not None else time.time()) - max_age_s
    removed = 0
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
