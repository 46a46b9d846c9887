"""Session-level A/B statistics: the randomisation unit (a session) is the unit of analysis.

CTR is a ratio metric sum(clicks) / sum(impressions) over sessions, with a delta-method standard
error (as GrowthBook does for ratio metrics), because a session's impressions and clicks go together
and treating impressions as independent makes intervals far too narrow. Conversion ("clicked the
primary action at least once") is a binomial metric per session. Tests, lift intervals, P(best)
and the SRM check all count sessions. Inputs are per-variant sufficient statistics (see
`SUFFICIENT_COLUMNS`), so millions of sessions reduce to one row per variant in SQL.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics.abtest import holm_adjust, sample_ratio_mismatch
from analytics.sequential import DEFAULT_TUNING, sequential_interval, sequential_p_value

# sessions; sums over sessions of impressions x, primary clicks y, their squares and cross product;
# converted = sessions with at least one primary click
SUFFICIENT_COLUMNS = ("variant", "sessions", "sum_x", "sum_y", "sum_x2", "sum_y2", "sum_xy", "converted")
MC_DRAWS = 100_000


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio metric sum(y) / sum(x) over units with its delta-method standard error."""

    n: int
    value: float
    se: float


def sufficient_stats(sessions_df: pd.DataFrame, *, x: str = "impressions", y: str = "clicks") -> pd.DataFrame:
    """Per-variant sufficient statistics from one row per session (variant, x, y)."""
    d = sessions_df.assign(_x=sessions_df[x].astype(float), _y=sessions_df[y].astype(float))
    out = d.groupby("variant", sort=True).agg(
        sessions=("_x", "size"), sum_x=("_x", "sum"), sum_y=("_y", "sum"),
        sum_x2=("_x", lambda v: float((v**2).sum())), sum_y2=("_y", lambda v: float((v**2).sum())),
        converted=("_y", lambda v: int((v > 0).sum())),
    )
    out["sum_xy"] = (d["_x"] * d["_y"]).groupby(d["variant"], sort=True).sum()
    return out.reset_index()[list(SUFFICIENT_COLUMNS)]


def ratio_estimate(n, sum_x, sum_y, sum_x2, sum_y2, sum_xy) -> RatioEstimate:
    """Ratio mean(y)/mean(x) with the delta-method SE from sums over n units (sample variances, ddof 1)."""
    n = int(n)
    if n < 2 or sum_x <= 0:
        return RatioEstimate(n, math.nan if sum_x <= 0 else sum_y / sum_x, math.nan)
    mx, my = sum_x / n, sum_y / n
    var_x = (sum_x2 - n * mx * mx) / (n - 1)
    var_y = (sum_y2 - n * my * my) / (n - 1)
    cov = (sum_xy - n * mx * my) / (n - 1)
    ratio = my / mx
    # Var(ȳ/x̄) ≈ (σy² − 2Rσxy + R²σx²) / (n μx²)
    variance = (var_y - 2 * ratio * cov + ratio * ratio * var_x) / (n * mx * mx)
    return RatioEstimate(n, ratio, math.sqrt(max(variance, 0.0)))


def binomial_estimate(n, successes) -> RatioEstimate:
    """Share of units with a success and its SE sqrt(p(1-p)/n)."""
    n = int(n)
    if n == 0:
        return RatioEstimate(0, math.nan, math.nan)
    p = successes / n
    return RatioEstimate(n, p, math.sqrt(p * (1 - p) / n))


def compare(control: RatioEstimate, treatment: RatioEstimate, *, alpha: float = 0.05,
            tuning: float = DEFAULT_TUNING) -> dict[str, float]:
    """Absolute and relative (delta-method) difference, z-test, fixed and always-valid lift CIs."""
    diff = treatment.value - control.value
    se = math.hypot(control.se, treatment.se)
    z_crit = stats.norm.isf(alpha / 2)
    z = diff / se if se > 0 else math.nan
    p = float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else math.nan
    if control.value > 0 and math.isfinite(se):
        lift = treatment.value / control.value - 1
        # Var(T/C) ≈ (T/C)² (se_T²/T² + se_C²/C²); when T is 0 the first term reduces to se_T²/C²
        lift_se = math.sqrt(treatment.se**2 / control.value**2
                            + (treatment.value / control.value) ** 2 * (control.se / control.value) ** 2)
    else:
        lift, lift_se = math.nan, math.nan
    n = control.n + treatment.n
    seq_low, seq_high = sequential_interval(lift, lift_se, n, alpha=alpha, tuning=tuning)
    return {
        "diff": diff, "diff_se": se, "z": z, "p_value": p,
        "lift": lift, "lift_se": lift_se,
        "lift_low": lift - z_crit * lift_se, "lift_high": lift + z_crit * lift_se,
        "seq_lift_low": seq_low, "seq_lift_high": seq_high,
        "seq_p_value": sequential_p_value(lift, lift_se, n, tuning=tuning),
    }


def probability_best_normal(values, ses, *, draws: int = MC_DRAWS, seed: int = 0) -> np.ndarray:
    """P(each variant is best) under normal posteriors N(value, se²): exact for 2, seeded MC beyond."""
    v, s = np.asarray(values, dtype=float), np.asarray(ses, dtype=float)
    if len(v) == 1:
        return np.array([1.0])
    if not (np.isfinite(v).all() and np.isfinite(s).all()):
        return np.full(len(v), np.nan)
    if len(v) == 2:
        scale = math.hypot(s[0], s[1])
        p2 = 0.5 if scale == 0 else float(stats.norm.cdf((v[1] - v[0]) / scale))
        return np.array([1 - p2, p2])
    draws_ = np.random.default_rng(seed).normal(v, s, size=(draws, len(v)))
    return np.bincount(draws_.argmax(axis=1), minlength=len(v)) / draws


def summarize_sessions(stats_df: pd.DataFrame, *, control: str | None = None, alpha: float = 0.05,
                       mde: float = 0.10, tuning: float = DEFAULT_TUNING) -> pd.DataFrame:
    """One row per variant: session CTR (ratio) and conversion (binomial) with CIs, lift tests vs control.

    Columns: variant, sessions, impressions, clicks, ctr, ctr_se, ctr_low, ctr_high, conversion,
    conversion_se, then for each metric m in (ctr, conversion): m_lift, m_lift_low/high (fixed
    horizon), m_seq_lift_low/high (always valid), m_p_value, m_p_value_adj (Holm), m_seq_p_value,
    m_prob_best, m_label (see `significance_label`). SRM is `session_srm`.
    """
    missing = [c for c in SUFFICIENT_COLUMNS if c not in stats_df.columns]
    if missing:
        raise ValueError(f"missing columns: {missing}")
    df = stats_df.sort_values("variant", ignore_index=True)
    variants = df["variant"].astype(str).tolist()
    control = variants[0] if control is None else control
    if control not in variants:
        raise ValueError(f"control {control!r} not among variants {variants}")
    z_crit = stats.norm.isf(alpha / 2)
    est = {
        "ctr": [ratio_estimate(r.sessions, r.sum_x, r.sum_y, r.sum_x2, r.sum_y2, r.sum_xy)
                for r in df.itertuples()],
        "conversion": [binomial_estimate(r.sessions, r.converted) for r in df.itertuples()],
    }
    out = pd.DataFrame({"variant": variants, "sessions": df["sessions"].astype("int64"),
                        "impressions": df["sum_x"].astype("int64"), "clicks": df["sum_y"].astype("int64")})
    ci = variants.index(control)
    for metric, estimates in est.items():
        out[metric] = [e.value for e in estimates]
        out[f"{metric}_se"] = [e.se for e in estimates]
        out[f"{metric}_low"] = out[metric] - z_crit * out[f"{metric}_se"]
        out[f"{metric}_high"] = out[metric] + z_crit * out[f"{metric}_se"]
        rows = [compare(estimates[ci], e, alpha=alpha, tuning=tuning) if i != ci else {}
                for i, e in enumerate(estimates)]
        for key in ("lift", "lift_low", "lift_high", "seq_lift_low", "seq_lift_high", "p_value", "seq_p_value"):
            out[f"{metric}_{key}"] = [row.get(key, math.nan) for row in rows]
        tested = out[f"{metric}_p_value"].notna()
        out[f"{metric}_p_value_adj"] = math.nan
        if tested.any():
            out.loc[tested, f"{metric}_p_value_adj"] = holm_adjust(out.loc[tested, f"{metric}_p_value"].to_numpy())
        out[f"{metric}_prob_best"] = probability_best_normal(out[metric], out[f"{metric}_se"])
        out[f"{metric}_label"] = [
            None if i == ci else significance_label(
                out.at[i, f"{metric}_lift"], out.at[i, f"{metric}_p_value_adj"], mde=mde, alpha=alpha)
            for i in range(len(out))]
    return out


def session_srm(stats_df: pd.DataFrame, planned_split: Mapping[str, float] | None = None):
    """SRM chi-square on sessions per variant (the randomisation unit) vs the planned split."""
    observed = dict(zip(stats_df["variant"].astype(str), stats_df["sessions"].astype(int)))
    return sample_ratio_mismatch(observed, planned_split)


def significance_label(lift: float, p_value: float, *, mde: float, alpha: float = 0.05) -> str:
    """'significant', 'significant_below_mde' (real but smaller than the MDE), or 'not_significant'."""
    if not (math.isfinite(lift) and math.isfinite(p_value)) or p_value >= alpha:
        return "not_significant"
    return "significant" if abs(lift) >= mde else "significant_below_mde"


def format_p_value(p: float) -> str:
    """p-value text: '< 0.001' below 0.001 (never '0'), else three decimals; '–' when unknown."""
    if p is None or not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def format_prob_best(p: float) -> str:
    """P(best) as a percentage: '> 99.9 %' and '< 0.1 %' at the ends (never 100.0 % or 0.0 %)."""
    if p is None or not math.isfinite(p):
        return "–"
    if p > 0.999:
        return "> 99.9 %"
    if p < 0.001:
        return "< 0.1 %"
    return f"{100 * p:.1f} %"


def results_over_time(daily_df: pd.DataFrame, *, control: str | None = None, metric: str = "ctr",
                      alpha: float = 0.05, tuning: float = DEFAULT_TUNING) -> pd.DataFrame:
    """Cumulative daily looks from daily_df[day, SUFFICIENT_COLUMNS]: one row per (day, treatment).

    Columns: day, variant, sessions (both arms), lift, lift_low/high (fixed horizon: valid for one
    planned look only), seq_lift_low/high (always valid: safe at every look), p_value, seq_p_value.
    `metric` is 'ctr' (ratio per session) or 'conversion' (binomial per session).
    """
    if metric not in ("ctr", "conversion"):
        raise ValueError("metric must be 'ctr' or 'conversion'")
    sums = ["sessions", "sum_x", "sum_y", "sum_x2", "sum_y2", "sum_xy", "converted"]
    wide = daily_df.pivot_table(index="day", columns="variant", values=sums, aggfunc="sum", fill_value=0)
    cumulative = wide.sort_index().cumsum()
    variants = sorted(daily_df["variant"].astype(str).unique())
    control = variants[0] if control is None else control
    rows = []
    for day, looked in cumulative.iterrows():
        est = {v: (ratio_estimate(*(looked[(c, v)] for c in sums[:6])) if metric == "ctr"
                   else binomial_estimate(looked[("sessions", v)], looked[("converted", v)])) for v in variants}
        for variant in variants:
            if variant == control:
                continue
            out = compare(est[control], est[variant], alpha=alpha, tuning=tuning)
            rows.append({"day": day, "variant": variant, "sessions": est[control].n + est[variant].n,
                         **{k: out[k] for k in ("lift", "lift_low", "lift_high", "seq_lift_low", "seq_lift_high",
                                                "p_value", "seq_p_value")}})
    return pd.DataFrame(rows)


def experiment_report(stats_df: pd.DataFrame, *, variants: list[str], allocation: list[float],
                      daily_df: pd.DataFrame | None = None, actions_df: pd.DataFrame | None = None,
                      mde: float = 0.10, alpha: float = 0.05) -> dict:
    """Everything a reader of one experiment needs, JSON-able: per-variant table (with display texts),
    SRM on sessions against the declared split, (given daily_df) the cumulative daily looks, and
    (given actions_df[variant, action, clicks, sessions_clicking]) every action as a secondary metric:
    clicks per session and share of sessions clicking it."""
    control = variants[0] if variants[0] in set(stats_df["variant"]) else None
    table = summarize_sessions(stats_df, control=control, mde=mde, alpha=alpha)
    for metric in ("ctr", "conversion"):
        table[f"{metric}_p_value_text"] = table[f"{metric}_p_value_adj"].map(format_p_value)
        table[f"{metric}_seq_p_value_text"] = table[f"{metric}_seq_p_value"].map(format_p_value)
        table[f"{metric}_prob_best_text"] = table[f"{metric}_prob_best"].map(format_prob_best)
    planned = dict(zip(variants, allocation)) if set(stats_df["variant"]) == set(variants) else None
    srm = session_srm(stats_df, planned)
    looks = results_over_time(daily_df, control=control) if daily_df is not None and len(daily_df) else None
    return {"control": table["variant"].iloc[0] if control is None else control, "mde": mde, "alpha": alpha,
            "variants": _records(table),
            "srm": {"p_value": _finite(srm.p_value), "p_value_text": format_p_value(srm.p_value),
                    "mismatch": srm.mismatch, "planned_share": srm.planned_share,
                    "observed_share": srm.observed_share},
            "looks": [] if looks is None else _records(looks),
            "actions": [] if actions_df is None else _records(_secondary_actions(actions_df, stats_df))}


def _secondary_actions(actions_df: pd.DataFrame, stats_df: pd.DataFrame) -> pd.DataFrame:
    """Per (variant, action): clicks, clicks per session and share of the variant's sessions that clicked."""
    sessions = stats_df.set_index("variant")["sessions"]
    out = actions_df.assign(sessions=actions_df["variant"].map(sessions))
    return out.assign(clicks_per_session=out["clicks"] / out["sessions"],
                      session_share=out["sessions_clicking"] / out["sessions"])


def _finite(value):
    """A float, or None for NaN/inf (strict JSON)."""
    value = float(value)
    return value if math.isfinite(value) else None


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts: numpy scalars unwrapped, NaN as None, dates as ISO text."""
    out = []
    for row in df.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            clean[key] = value
        out.append(clean)
    return out


def replace_sessions(total: pd.DataFrame, old: pd.DataFrame, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per-group sums over sessions (`total`) with some sessions' sums (`old`) swapped for their new sums (`new`).

    Every column besides `keys` is a sum over sessions of a per-session value, so totals are additive in
    sessions: total - old + new is exactly what the query would give over all sessions' newest events. Groups
    left empty (first column besides `keys` = 0) are dropped; rows come sorted by `keys`.
    """
    values = [c for c in total.columns if c not in keys]
    parts = [total, old.assign(**{c: -old[c] for c in values}), new]
    parts = [p[keys + values] for p in parts if not p.empty]
    if not parts:
        return total
    out = pd.concat(parts, ignore_index=True).groupby(keys, as_index=False, sort=True)[values].sum()
    return out[out[values[0]] != 0].reset_index(drop=True)
