"""Seeded synthetic students with the Kaggle structure and PLANTED effects, for known-answer tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import SPEC_BY_NAME

# math = intercept + weights·(reading, writing) + category effects + noise (points)
PLANTED_WEIGHTS = {"reading_score": 0.45, "writing_score": 0.45}
PLANTED_EFFECTS = {
    ("gender", "male"): 8.0,
    ("lunch", "standard"): 4.0,
    ("race_ethnicity", "group E"): 5.0,
    ("test_prep", "completed"): -3.0,  # prep raises reading/writing more than math (as in Kaggle)
}
PLANTED_INTERCEPT = -4.0


def make_synthetic_students(n: int = 1000, *, seed: int = 0, noise_sd: float = 4.0) -> pd.DataFrame:
    """Return n students (schema columns + math_score) where math depends linearly on the rest."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            name: rng.choice(list(SPEC_BY_NAME[name].allowed), size=n)
            for name in ("gender", "race_ethnicity", "parental_education", "lunch", "test_prep")
        }
    )
    ability = rng.normal(68, 13, size=n) + 4 * (frame["test_prep"] == "completed")
    frame["reading_score"] = ability + rng.normal(0, 4, size=n)
    frame["writing_score"] = ability + rng.normal(0, 4, size=n)
    math = PLANTED_INTERCEPT + rng.normal(0, noise_sd, size=n)
    for name, weight in PLANTED_WEIGHTS.items():
        math = math + weight * frame[name]
    for (name, level), effect in PLANTED_EFFECTS.items():
        math = math + effect * (frame[name] == level)
    frame["math_score"] = math
    for name in ("reading_score", "writing_score", "math_score"):
        frame[name] = frame[name].clip(0, 100).round().astype("int64")
    return frame
