"""Helpers for tests that train on a private copy of the shared warehouse."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import numpy as np

from warehouse.settings import get_settings

FAST = {"n_trials": 2, "cv_repeats": 1}   # the smallest tuning that still exercises every step


def settings_for(db: Path):
    """The current settings pointed at another warehouse file."""
    return dataclasses.replace(get_settings(), db_path=db)


def set_math(db: Path, values: np.ndarray) -> None:
    """Overwrite every student's math score (in student_id order) to plant a change."""
    con = duckdb.connect(str(db))
    try:
        ids = [r[0] for r in con.execute("SELECT student_id FROM core.students ORDER BY student_id").fetchall()]
        con.executemany("UPDATE core.students SET math_score = ? WHERE student_id = ?",
                        [[int(v), i] for v, i in zip(values, ids)])
    finally:
        con.close()
