"""Pure figure and component builders for the students overview."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go

from analytics.student_summary import student_kpis
from dashboard.common.components import kpi_card
from dashboard.common.i18n import t


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


def kpi_row(prefix: str, students: pd.DataFrame, pass_mark: float, lang: str) -> dbc.Row:
    """Student count, mean scores and the share below the pass mark, as one row of KPI cards."""
    kpis = student_kpis(students, pass_mark)

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
