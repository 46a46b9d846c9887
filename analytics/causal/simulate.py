"""Planted-truth data: confounded treatment with a known constant effect, for pupils alone or in schools
(tests, benchmarks, demos)."""

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


def school_sizes(n: int, n_schools: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes of n_schools schools summing to n, varying (log-normal) but each at least 2 pupils."""
    raw = rng.lognormal(0.0, 0.6, n_schools)
    sizes = np.maximum(2, np.floor(raw / raw.sum() * n)).astype(int)
    sizes[np.argmax(sizes)] += n - sizes.sum()
    return sizes


def simulate_clustered(n: int, n_schools: int, *, effect: float = 2.0, school_sd: float = 3.0,
                       class_size: int = 25, seed: int = 0) -> pd.DataFrame:
    """Pupils in schools of varying size; the programme (treat) is assigned by school; known effect.

    Columns school_id, class_id, school_ses (a school-level covariate), x1, x2, group, treat, y.
    Schools with a higher school_ses are likelier to take the programme and score higher, so the
    naive difference is biased; y also carries a school effect (SD school_sd) and a small class
    effect, which makes pupils of one school correlated: SEs that ignore this are far too small.
    """
    rng = np.random.default_rng(seed)
    sizes = school_sizes(n, n_schools, rng)
    school = np.repeat(np.arange(n_schools), sizes)
    ses = rng.standard_normal(n_schools)
    school_treat = rng.random(n_schools) < 1 / (1 + np.exp(-(0.9 * ses)))
    within = np.concatenate([np.arange(size) for size in sizes])
    class_in_school = within // class_size
    class_code = school * (n // class_size + 1) + class_in_school
    _, class_index = np.unique(class_code, return_inverse=True)
    x1 = 0.5 * ses[school] + rng.standard_normal(n)
    x2 = rng.standard_normal(n)
    group = rng.choice(np.array(GROUP_LEVELS), size=n, p=[0.5, 0.3, 0.2])
    treat = school_treat[school].astype(int)
    y = (1.0 + effect * treat + 1.5 * ses[school] + 2.0 * x1 + x2 + 1.5 * (group == "c")
         + school_sd * rng.standard_normal(n_schools)[school]
         + 0.5 * rng.standard_normal(class_index.max() + 1)[class_index] + 2.0 * rng.standard_normal(n))
    return pd.DataFrame({"school_id": [f"S{s:04d}" for s in school], "class_id": [f"C{c:05d}" for c in class_index],
                         "school_ses": ses[school], "x1": x1, "x2": x2, "group": group, "treat": treat, "y": y})
