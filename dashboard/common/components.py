"""Shared UI pieces: downloadable tables (CSV and Excel), KPI cards, the error toast."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import MATCH, Input, Output, State, callback, ctx, dash_table, dcc, html, no_update

from dashboard.common.downloads import download_frame, file_bytes
from dashboard.common.i18n import t


def _words_for_booleans(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """True/False cells as Yes/No in the page language (a DataTable would print 'true'/'false')."""
    words = {True: t("common.yes", lang), False: t("common.no", lang)}
    word = lambda value: words[bool(value)] if isinstance(value, (bool, np.bool_)) else value
    flags = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c]) or df[c].dtype == object]
    out = df.assign(**{c: df[c].map(word, na_action="ignore") for c in flags})
    return out.astype(object).where(out.notna(), None)   # missing stays missing (null), never NaN


def csv_table(table_id: str, df: pd.DataFrame, lang: str, *, page_size: int = 15,
              columns: dict[str, str] | None = None) -> html.Div:
    """A sortable table with its own "Download CSV" and "Download Excel" buttons (every table has them)."""
    names = columns or {}
    return html.Div([
        dbc.Button(t("common.download_csv", lang), id={"type": "csv-button", "table": table_id},
                   size="sm", color="secondary", outline=True, className="mb-2 me-2"),
        dbc.Button(t("common.download_xlsx", lang), id={"type": "xlsx-button", "table": table_id},
                   size="sm", color="secondary", outline=True, className="mb-2"),
        dcc.Download(id={"type": "csv-download", "table": table_id}),
        dash_table.DataTable(
            id={"type": "csv-table", "table": table_id},
            data=_words_for_booleans(df, lang).to_dict("records"),
            columns=[{"name": names.get(c, t(f"col.{c}", lang)), "id": c} for c in df.columns],
            page_size=page_size, sort_action="native",
            style_table={"overflowX": "auto"}, style_cell={"fontSize": "0.85rem", "textAlign": "left"},
        ),
    ], id=f"{table_id}-wrap")


@callback(
    Output({"type": "csv-download", "table": MATCH}, "data"),
    Input({"type": "csv-button", "table": MATCH}, "n_clicks"),
    Input({"type": "xlsx-button", "table": MATCH}, "n_clicks"),
    State({"type": "csv-table", "table": MATCH}, "data"),
    State({"type": "csv-table", "table": MATCH}, "columns"),
    State({"type": "csv-table", "table": MATCH}, "id"),
    prevent_initial_call=True,
)
def download_table_csv(_csv_clicks, _xlsx_clicks, rows, columns, table_id):
    """Send the table's current rows as CSV (UTF-8 with BOM) or XLSX, headed as the page shows them."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        return no_update
    fmt = "xlsx" if trigger.get("type") == "xlsx-button" else "csv"
    frame = download_frame(rows, columns)   # cells may hold text anyone posted: neutralised (OWASP)
    return dcc.send_bytes(file_bytes(frame, fmt), f"{table_id['table']}.{fmt}")


def kpi_card(title: str, value: str, element_id: str | None = None, note: str | None = None) -> dbc.Card:
    """A small card with a title and a big number."""
    body = [html.Div(title, className="text-muted small"), html.H4(value, className="mb-0")]
    if note:
        body.append(html.Div(note, className="small text-muted"))
    return dbc.Card(dbc.CardBody(body), id=element_id or "", className="h-100")


def error_toast() -> dbc.Toast:
    """The app-wide toast shown when a callback fails (filled by the on_error handler)."""
    return dbc.Toast(id="global-error", header="", is_open=False, dismissable=True, icon="danger",
                     duration=8000, style={"position": "fixed", "top": 70, "right": 10, "zIndex": 2000})
