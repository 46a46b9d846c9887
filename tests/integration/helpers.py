"""Helpers for integration tests: demo-shaped Kaggle CSVs and warehouse fingerprints."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb

from pipelines.demo_students import decode_students, generate_students

KAGGLE_COLUMNS = ["gender", "race/ethnicity", "parental level of education", "lunch",
                  "test preparation course", "math score", "reading score", "writing score"]


def write_kaggle_csv(path: Path, n: int = 1000, seed: int = 3) -> Path:
    """A CSV in the exact Kaggle layout (every field double-quoted, LF endings)."""
    df = decode_students(generate_students(n, seed))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(KAGGLE_COLUMNS)
        for row in df.itertuples(index=False):
            writer.writerow(list(row))
    return path


def sha256(path: Path) -> str:
    """Hash of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    """Every row of a read-only query."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(db: Path, sql: str, params=None):
    """One value from a read-only query."""
    return rows(db, sql, params)[0][0]
