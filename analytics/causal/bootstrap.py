"""Bootstrap standard errors and percentile or BCa intervals for every estimator (cluster-aware).

With clusters, whole clusters are drawn with replacement (pupils of one school stay together), so
the intervals hold when the programme is assigned by school. Each replicate refits the propensity
model, so the intervals include its estimation. BCa takes its acceleration from a grouped
(delete-a-block) jackknife with at most JACKKNIFE_BLOCKS blocks of clusters or units, which keeps
its cost at a few extra replicates on 100,000 rows.
"""
from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from analytics.causal.clusters import Grouping
from analytics.causal.estimators import CONFIDENCE
from analytics.causal.fitting import Problem, point_estimates

CI_KINDS = ("percentile", "bca")
MAX_BOOTSTRAP = 5_000
JACKKNIFE_BLOCKS = 20
# A replicate share this large without an estimate (e.g. no treated left after trimming) means
# the bootstrap says nothing about that row.
MAX_FAILED_SHARE = 0.1
# The interactive budget of the EBPM tab: as many replicates as fit in it, within these bounds.
INTERACTIVE_SECONDS = 3.0
INTERACTIVE_REPLICATES = (50, 200)


def _cluster_index(clusters: Grouping) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(clusters.codes, kind="stable")
    counts = np.bincount(clusters.codes, minlength=clusters.n_groups)
    return order, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def resample(n: int, clusters: Grouping | None, rng: np.random.Generator, index=None) -> np.ndarray:
    """Row positions of one bootstrap sample: units, or whole clusters, drawn with replacement."""
    if clusters is None:
        return rng.integers(0, n, n)
    order, starts, counts = index or _cluster_index(clusters)
    drawn = rng.integers(0, clusters.n_groups, clusters.n_groups)
    lengths = counts[drawn]
    offsets = np.repeat(starts[drawn] - (np.cumsum(lengths) - lengths), lengths)
    return order[offsets + np.arange(lengths.sum())]


def _replicates(problem: Problem, methods, n_boot: int, seed: int, options) -> dict[tuple, np.ndarray]:
    rng = np.random.default_rng(seed)
    index = None if problem.clusters is None else _cluster_index(problem.clusters)
    draws: dict[tuple, list[float]] = {}
    for _ in range(n_boot):
        rows = resample(len(problem.y), problem.clusters, rng, index)
        treated = problem.treated[rows]
        if treated.all() or not treated.any():
            continue
        for key, value in point_estimates(problem.rows(rows), methods, **options).items():
            draws.setdefault(key, []).append(value)
    return {key: np.asarray(values, dtype=float) for key, values in draws.items()}


def _jackknife(problem: Problem, methods, seed: int, options) -> dict[tuple, np.ndarray]:
    """Leave-one-block-out estimates over at most JACKKNIFE_BLOCKS blocks of clusters (or units)."""
    units = problem.clusters.codes if problem.clusters is not None else np.arange(len(problem.y))
    n_units = int(units.max()) + 1
    blocks = min(JACKKNIFE_BLOCKS, n_units)
    block_of_unit = np.random.default_rng(seed + 1).permutation(n_units) % blocks
    block = block_of_unit[units]
    leave_out: dict[tuple, list[float]] = {}
    for b in range(blocks):
        for key, value in point_estimates(problem.rows(np.flatnonzero(block != b)), methods, **options).items():
            leave_out.setdefault(key, []).append(value)
    return {key: np.asarray(values, dtype=float) for key, values in leave_out.items()}


def percentile_interval(draws: np.ndarray) -> tuple[float, float]:
    """Equal-tailed percentile interval of the bootstrap draws."""
    alpha = (1 - CONFIDENCE) / 2
    return float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))


def bca_interval(draws: np.ndarray, estimate: float, jackknife: np.ndarray) -> tuple[float, float]:
    """Bias-corrected and accelerated interval (Efron 1987); acceleration from the jackknife values."""
    below = np.mean(draws < estimate) + 0.5 * np.mean(draws == estimate)
    z0 = stats.norm.ppf(np.clip(below, 1 / (len(draws) + 1), len(draws) / (len(draws) + 1)))
    spread = jackknife.mean() - jackknife
    denominator = 6 * np.sum(spread**2) ** 1.5
    acceleration = float(np.sum(spread**3) / denominator) if denominator > 0 else 0.0
    bounds = []
    for tail in ((1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2):
        z = z0 + stats.norm.ppf(tail)
        bounds.append(float(np.quantile(draws, stats.norm.cdf(z0 + z / (1 - acceleration * z)))))
    return bounds[0], bounds[1]


def bootstrap_rows(problem: Problem, methods: list[str], rows: list[dict], *, n_boot: int, ci: str = "percentile",
                   seed: int = 0, only: set[str] | None = None, **options) -> list[dict]:
    """Rows with bootstrap SEs and CIs (and se_type 'bootstrap'); `only` limits it to some methods."""
    chosen = [m for m in methods if only is None or m in only]
    if not chosen:
        return rows
    draws = _replicates(problem, chosen, n_boot, seed, options)
    jackknife = _jackknife(problem, chosen, seed, options) if ci == "bca" else {}
    updated = []
    for row in rows:
        key = (row["method"], row["estimand"])
        values = draws.get(key)
        if values is None or not math.isfinite(row["estimate"]):
            updated.append(row)
            continue
        finite = values[np.isfinite(values)]
        if len(finite) < max(2, (1 - MAX_FAILED_SHARE) * n_boot):
            updated.append({**row, "se": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan,
                            "se_type": "bootstrap"})
            continue
        se = float(finite.std(ddof=1))
        low, high = (bca_interval(finite, row["estimate"], jackknife[key]) if ci == "bca"
                     else percentile_interval(finite))
        p_value = float(2 * stats.norm.sf(abs(row["estimate"] / se))) if se > 0 else math.nan
        updated.append({**row, "se": se, "ci_low": low, "ci_high": high, "p_value": p_value,
                        "se_type": "bootstrap", "n_bootstrap": len(finite), "ci_kind": ci})
    return updated


def interactive_replicates(seconds_per_replicate: float, budget: float = INTERACTIVE_SECONDS) -> int:
    """How many bootstrap replicates fit in the tab's budget, within INTERACTIVE_REPLICATES."""
    low, high = INTERACTIVE_REPLICATES
    if seconds_per_replicate <= 0:
        return high
    return int(min(high, max(low, budget // seconds_per_replicate)))


def time_one_replicate(problem: Problem, methods: list[str], seed: int = 0, **options) -> float:
    """Wall time of one bootstrap replicate of these methods (to size the interactive bootstrap)."""
    rows = resample(len(problem.y), problem.clusters, np.random.default_rng(seed))
    start = time.perf_counter()
    point_estimates(problem.rows(rows), methods, **options)
    return time.perf_counter() - start
