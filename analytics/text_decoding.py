"""Bytes of an uploaded or loaded text file to str: UTF-8 with or without BOM, or CP932 from Japanese Excel."""
from __future__ import annotations


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding); ValueError names the first undecodable byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 or CP932/Shift_JIS text (byte {exc.start})") from exc
