"""Demo learning materials and student x material interactions with planted taste structure.

Each student has a hidden taste cluster (and a weakest subject); each material belongs to a
cluster and a subject. Students mostly pick materials of their cluster, so students with a
similar history really do like the same things, and collaborative filtering can beat popularity.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

SUBJECTS = ("math", "reading", "writing")
FORMATS = ("video", "exercise", "article", "quiz")
N_CLUSTERS = 12
MAX_PER_STUDENT = 30


def generate_materials(n_materials: int, seed: int) -> pd.DataFrame:
    """Materials with subject, difficulty, format, a hidden cluster and a popularity weight."""
    rng = np.random.default_rng(seed + 101)
    subject = rng.integers(0, 3, n_materials)
    difficulty = rng.integers(1, 6, n_materials)
    fmt = rng.integers(0, 4, n_materials)
    cluster = rng.integers(0, N_CLUSTERS, n_materials)
    popularity = rng.lognormal(0.0, 0.8, n_materials)
    titles = [f"{SUBJECTS[s].title()} {FORMATS[f]} {i + 1:03d} (level {d})"
              for i, (s, f, d) in enumerate(zip(subject, fmt, difficulty))]
    return pd.DataFrame({
        "material_id": [f"M{i + 1:04d}" for i in range(n_materials)],
        "title": titles,
        "subject": np.array(SUBJECTS)[subject],
        "difficulty": difficulty.astype(int),
        "format": np.array(FORMATS)[fmt],
        "cluster": cluster,
        "popularity": popularity,
    })


def generate_interactions(coded_students: pd.DataFrame, materials: pd.DataFrame, seed: int,
                          end_ts: np.datetime64, chunk: int = 20000):
    """Yield interaction chunks (student_idx, material_idx, rating, completed, ts) as DataFrames."""
    rng = np.random.default_rng(seed + 202)
    n = len(coded_students)
    scores = coded_students[["math_score", "reading_score", "writing_score"]].to_numpy()
    weakest = scores.argmin(axis=1)
    taste = rng.integers(0, N_CLUSTERS, n)
    counts = np.minimum(3 + rng.poisson(9, n), MAX_PER_STUDENT)
    m_cluster = materials["cluster"].to_numpy()
    m_subject = materials["subject"].map({s: i for i, s in enumerate(SUBJECTS)}).to_numpy()
    log_pop = np.log(materials["popularity"].to_numpy())
    span = 120 * 86400
    end_s = end_ts.astype("datetime64[s]").astype(np.int64)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        same_cluster = taste[start:stop, None] == m_cluster[None, :]
        weak_subject = weakest[start:stop, None] == m_subject[None, :]
        utility = 2.2 * same_cluster + 0.7 * weak_subject + log_pop[None, :]
        # Gumbel top-k = sampling without replacement proportional to exp(utility).
        keys = utility + rng.gumbel(size=utility.shape)
        top = np.argpartition(-keys, MAX_PER_STUDENT, axis=1)[:, :MAX_PER_STUDENT]
        take = np.arange(MAX_PER_STUDENT)[None, :] < counts[start:stop, None]
        rows, cols = np.nonzero(take)
        student_idx = start + rows
        material_idx = top[rows, cols]
        match = same_cluster[rows, material_idx]
        rating = np.clip(np.rint(3.0 + 1.3 * match + 0.9 * rng.standard_normal(len(rows))), 1, 5)
        yield pd.DataFrame({
            "student_idx": student_idx.astype(np.int32),
            "material_idx": material_idx.astype(np.int32),
            "rating": rating.astype(np.float32),
            "completed": rating >= 3,
            "ts_s": end_s - rng.integers(0, span, len(rows)),
        })
