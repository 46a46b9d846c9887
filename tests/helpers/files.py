"""Helpers for integration tests: demo-shaped Kaggle CSVs and warehouse fingerprints."""
from __future__ import annotations

import contextlib
import csv
import hashlib
import subprocess
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pandas as pd

from pipelines.demo_students import decode_students, generate_students

KAGGLE_COLUMNS = ["gender", "race/ethnicity", "parental level of education", "lunch",
                  "test preparation course", "math score", "reading score", "writing score"]


def write_kaggle_csv(path: Path, n: int = 1000, seed: int = 3) -> Path:
    """A CSV in the exact Kaggle layout (every field double-quoted, LF endings)."""
    df = decode_students(generate_students(n, seed)).iloc[:, :len(KAGGLE_COLUMNS)]   # no demo school columns
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


def write_upload(path: Path, n: int = 3000, effect: float = 2.0, seed: int = 5) -> Path:
    """The documented upload format, header exactly `treat, motivation, baseline, y` (spaces included).

    motivation and baseline are the only confounders (both raise the treatment odds and y), so
    adjusting for them recovers `effect` while the naive difference is biased upwards.
    """
    rng = np.random.default_rng(seed)
    motivation, baseline = rng.standard_normal(n), rng.standard_normal(n)
    treat = (rng.random(n) < 1 / (1 + np.exp(0.3 - 0.8 * motivation - 0.5 * baseline))).astype(int)
    y = 1.0 + effect * treat + 1.5 * motivation + 2.0 * baseline + 2.0 * rng.standard_normal(n)
    frame = pd.DataFrame({"treat": treat, "motivation": motivation, "baseline": baseline, "y": y})
    path.write_text("treat, motivation, baseline, y\n" + frame.to_csv(index=False, header=False))
    return path


def live_count(db, events_dir, where="true"):
    """Events in the live view (warehouse plus pending files) matching a fixed test condition."""
    from warehouse.connection import read_only
    from warehouse.events import create_live_events_view

    with read_only(db) as con:
        create_live_events_view(con, events_dir)
        return con.execute(f"SELECT count(*) FROM live_events WHERE {where}").fetchone()[0]


@contextlib.contextmanager
def small_tmpfs(mount: Path, size: str = "1m") -> Iterator[Path]:
    """A tiny tmpfs mounted at `mount` (a disk that fills up); skips the test where mounting needs root."""
    import pytest

    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a {size} tmpfs here (needs root): {done.stderr.strip()[:200]}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)
