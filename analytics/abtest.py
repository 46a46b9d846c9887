"""A/B statistics for click-through rates: intervals, tests, lift, P(best), SRM and sample size."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

FISHER_MIN_EXPECTED = 5.0  # below this expected cell count the normal approximation is unreliable
SRM_ALPHA = 0.001  # strict, because an SRM check runs on every look at the data
MC_DRAWS = 200_000  # Monte Carlo error of P(best) is then below 0.002
COUNT_COLUMNS = ("variant", "impressions", "clicks")
DAILY_COLUMNS = ("date", "variant", "impressions", "clicks")  # ctr_over_time input


@dataclass(frozen=True)
class ProportionTest:
    """Result of comparing two click-through rates."""

    method: str  # "z" (pooled two-proportion z-test) or "fisher" (exact)
    statistic: float  # z for "z" (positive when B > A), odds ratio for "fisher"
    p_value: float


@dataclass(frozen=True)
class SRMCheck:
    """Sample-ratio-mismatch check: observed traffic split vs the planned one."""

    statistic: float
    p_value: float
    mismatch: bool
    planned_share: dict[str, float]
    observed_share: dict[str, float]


@dataclass(frozen=True)
class ABSummary:
    """Everything the A/B view needs about one experiment; `.table` has one row per variant."""

    table: pd.DataFrame
    control: str
    srm: SRMCheck
    required_n_per_variant: int | None
    min_n_per_variant: int
    peeking: bool
    alpha: float
    power: float
    mde: float
    mde_relative: bool

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (NaN becomes None)."""
        return {
            "control": self.control,
            "alpha": self.alpha,
            "power": self.power,
            "mde": self.mde,
            "mde_relative": self.mde_relative,
            "required_n_per_variant": self.required_n_per_variant,
            "min_n_per_variant": self.min_n_per_variant,
            "peeking": self.peeking,
            "srm": {
                "statistic": _plain(self.srm.statistic),
                "p_value": _plain(self.srm.p_value),
                "mismatch": self.srm.mismatch,
                "planned_share": {k: _plain(v) for k, v in self.srm.planned_share.items()},
                "observed_share": {k: _plain(v) for k, v in self.srm.observed_share.items()},
            },
            "variants": [
                {key: _plain(value) for key, value in row.items()}
                for row in self.table.to_dict(orient="records")
            ],
        }


def wilson_interval(successes, trials, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised; NaN where trials == 0)."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.isf(alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # with 0 or n successes the bound is exactly 0 or 1; rounding would leave a residue
    low = np.where((x == 0) & (n > 0), 0.0, centre - half)
    high = np.where((x == n) & (n > 0), 1.0, centre + half)
    return low[()], high[()]


def compare_proportions(
    clicks_a: int, n_a: int, clicks_b: int, n_b: int, *, min_expected: float = FISHER_MIN_EXPECTED
) -> ProportionTest:
    """Two-sided test of CTR B vs A: pooled z-test, or Fisher's exact when an expected cell < min."""
    if n_a <= 0 or n_b <= 0:
        return ProportionTest("z", math.nan, math.nan)
    table = np.array([[clicks_b, n_b - clicks_b], [clicks_a, n_a - clicks_a]], dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if expected.min() < min_expected:
        result = stats.fisher_exact(table, alternative="two-sided")
        return ProportionTest("fisher", float(result.statistic), float(result.pvalue))
    pooled = (clicks_a + clicks_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (clicks_b / n_b - clicks_a / n_a) / se
    return ProportionTest("z", z, float(2 * stats.norm.sf(abs(z))))


def relative_lift(
    clicks_a: int, n_a: int, clicks_b: int, n_b: int, *, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Relative lift CTR_B / CTR_A - 1 with its Katz log-ratio interval (NaN if a CTR is 0)."""
    if min(clicks_a, clicks_b, n_a, n_b) <= 0:
        return math.nan, math.nan, math.nan
    log_ratio = math.log((clicks_b / n_b) / (clicks_a / n_a))
    se = math.sqrt(1 / clicks_b - 1 / n_b + 1 / clicks_a - 1 / n_a)
    z = stats.norm.isf(alpha / 2)
    return (
        math.expm1(log_ratio),
        math.expm1(log_ratio - z * se),
        math.expm1(log_ratio + z * se),
    )


def prob_b_beats_a(clicks_a: int, n_a: int, clicks_b: int, n_b: int) -> float:
    """Exact P(CTR_B > CTR_A) under independent Beta(1, 1) priors (Evan Miller's closed form)."""
    a_a, b_a = clicks_a + 1, n_a - clicks_a + 1
    a_b, b_b = clicks_b + 1, n_b - clicks_b + 1
    if a_b > a_a:
        # the sum runs over a_b terms, so let the variant with fewer clicks drive it
        return 1.0 - prob_b_beats_a(clicks_b, n_b, clicks_a, n_a)
    i = np.arange(a_b, dtype=float)
    log_terms = (
        special.betaln(a_a + i, b_a + b_b)
        - np.log(b_b + i)
        - special.betaln(1 + i, b_b)
        - special.betaln(a_a, b_a)
    )
    return float(min(1.0, max(0.0, math.exp(special.logsumexp(log_terms)))))


def probability_best(
    clicks: Sequence[int], impressions: Sequence[int], *, draws: int = MC_DRAWS, seed: int = 0
) -> np.ndarray:
    """P(each variant has the highest CTR), Beta(1, 1) priors: exact for 2, seeded Monte Carlo beyond."""
    x = np.asarray(clicks, dtype=float)
    n = np.asarray(impressions, dtype=float)
    if len(x) == 1:
        return np.array([1.0])
    if len(x) == 2:
        p_second = prob_b_beats_a(int(x[0]), int(n[0]), int(x[1]), int(n[1]))
        return np.array([1.0 - p_second, p_second])
    rng = np.random.default_rng(seed)
    samples = rng.beta(x + 1, n - x + 1, size=(draws, len(x)))
    return np.bincount(samples.argmax(axis=1), minlength=len(x)) / draws


def sample_ratio_mismatch(
    observed: Mapping[str, int], planned_split: Mapping[str, float] | None = None,
    *, alpha: float = SRM_ALPHA,
) -> SRMCheck:
    """Chi-square goodness of fit of observed units per variant vs the planned split (default equal)."""
    names = list(observed)
    if planned_split is not None and set(planned_split) != set(names):
        raise ValueError(f"planned_split covers {sorted(planned_split)}, variants are {sorted(names)}")
    counts = np.array([observed[name] for name in names], dtype=float)
    weights = np.array(
        [1.0] * len(names) if planned_split is None else [planned_split[name] for name in names],
        dtype=float,
    )
    planned = weights / weights.sum()
    total = counts.sum()
    if len(names) < 2 or total == 0:
        statistic, p_value = math.nan, math.nan
    else:
        expected = planned * total
        statistic = float(((counts - expected) ** 2 / expected).sum())
        p_value = float(stats.chi2.sf(statistic, df=len(names) - 1))
    return SRMCheck(
        statistic=statistic,
        p_value=p_value,
        mismatch=bool(p_value < alpha),
        planned_share=dict(zip(names, planned.tolist())),
        observed_share=dict(zip(names, (counts / total if total else counts).tolist())),
    )


def mde_target_rate(baseline: float, mde: float, *, relative: bool = True) -> float:
    """The CTR the treatment must reach: baseline * (1 + mde) if relative, else baseline + mde."""
    return baseline * (1 + mde) if relative else baseline + mde


def required_sample_size(
    baseline: float, mde: float, *, relative: bool = True, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Units per variant for a two-sided test to detect the MDE (Cohen's h, equal allocation)."""
    target = mde_target_rate(baseline, mde, relative=relative)
    if not (0 < baseline < 1 and 0 < target < 1) or target == baseline:
        raise ValueError(f"need 0 < baseline, target < 1 and a non-zero MDE; got {baseline}, {target}")
    effect = abs(2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline)))
    z_total = stats.norm.isf(alpha / 2) + stats.norm.ppf(power)
    # var(2·asin√p̂) ≈ 1/n per arm, so the difference of two arms has variance 2/n
    return math.ceil(2 * (z_total / effect) ** 2)


def summarize_ab(
    counts_df: pd.DataFrame,
    *,
    planned_split: Mapping[str, float] | None = None,
    mde: float = 0.10,
    mde_relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    control: str | None = None,
    baseline_ctr: float | None = None,
    seed: int = 0,
) -> ABSummary:
    """Summarise an experiment from counts_df[variant, impressions, clicks] (rows summed per variant).

    The SRM check counts the optional `users` column (assigned units) when present, because
    impressions per user vary and would inflate the chi-square; otherwise it counts impressions.
    Each treatment is compared with `control` (default: first variant in sorted order);
    p-values are Holm-adjusted across treatments. `baseline_ctr` (default: the control's CTR)
    sets the required sample size; `peeking` is True while any variant is below it.
    """
    counts = _aggregate_counts(counts_df)
    srm_units = "users" if "users" in counts.columns else "impressions"
    variants = counts["variant"].tolist()
    control = variants[0] if control is None else control
    if control not in variants:
        raise ValueError(f"control {control!r} not among variants {variants}")
    clicks = counts["clicks"].to_numpy()
    impressions = counts["impressions"].to_numpy()
    ctr_low, ctr_high = wilson_interval(clicks, impressions, alpha)
    table = counts.assign(
        ctr=np.divide(clicks, impressions, out=np.full(len(counts), np.nan), where=impressions > 0),
        ctr_low=ctr_low,
        ctr_high=ctr_high,
    )
    table = pd.concat([table, _comparisons(table, control, alpha)], axis=1)
    table["prob_best"] = probability_best(clicks, impressions, seed=seed)

    control_row = table.loc[table["variant"] == control].iloc[0]
    baseline = control_row["ctr"] if baseline_ctr is None else baseline_ctr
    required = _required_or_none(baseline, mde, mde_relative, alpha, power)
    min_n = int(impressions.min())
    return ABSummary(
        table=table,
        control=control,
        srm=sample_ratio_mismatch(dict(zip(variants, counts[srm_units].tolist())), planned_split),
        required_n_per_variant=required,
        min_n_per_variant=min_n,
        peeking=required is None or min_n < required,
        alpha=alpha,
        power=power,
        mde=mde,
        mde_relative=mde_relative,
    )


def ctr_over_time(daily_df: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Daily and cumulative CTR (with Wilson bounds) per variant from daily_df[date, variant, ...counts]."""
    _require_columns(daily_df, DAILY_COLUMNS)
    daily = (
        daily_df.groupby(["variant", "date"], as_index=False)[["impressions", "clicks"]]
        .sum()
        .sort_values(["variant", "date"], ignore_index=True)
    )
    low, high = wilson_interval(daily["clicks"], daily["impressions"], alpha)
    cumulative = daily.groupby("variant")[["impressions", "clicks"]].cumsum()
    return daily.assign(
        ctr=daily["clicks"] / daily["impressions"].where(daily["impressions"] > 0),
        ctr_low=low,
        ctr_high=high,
        cum_impressions=cumulative["impressions"],
        cum_clicks=cumulative["clicks"],
        cum_ctr=cumulative["clicks"] / cumulative["impressions"].where(cumulative["impressions"] > 0),
    )[["date", "variant", "impressions", "clicks", "ctr", "ctr_low", "ctr_high",
       "cum_impressions", "cum_clicks", "cum_ctr"]]


def _comparisons(table: pd.DataFrame, control: str, alpha: float) -> pd.DataFrame:
    """Lift, test and Holm-adjusted p-value of every variant against the control."""
    base = table.loc[table["variant"] == control].iloc[0]
    rows = []
    for row in table.itertuples(index=False):
        if row.variant == control:
            rows.append(dict(lift=np.nan, lift_low=np.nan, lift_high=np.nan, test=None,
                             statistic=np.nan, p_value=np.nan))
            continue
        pair = (int(base.clicks), int(base.impressions), int(row.clicks), int(row.impressions))
        lift, lift_low, lift_high = relative_lift(*pair, alpha=alpha)
        test = compare_proportions(*pair)
        rows.append(dict(lift=lift, lift_low=lift_low, lift_high=lift_high, test=test.method,
                         statistic=test.statistic, p_value=test.p_value))
    result = pd.DataFrame(rows, index=table.index)
    tested = result["p_value"].notna()
    result["p_value_adj"] = np.nan
    if tested.any():
        result.loc[tested, "p_value_adj"] = holm_adjust(result.loc[tested, "p_value"].to_numpy(dtype=float))
    result["significant"] = result["p_value_adj"] < alpha
    return result


def _aggregate_counts(counts_df: pd.DataFrame) -> pd.DataFrame:
    """Validate counts and sum them per variant, sorted by variant name."""
    _require_columns(counts_df, COUNT_COLUMNS)
    if counts_df.empty:
        raise ValueError("counts_df has no rows")
    summed = [c for c in ("users", "impressions", "clicks") if c in counts_df.columns]
    counts = counts_df.groupby("variant", as_index=False, sort=True)[summed].sum()
    counts["variant"] = counts["variant"].astype(str)
    if (counts[summed] < 0).any().any():
        raise ValueError(f"{', '.join(summed)} must be non-negative")
    if (counts["clicks"] > counts["impressions"]).any():
        raise ValueError("clicks cannot exceed impressions for a variant")
    return counts.astype({column: "int64" for column in summed})


def _required_or_none(baseline, mde, relative, alpha, power) -> int | None:
    """Required n, or None when the baseline or target rate is not a valid probability."""
    try:
        return required_sample_size(baseline, mde, relative=relative, alpha=alpha, power=power)
    except ValueError:
        return None


def _require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise ValueError naming the columns that df lacks."""
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise ValueError(f"missing columns: {missing}")


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python ones and NaN/inf into None so strict JSON accepts the value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (same as statsmodels' multipletests(method='holm'))."""
    # Written out because statsmodels' version runs gc.collect() per call, pausing a busy app.
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
