"""Data drift (PSI, KS, chi-square) between a reference and a current sample, and error over time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
PSI_EPSILON = 1e-4  # share given to an empty bin so the log stays finite
DEFAULT_BINS = 10
MISSING = "__missing__"  # missing values form their own bin, so a change in missingness is drift too
REPORT_COLUMNS = ["feature", "kind", "psi", "jsd", "band", "test", "statistic", "p_value", "drifted"]


def psi_band(psi: float) -> str:
    """Band key for a PSI value: 'stable' (< 0.1), 'moderate' (0.1-0.25) or 'major' (> 0.25)."""
    if psi < PSI_MODERATE:
        return "stable"
    return "moderate" if psi <= PSI_MAJOR else "major"


def psi_from_counts(reference_counts, current_counts, *, epsilon: float = PSI_EPSILON) -> float:
    """PSI = sum((cur - ref) * ln(cur / ref)) over bin shares; empty bins get share epsilon."""
    ref = np.asarray(reference_counts, dtype=float)
    cur = np.asarray(current_counts, dtype=float)
    ref_share = np.maximum(ref / ref.sum(), epsilon)
    cur_share = np.maximum(cur / cur.sum(), epsilon)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def jensen_shannon_distance(reference_counts, current_counts) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) of two count vectors over the same bins.

    Equals scipy.spatial.distance.jensenshannon(ref, cur, base=2); written out on the counts PSI
    already has, with 0·log 0 = 0, so an empty bin needs no epsilon.
    """
    p = np.asarray(reference_counts, dtype=float)
    q = np.asarray(current_counts, dtype=float)
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    return float(np.sqrt(max((kl(p) + kl(q)) / 2, 0.0)))


def quantile_bin_edges(reference, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Inner bin edges at the reference quantiles (duplicates dropped for discrete data)."""
    values = pd.Series(reference, dtype=float).dropna().to_numpy()
    if values.size == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))


def numeric_bin_counts(reference, current, bins: int = DEFAULT_BINS) -> tuple[np.ndarray, np.ndarray]:
    """Counts of both samples in right-closed bins cut at the reference quantiles (+ a missing bin)."""
    edges = quantile_bin_edges(reference, bins)
    counts = []
    for sample in (reference, current):
        values = pd.Series(sample, dtype=float)
        bin_index = np.searchsorted(edges, values.dropna().to_numpy(), side="left")
        counts.append(np.append(np.bincount(bin_index, minlength=edges.size + 1), values.isna().sum()))
    return _drop_empty_missing_bin(*counts)


def categorical_bin_counts(reference, current) -> tuple[np.ndarray, np.ndarray]:
    """Counts of both samples over the union of their categories (missing is a category)."""
    ref = _category_keys(reference).value_counts()
    cur = _category_keys(current).value_counts()
    categories = sorted(set(ref.index) | set(cur.index))
    return (
        ref.reindex(categories, fill_value=0).to_numpy(),
        cur.reindex(categories, fill_value=0).to_numpy(),
    )


def drift_report(
    reference_df: pd.DataFrame,
    current_df: pd.DataFrame,
    features: Sequence[str],
    categorical: Sequence[str] | None = None,
    *,
    bins: int = DEFAULT_BINS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per feature: PSI and its band, Jensen-Shannon distance, KS or chi-square, drifted flag.

    `categorical=None` treats non-numeric and boolean columns as categorical. A feature is
    `drifted` when its PSI is at least moderate AND the test is significant at `alpha`, so
    neither a trivial shift in a huge sample nor noise in a tiny one raises the flag.
    """
    if categorical is None:
        categorical = [f for f in features if _is_categorical(reference_df[f])]
    rows = []
    for feature in features:
        reference, current = reference_df[feature], current_df[feature]
        if feature in categorical:
            ref_counts, cur_counts = categorical_bin_counts(reference, current)
            test, (statistic, p_value) = "chi2", _chi_square_homogeneity(ref_counts, cur_counts)
            kind = "categorical"
        else:
            ref_counts, cur_counts = numeric_bin_counts(reference, current, bins)
            test, (statistic, p_value) = "ks", _ks(reference, current)
            kind = "numeric"
        both = bool(ref_counts.sum() and cur_counts.sum())
        psi = psi_from_counts(ref_counts, cur_counts) if both else np.nan
        rows.append({
            "feature": feature,
            "kind": kind,
            "psi": psi,
            "jsd": jensen_shannon_distance(ref_counts, cur_counts) if both else np.nan,
            "band": psi_band(psi) if pd.notna(psi) else None,
            "test": test,
            "statistic": statistic,
            "p_value": p_value,
            "drifted": bool(psi >= PSI_MODERATE and p_value < alpha),
        })
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def rmse_by_period(df: pd.DataFrame, freq: str = "W") -> pd.DataFrame:
    """RMSE, MAE and n per calendar period of df[ts, y_true, y_pred] (freq as in pandas periods)."""
    data = df[["ts", "y_true", "y_pred"]].dropna()
    ts = data["ts"]
    if not pd.api.types.is_datetime64_any_dtype(ts):
        ts = pd.to_datetime(ts, format="ISO8601")  # event logs carry ISO 8601 strings
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)  # periods are naive; report them in UTC
    error = data["y_pred"].astype(float) - data["y_true"].astype(float)
    per_row = pd.DataFrame({
        "period_start": ts.dt.to_period(freq).dt.start_time,
        "squared": error**2,
        "absolute": error.abs(),
    })
    result = per_row.groupby("period_start").agg(
        n=("squared", "size"), mse=("squared", "mean"), mae=("absolute", "mean")
    )
    result.insert(1, "rmse", np.sqrt(result.pop("mse")))
    return result.reset_index().astype({"n": "int64", "rmse": float, "mae": float})


def _drop_empty_missing_bin(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the trailing missing bin only when either sample has missing values."""
    if ref[-1] == 0 and cur[-1] == 0:
        return ref[:-1], cur[:-1]
    return ref, cur


def _category_keys(values) -> pd.Series:
    """Values as strings, with missing values mapped to the MISSING key."""
    return pd.Series(values).map(str, na_action="ignore").fillna(MISSING)


def _is_categorical(series: pd.Series) -> bool:
    """True for non-numeric or boolean columns."""
    return pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series)


def _ks(reference, current) -> tuple[float, float]:
    """Two-sample KS statistic and p-value on non-missing values (NaN if a sample is empty)."""
    ref = pd.Series(reference, dtype=float).dropna()
    cur = pd.Series(current, dtype=float).dropna()
    if ref.empty or cur.empty:
        return np.nan, np.nan
    result = stats.ks_2samp(ref.to_numpy(), cur.to_numpy())
    return float(result.statistic), float(result.pvalue)


def _chi_square_homogeneity(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float]:
    """Pearson chi-square (no continuity correction) that both samples share category shares."""
    if ref_counts.sum() == 0 or cur_counts.sum() == 0:
        return np.nan, np.nan
    if ref_counts.size < 2:
        return 0.0, 1.0
    result = stats.chi2_contingency(np.vstack([ref_counts, cur_counts]), correction=False)
    return float(result.statistic), float(result.pvalue)
