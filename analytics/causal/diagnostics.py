"""Balance and overlap diagnostics: SMDs, propensity histograms, common support, weight summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.causal.design import build_design

UNADJUSTED = "unadjusted"
OVERLAP_BINS = 20


def standardized_mean_differences(df: pd.DataFrame, covariates: list[str], treated: np.ndarray,
                                  sample_weights: dict[str, np.ndarray]) -> pd.DataFrame:
    """Absolute SMD per encoded covariate (every categorical level) for each weighting of the sample.

    The denominator is always the unadjusted pooled SD, sqrt((s_t^2 + s_c^2) / 2), so that a change
    between samples reflects a change in means only. Long format: covariate, sample, smd.
    """
    design = build_design(df, covariates, drop_first=False)
    x = design.matrix
    pooled_sd = np.sqrt((x[treated].var(axis=0, ddof=1) + x[~treated].var(axis=0, ddof=1)) / 2)
    frames = []
    for sample, weights in {UNADJUSTED: np.ones(len(x)), **sample_weights}.items():
        if weights[treated].sum() > 0 and weights[~treated].sum() > 0:
            treated_mean = np.average(x[treated], axis=0, weights=weights[treated])
            control_mean = np.average(x[~treated], axis=0, weights=weights[~treated])
            smd = np.abs(treated_mean - control_mean) / np.where(pooled_sd > 0, pooled_sd, np.nan)
        else:  # nothing left to compare (e.g. everything trimmed or no matches)
            smd = np.full(len(design.names), np.nan)
        frames.append(pd.DataFrame({"covariate": design.names, "sample": sample, "smd": smd}))
    return pd.concat(frames, ignore_index=True)


def overlap_histograms(score: np.ndarray, treated: np.ndarray, sample_weights: dict[str, np.ndarray],
                       bins: int = OVERLAP_BINS) -> pd.DataFrame:
    """Propensity score density per arm on fixed [0, 1] bins, unweighted and under each weighting."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    frames = []
    for sample, weights in {UNADJUSTED: np.ones(len(score)), **sample_weights}.items():
        for group, in_group in (("treated", treated), ("control", ~treated)):
            group_weights = weights[in_group]
            if group_weights.sum() <= 0:
                continue
            density, _ = np.histogram(score[in_group], bins=edges, weights=group_weights, density=True)
            frames.append(pd.DataFrame({"sample": sample, "group": group, "bin_left": edges[:-1],
                                        "bin_right": edges[1:], "density": density}))
    return pd.concat(frames, ignore_index=True)


def common_support(score: np.ndarray, treated: np.ndarray) -> dict:
    """Units whose score lies outside the other arm's observed score range."""
    treated_score, control_score = score[treated], score[~treated]
    treated_outside = int(np.sum((treated_score < control_score.min()) | (treated_score > control_score.max())))
    control_outside = int(np.sum((control_score < treated_score.min()) | (control_score > treated_score.max())))
    return {
        "treated_range": [float(treated_score.min()), float(treated_score.max())],
        "control_range": [float(control_score.min()), float(control_score.max())],
        "n_treated_outside": treated_outside,
        "n_control_outside": control_outside,
        "share_outside": (treated_outside + control_outside) / len(score),
    }


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish effective sample size, (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.sum(weights**2)) if np.any(weights > 0) else 0.0


def weight_summary(weights: np.ndarray, treated: np.ndarray) -> dict:
    """ESS per arm, the largest (stabilized, so 1 is 'average') weight and the largest share of an arm's total."""
    shares = [weights[arm].max() / weights[arm].sum() for arm in (treated, ~treated) if weights[arm].sum() > 0]
    return {
        "ess_treated": effective_sample_size(weights[treated]),
        "ess_control": effective_sample_size(weights[~treated]),
        "n_treated": int(treated.sum()),
        "n_control": int((~treated).sum()),
        "max_weight": float(weights.max()),
        "max_weight_share": float(max(shares, default=0.0)),
    }


def max_smd_by_sample(smd: pd.DataFrame) -> dict:
    """Largest absolute SMD in each sample (NaN-safe)."""
    return {sample: float(group["smd"].max()) for sample, group in smd.groupby("sample", sort=False)}
