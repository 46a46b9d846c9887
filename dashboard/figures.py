"""Pure figure builders for the shell's students overview."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def make_score_distribution_figure(df: pd.DataFrame, score: str, group: str, *, title: str, x_title: str,
                                   y_title: str, level_names: dict[str, str] | None = None) -> go.Figure:
    """Overlaid histograms of one score, one trace per level of `group`."""
    fig = go.Figure()
    names = level_names or {}
    for level, part in df.groupby(group, sort=True):
        fig.add_trace(go.Histogram(x=part[score].to_numpy(), name=names.get(str(level), str(level)),
                                   opacity=0.6, xbins={"start": 0, "end": 101, "size": 5}))
    fig.update_layout(barmode="overlay", title=title, xaxis_title=x_title, yaxis_title=y_title,
                      legend_title_text="", margin={"t": 50, "l": 50, "r": 20, "b": 40}, template="plotly_white")
    fig.update_xaxes(range=[0, 100])
    return fig
