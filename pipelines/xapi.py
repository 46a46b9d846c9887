"""xAPI statements (JSON lines, as Moodle/Canvas/Learning Locker export them) -> interaction text rows.

Mapping: actor.account.name (else actor.mbox without "mailto:") -> student_id; object.id ->
material_id; timestamp -> ts; result.score.scaled -> score; result.duration (ISO 8601, e.g.
PT12M30S) -> duration_s. Values stay text here; the interactions loader checks them exactly as it
checks a CSV, so both formats share one set of rules.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from pipelines.errors import PipelineError
from pipelines.text_table import reject_row

COLUMNS = ("student_id", "material_id", "ts", "rating", "duration_s", "score")
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _get(obj, *path):
    """obj[path[0]][path[1]]... or None when any step is missing or not an object."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def duration_seconds(text) -> str:
    """ISO 8601 duration (PnDTnHnMnS) -> seconds as text; '' when absent; the text itself when not ISO."""
    if text is None:
        return ""
    found = _DURATION.match(str(text))
    if not found or not any(found.groups()):
        return str(text)   # the loader reports it as not_a_number, naming the value
    d, h, m, s = (float(g) if g else 0.0 for g in found.groups())
    return repr(((d * 24 + h) * 60 + m) * 60 + s)


def statement_row(statement: dict) -> dict[str, str]:
    """One xAPI statement -> the interaction columns as text ('' when absent)."""
    actor = statement.get("actor") if isinstance(statement.get("actor"), dict) else {}
    student = _get(actor, "account", "name") or actor.get("mbox") or ""
    student = str(student).removeprefix("mailto:")
    score = _get(statement, "result", "score", "scaled")
    return {"student_id": student, "material_id": str(_get(statement, "object", "id") or ""),
            "ts": str(statement.get("timestamp") or ""), "rating": "",
            "duration_s": duration_seconds(_get(statement, "result", "duration")),
            "score": "" if score is None else str(score)}


def read_xapi(path: str | Path) -> tuple[pd.DataFrame, list[dict], int, str]:
    """(text rows with line_no, rejected lines, lines read, encoding) of a JSON-lines xAPI file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read file ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(f"{path.name}: xAPI must be UTF-8 JSON (byte {exc.start})") from exc
    rows, rejected, read = [], [], 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        read += 1
        try:
            statement = json.loads(line)
        except json.JSONDecodeError as exc:
            rejected.append(reject_row(line_no, "*", line[:80], f"not_json ({exc.msg})", line))
            continue
        if not isinstance(statement, dict):
            rejected.append(reject_row(line_no, "*", line[:80], "not_a_statement", line))
            continue
        rows.append({**statement_row(statement), "line_no": line_no, "raw_line": line})
    if read == 0:
        raise PipelineError(f"{path.name}: file has no statements")
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "line_no", "raw_line"])
    return frame.astype({c: "str" for c in (*COLUMNS, "raw_line")}), rejected, read, "utf-8"
