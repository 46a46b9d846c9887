"""Learning filters: restrict candidates to the weakest subject and to difficulty near the student's level.

They return allowed material ids, to pass as `allowed_items=` to any recommender's
recommend / recommend_for_history.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.recsys.matrix import ITEM_COL

SUBJECT_SCORE_COLUMNS = {"math": "math_score", "reading": "reading_score", "writing": "writing_score"}
MAX_SCORE = 100
DIFFICULTY_LEVELS = 5


def weakest_subject(scores: Mapping[str, float]) -> str:
    """Subject with the lowest score (math_score, reading_score, writing_score); ties → first listed."""
    available = {s: scores[c] for s, c in SUBJECT_SCORE_COLUMNS.items() if c in scores and pd.notna(scores[c])}
    if not available:
        raise ValueError(f"no subject scores among {list(SUBJECT_SCORE_COLUMNS.values())}")
    return min(available, key=available.get)


def level_for_score(score: float, levels: int = DIFFICULTY_LEVELS) -> int:
    """Difficulty level 1..levels for a 0..100 score, in equal bands (0–19 → 1, …, 80–100 → 5)."""
    band = int(np.floor(float(np.clip(score, 0, MAX_SCORE)) / (MAX_SCORE / levels)))
    return min(band, levels - 1) + 1


def filter_items(items: pd.DataFrame, subject: str | None = None, level: int | None = None,
                 tolerance: int = 1) -> np.ndarray:
    """Material ids of the given subject and with |difficulty − level| <= tolerance (None = any)."""
    keep = np.ones(len(items), dtype=bool)
    if subject is not None:
        keep &= (items["subject"] == subject).to_numpy()
    if level is not None:
        keep &= (items["difficulty"] - level).abs().to_numpy() <= tolerance
    return items.loc[keep, ITEM_COL].to_numpy()


def learning_filter(items: pd.DataFrame, scores: Mapping[str, float], tolerance: int = 1) -> np.ndarray:
    """Materials in the student's weakest subject, near the level of that subject's score."""
    subject = weakest_subject(scores)
    return filter_items(items, subject, level_for_score(scores[SUBJECT_SCORE_COLUMNS[subject]]), tolerance)
