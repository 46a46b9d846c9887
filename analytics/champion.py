"""Champion vs challenger on real outcomes: error per period for each model, and the overall difference."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.drift import rmse_by_period


@dataclass(frozen=True)
class Comparison:
    """Overall RMSE/MAE of both models on the outcomes seen, and per-period rows for a chart."""

    champion: str
    challenger: str
    n_champion: int
    n_challenger: int
    rmse_champion: float
    rmse_challenger: float
    mae_champion: float
    mae_challenger: float
    by_period: pd.DataFrame   # period_start, role, n, rmse, mae

    @property
    def challenger_better(self) -> bool | None:
        """True when the challenger's RMSE is lower (None without outcomes for both)."""
        if not (self.n_champion and self.n_challenger):
            return None
        return self.rmse_challenger < self.rmse_champion

    def as_json(self) -> dict:
        """JSON-able summary (NaN as None), periods as records."""
        plain = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in self.__dict__.items() if k != "by_period"}
        periods = self.by_period.assign(period_start=self.by_period["period_start"].astype(str))
        return {**plain, "challenger_better": self.challenger_better, "by_period": periods.to_dict(orient="records")}

    def text(self) -> str:
        """A short comparison for the CLI (promote prints it before acting)."""
        return (f"champion {self.champion}: RMSE {self.rmse_champion:.2f}, MAE {self.mae_champion:.2f} "
                f"(n={self.n_champion}); challenger {self.challenger}: RMSE {self.rmse_challenger:.2f}, "
                f"MAE {self.mae_challenger:.2f} (n={self.n_challenger}) on real outcomes")


def compare_models(outcomes: pd.DataFrame, champion: str, challenger: str, *, freq: str = "D") -> Comparison:
    """Compare two model versions on outcomes[ts, model_version, y_true, y_pred] (served or shadow)."""
    parts, overall = [], {}
    for role, version in (("champion", champion), ("challenger", challenger)):
        rows = outcomes[outcomes["model_version"] == version]
        error = rows["y_pred"].astype(float) - rows["y_true"].astype(float)
        overall[role] = (len(rows), float(np.sqrt(np.mean(error**2))) if len(rows) else math.nan,
                         float(np.mean(np.abs(error))) if len(rows) else math.nan)
        if len(rows):
            parts.append(rmse_by_period(rows, freq).assign(role=role))
    by_period = (pd.concat(parts, ignore_index=True) if parts else
                 pd.DataFrame(columns=["period_start", "n", "rmse", "mae", "role"]))
    return Comparison(champion, challenger, overall["champion"][0], overall["challenger"][0],
                      overall["champion"][1], overall["challenger"][1], overall["champion"][2],
                      overall["challenger"][2], by_period[["period_start", "role", "n", "rmse", "mae"]])
