"""One reader for every delimited file a school hands us (students, materials, interactions).

It decodes (UTF-8 with or without BOM, CP932), sniffs the delimiter (`,` `;` tab), normalises
the header, fails with one line when a required column is missing (before anything is written),
and walks the data rows with their file line numbers, rejecting blank rows and rows with the
wrong number of fields in the quarantine shape {line_no, column_name, value, reason, raw_line}.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from analytics.student_schema import normalise_header
from analytics.text_decoding import decode_text
from pipelines.errors import PipelineError

DELIMITERS = (",", ";", "\t")
HEAD_BYTES = 1 << 16


@dataclass
class TextTable:
    """A decoded file with its header; `rows()` yields its data rows."""

    path: Path
    sha256: str
    encoding: str
    delimiter: str
    header_cells: list[str]
    header: list[str]
    text: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def source_file(self) -> str:
        """The file name recorded with every row and quarantine entry."""
        return self.path.name

    def index(self, known) -> dict[str, int]:
        """Column name -> position for the known columns present in the header."""
        return {name: i for i, name in enumerate(self.header) if name in known}

    def rows(self) -> Iterator[Row]:
        """Data rows in file order; blank and wrong-width rows come back with `reject` set."""
        lines = self.text.splitlines()
        reader = csv.reader(io.StringIO(self.text), delimiter=self.delimiter)
        next(reader)
        line_start = reader.line_num + 1
        for cells in reader:
            line_no, line_start = line_start, reader.line_num + 1
            if not cells:
                continue   # a truly empty line carries no data
            raw_line = "\n".join(lines[line_no - 1:line_start - 1])
            reject = None
            if all(not c.strip() for c in cells):
                reject = reject_row(line_no, "*", "", "blank_row", raw_line)
            elif len(cells) != len(self.header):
                # Columns cannot be trusted to line up, so one structural reason, not one per cell.
                reject = reject_row(line_no, "*", str(len(cells)),
                                    f"wrong_field_count (expected {len(self.header)}, got {len(cells)})", raw_line)
            yield Row(line_no, raw_line, cells, reject)


@dataclass
class Row:
    """One data row: its first line number, raw text, cells, and a structural rejection if any."""

    line_no: int
    raw_line: str
    cells: list[str]
    reject: dict | None = None


def reject_row(line_no: int, column: str, value: str, reason: str, raw_line: str) -> dict:
    """A quarantine entry in the shape every loader writes."""
    return {"line_no": line_no, "column_name": column, "value": value, "reason": reason, "raw_line": raw_line}


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of `,` `;` tab in the header line (`,` when none)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read() if limit is None else handle.read(limit)
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read file ({exc.strerror})") from exc


def _decode(data: bytes, name: str) -> tuple[str, str]:
    try:
        return decode_text(data)
    except ValueError as exc:
        raise PipelineError(f"{name}: {exc}") from exc


def _header(path: Path, text: str, required, known, normalise) -> tuple[str, list[str], list[str], list[str]]:
    """(delimiter, raw header cells, normalised header, ignored columns); missing required columns raise."""
    if not text.strip():
        raise PipelineError(f"{path.name}: file is empty (no header line)")
    first = text.splitlines()[0]
    delimiter = sniff_delimiter(first)
    cells = next(csv.reader([first], delimiter=delimiter))
    header = [normalise(h) for h in cells]
    missing = [c for c in required if c not in header]
    if missing:
        raise PipelineError(f"{path.name}: missing required column(s): {', '.join(missing)} "
                            f"(found: {', '.join(h.strip() for h in cells)})")
    return delimiter, cells, header, [h for h in header if h not in known]


def read_table(path: str | Path, required, optional=(), *,
               normalise: Callable[[str], str] = normalise_header) -> TextTable:
    """Read and decode a whole (small) file; PipelineError for file-level problems."""
    path = Path(path)
    data = _read_bytes(path)
    text, encoding = _decode(data, path.name)
    delimiter, cells, header, ignored = _header(path, text, required, set(required) | set(optional), normalise)
    return TextTable(path, hashlib.sha256(data).hexdigest(), encoding, delimiter, cells, header, text, ignored)


def read_head(path: str | Path, required, optional=(), *,
              normalise: Callable[[str], str] = normalise_header) -> TextTable:
    """Header facts of a (possibly huge) file from its first 64 KB; `text` stays empty, sha256 is of the head.

    The encoding is a guess from the head (a file whose CP932 bytes come later is caught by the
    bulk reader, which then transcodes).
    """
    path = Path(path)
    head = _read_bytes(path, HEAD_BYTES)
    # An incremental decoder ignores a multi-byte character cut at the end of the head.
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, path.name)
    delimiter, cells, header, ignored = _header(path, text, required, set(required) | set(optional), normalise)
    return TextTable(path, hashlib.sha256(head).hexdigest(), encoding, delimiter, cells, header, "", ignored)


def transcode_to_utf8(source: Path, target: Path, encoding: str = "cp932") -> None:
    """Stream a legacy-encoded file into UTF-8 (for readers that take UTF-8 only); PipelineError on bad bytes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 24):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise PipelineError(f"{source.name}: not UTF-8 or CP932/Shift_JIS text ({exc.reason})") from exc
