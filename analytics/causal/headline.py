"""The headline estimate, chosen by the diagnostics, and which rows of the table can be trusted.

Rules (documented in README "EBPM headline"):
1. A weighting row (IPW, AIPW) is unreliable when, under its estimand's weights, either group's
   effective sample size is below 10 % of its size, or one unit carries more than half of a
   group's total weight. PSM is unreliable when more than half of the treated found no match.
   Unreliable rows keep their numbers but get reliable = false and a reason; they never headline.
2. Order of preference: AIPW, then IPW, then regression adjustment (ATE) or PSM (ATT), for the
   requested estimand. The naive difference headlines only when nothing adjusted is available.
3. Poor overlap (over 5 % of units outside common support or with a score beyond [0.01, 0.99]):
   when the ATE was asked for, the ATT (which needs controls only where the treated are) is
   preferred and the reason says so; when the scores were trimmed, the trimmed ATE rows stand
   and the reason says they describe the overlap population.
"""
from __future__ import annotations

import math

import pandas as pd

SUPPORT_SHARE_THRESHOLD = 0.05
EXTREME_SCORE = (0.01, 0.99)
RELIABLE_ESS_SHARE = 0.10
DOMINANT_WEIGHT_SHARE = 0.5
UNMATCHED_SHARE = 0.5
ESTIMANDS = ("ATE", "ATT")
PREFERENCE = {"ATE": (("aipw", "ATE"), ("ipw", "ATE"), ("regression_adjustment", "ATE")),
              "ATT": (("aipw", "ATT"), ("ipw", "ATT"), ("psm", "ATT"))}
HEADLINE_KEYS = ("method", "estimand", "estimate", "se", "ci_low", "ci_high", "se_type", "reason")


def poor_overlap(diagnostics: dict) -> bool:
    """Over 5 % of units outside common support or with an extreme propensity score."""
    propensity = diagnostics["propensity"]
    share_extreme = (propensity["n_below"] + propensity["n_above"]) / diagnostics["n"]
    return (diagnostics["common_support"]["share_outside"] > SUPPORT_SHARE_THRESHOLD
            or share_extreme > SUPPORT_SHARE_THRESHOLD)


def row_problem(row: dict, diagnostics: dict) -> dict | None:
    """Why a row must not be trusted ({code, message params}), or None."""
    if not math.isfinite(row["estimate"]) or not math.isfinite(row["se"]):
        return {"code": "row_unavailable"}
    if row["method"] in ("ipw", "aipw"):
        weighting = diagnostics["weighting"][row["estimand"]]
        for group in ("treated", "control"):
            ess, n = weighting[f"ess_{group}"], weighting[f"n_{group}"]
            if n and ess < RELIABLE_ESS_SHARE * n:
                return {"code": "row_tiny_effective_sample", "group": group, "ess": ess, "n": n}
        if weighting["max_weight_share"] > DOMINANT_WEIGHT_SHARE:
            return {"code": "row_dominant_weight", "max_weight_share": weighting["max_weight_share"]}
    if row["method"] == "psm" and diagnostics.get("psm"):
        psm = diagnostics["psm"]
        n_treated = psm["n_treated_matched"] + psm["n_treated_discarded"]
        if n_treated and psm["n_treated_discarded"] > UNMATCHED_SHARE * n_treated:
            return {"code": "row_most_treated_unmatched", "n_unmatched": psm["n_treated_discarded"],
                    "n_treated": n_treated}
    return None


def mark_reliability(table: pd.DataFrame, diagnostics: dict) -> pd.DataFrame:
    """The table with `reliable` (bool) and `reason` (a problem dict or None) per row."""
    problems = [row_problem(row, diagnostics) for row in table.to_dict(orient="records")]
    return table.assign(reliable=[p is None for p in problems], reason=problems)


def choose_headline(table: pd.DataFrame, diagnostics: dict, estimand: str = "ATE",
                    trimmed: bool = False) -> dict | None:
    """The row to headline under the rules above, with the reason ({code, params}) for the choice."""
    rows = {(r["method"], r["estimand"]): r for r in table.to_dict(orient="records")}
    order = list(PREFERENCE[estimand])
    reason: dict = {"code": "headline_preferred"}
    if estimand == "ATE" and poor_overlap(diagnostics):
        share = diagnostics["common_support"]["share_outside"]
        if trimmed:
            reason = {"code": "headline_poor_overlap_trimmed", "share": share}
        else:
            order = list(PREFERENCE["ATT"]) + order
            reason = {"code": "headline_poor_overlap_att", "share": share}
    skipped = []
    for key in order:
        row = rows.get(key)
        if row is None:
            continue
        if not row["reliable"]:
            skipped.append({"method": key[0], "estimand": key[1], "why": row["reason"]["code"]})
            continue
        if skipped:
            reason = {**reason, "code": reason["code"] + "_after_skipping",
                      "skipped": [f"{s['method']} ({s['estimand']})" for s in skipped]}
        return {**{k: row.get(k) for k in HEADLINE_KEYS[:-1]}, "reason": reason}
    naive = rows.get(("difference_in_means", "ATE"))
    if naive is not None and naive["reliable"]:
        return {**{k: naive.get(k) for k in HEADLINE_KEYS[:-1]}, "reason": {"code": "headline_naive_only"}}
    return None
