"""Always-valid (sequential) confidence intervals: the normal-mixture mSPRT boundary GrowthBook uses.

An interval from `sequential_interval` covers the true effect with probability 1 − alpha at every
look simultaneously, so an experiment can be checked daily and stopped when it excludes zero
without inflating the false-positive rate (Waudby-Smith et al. 2023, eq. 9 and 161; GrowthBook's
`SequentialTwoSidedTTest`). The tuning parameter is the sample size at which the boundary is
tightest; GrowthBook's default is 5,000.
"""
from __future__ import annotations

import math

from scipy import optimize

DEFAULT_TUNING = 5000.0
MIN_P = 1e-12  # the p-value search stops here; formatting shows it as "< 0.001"


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Mixture scale ρ that makes the boundary tightest near `tuning` units (eq. 161)."""
    log_term = -2 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1)) / tuning)


def sequential_half_width(se: float, n: int, *, alpha: float = 0.05, tuning: float = DEFAULT_TUNING) -> float:
    """Half-width of the always-valid interval for an estimate with standard error `se` from n units."""
    if n <= 0 or not math.isfinite(se):
        return math.nan
    rho = mixture_rho(alpha, tuning)
    s2 = se * se * n  # variance of one unit's contribution
    return math.sqrt(s2) * math.sqrt(
        2 * (n * rho**2 + 1) * math.log(math.sqrt(n * rho**2 + 1) / alpha) / (n * rho) ** 2)


def sequential_interval(estimate: float, se: float, n: int, *, alpha: float = 0.05,
                        tuning: float = DEFAULT_TUNING) -> tuple[float, float]:
    """Always-valid (1 − alpha) interval estimate ± half-width (NaN when the estimate is unknown)."""
    if not math.isfinite(estimate):
        return math.nan, math.nan
    half = sequential_half_width(se, n, alpha=alpha, tuning=tuning)
    return estimate - half, estimate + half


def sequential_p_value(estimate: float, se: float, n: int, *, tuning: float = DEFAULT_TUNING) -> float:
    """Always-valid p-value: the smallest alpha whose sequential interval excludes zero."""
    if not (math.isfinite(estimate) and math.isfinite(se)) or n <= 0:
        return math.nan
    if se == 0:
        return MIN_P if estimate != 0 else 1.0
    target = abs(estimate)

    def gap(log_alpha: float) -> float:
        return sequential_half_width(se, n, alpha=math.exp(log_alpha), tuning=tuning) - target

    # the half-width shrinks as alpha grows; at alpha = 1 it may still exceed |estimate|
    if gap(math.log(1 - 1e-9)) > 0:
        return 1.0
    if gap(math.log(MIN_P)) < 0:
        return MIN_P
    return math.exp(optimize.brentq(gap, math.log(MIN_P), math.log(1 - 1e-9), xtol=1e-10))
