"""Planted-truth data: confounded treatment with a known constant effect (tests, benchmarks, demos)."""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP_LEVELS = ("a", "b", "c")


def simulate_confounded(n: int, *, effect: float = 2.0, seed: int = 0) -> pd.DataFrame:
    """Columns treat (0/1), x1, x2 (numeric), group (a/b/c) and y = effect * treat + confounding + noise.

    Treatment follows a logistic model and the outcome a linear one in the same covariates, so both
    the propensity and the outcome models used by the estimators are correctly specified, while the
    naive difference in means is biased upwards (x1 raises both treatment odds and the outcome).
    """
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n)
    x2 = rng.standard_normal(n)
    group = rng.choice(np.array(GROUP_LEVELS), size=n, p=[0.5, 0.3, 0.2])
    linear = -0.4 + 0.8 * x1 - 0.5 * x2 + 0.6 * (group == "b") - 0.4 * (group == "c")
    treat = (rng.random(n) < 1 / (1 + np.exp(-linear))).astype(int)
    y = 1.0 + effect * treat + 2.0 * x1 + 1.0 * x2 + 1.5 * (group == "c") + rng.standard_normal(n) * 2.0
    return pd.DataFrame({"treat": treat, "x1": x1, "x2": x2, "group": group, "y": y})
