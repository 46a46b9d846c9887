"""Pure figure and component builders for the students overview."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go

from analytics.student_summary import StudentKpis
from dashboard.common.components import kpi_card
from dashboard.common.i18n import t


def make_score_distribution_figure(bins: pd.DataFrame, bin_size: int, *, title: str, x_title: str, y_title: str,
                                   level_names: dict[str, str] | None = None) -> go.Figure:
    """Overlaid histograms of one score, one trace per level, from students counted per (level, bin) (bin = the
    lower edge): the browser receives a few dozen bars, not one value per student."""
    fig = go.Figure()
    names = level_names or {}
    for level, part in bins.groupby("level", sort=True):
        fig.add_trace(go.Bar(x=(part["bin"] + bin_size / 2).to_numpy(), y=part["students"].to_numpy(),
                             width=bin_size, name=names.get(str(level), str(level)), opacity=0.6))
    fig.update_layout(barmode="overlay", bargap=0, title=title, xaxis_title=x_title, yaxis_title=y_title,
                      legend_title_text="", margin={"t": 50, "l": 50, "r": 20, "b": 40}, template="plotly_white")
    fig.update_xaxes(range=[0, 100])
    return fig


def kpi_row(prefix: str, kpis: StudentKpis, pass_mark: float, lang: str) -> dbc.Row:
    """Student count, mean scores and the share below the pass mark, as one row of KPI cards."""
    def mean(col: str) -> str:
        value = kpis.means[col]
        return "–" if value is None else f"{value:.1f}"

    below = "–" if kpis.below_pass_share is None else f"{100 * kpis.below_pass_share:.1f} %"
    return dbc.Row([
        dbc.Col(kpi_card(t("overview.kpi.students", lang), f"{kpis.n:,}", f"{prefix}-kpi-students"), md=True),
        dbc.Col(kpi_card(t("overview.kpi.math", lang), mean("math_score")), md=True),
        dbc.Col(kpi_card(t("overview.kpi.reading", lang), mean("reading_score")), md=True),
        dbc.Col(kpi_card(t("overview.kpi.writing", lang), mean("writing_score")), md=True),
        dbc.Col(kpi_card(t("overview.kpi.below_pass", lang, mark=int(pass_mark)), below), md=True),
    ], className="g-2 mb-2")
