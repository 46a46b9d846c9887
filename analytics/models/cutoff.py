"""Risk metrics at any cutoff, for the threshold slider: counts by one sort, so a slider move costs O(log n)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CutoffTable:
    """Scored students sorted by probability (descending) with cumulative at-risk counts."""

    proba_desc: np.ndarray
    positives_cum: np.ndarray   # at-risk students among the i highest probabilities, i = 0..n
    n: int
    positives: int

    def metrics(self, threshold: float) -> dict[str, float]:
        """Confusion counts (flag when p >= threshold), precision, recall and students flagged per 100."""
        flagged = int(np.searchsorted(-self.proba_desc, -float(threshold), side="right"))
        tp = int(self.positives_cum[flagged])
        fp = flagged - tp
        fn = self.positives - tp
        tn = self.n - flagged - fn
        return {"threshold": float(threshold), "tp": tp, "fp": fp, "fn": fn, "tn": tn, "n": self.n,
                "precision": tp / flagged if flagged else float("nan"),
                "recall": tp / self.positives if self.positives else float("nan"),
                "flagged_per_100": 100.0 * flagged / self.n if self.n else float("nan")}


def cutoff_table(y_true, proba) -> CutoffTable:
    """Build the table from 0/1 outcomes (1 = at risk) and predicted risk probabilities."""
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(proba, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("y_true and proba must be 1-d arrays of the same length")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    order = np.argsort(-p, kind="stable")
    return CutoffTable(p[order], np.concatenate([[0], np.cumsum(y[order])]), int(y.size), int(y.sum()))
