"""Dash's own component texts follow the page language; explicit texts a tab sets are kept."""
from __future__ import annotations

from dash import dcc, html

from dashboard.common.localise import dropdown_labels, localise, localised_layout


def test_dropdowns_and_date_pickers_in_japanese():
    tree = html.Div([dcc.Dropdown(id="a", options=["x"], multi=True),
                     html.Div(dcc.DatePickerRange(id="b")), dcc.DatePickerSingle(id="c"),
                     dcc.Dropdown(id="d", labels={"search": "Find"})])
    localise(tree, "ja")
    a, b, c, d = (next(x for x in tree._traverse() if getattr(x, "id", None) == i) for i in "abcd")
    assert a.labels["search"] == "検索" and a.labels["selected_count"] == "{num_selected} 件選択"
    assert a.labels["no_options_found"] == "該当する選択肢がありません"
    assert (b.start_date_placeholder_text, b.end_date_placeholder_text) == ("開始日", "終了日")
    assert b.month_format == "YYYY年M月" and b.first_day_of_week == 1
    assert c.placeholder == "日付を選択" and c.display_format == "YYYY/MM/DD"
    assert d.labels == {"search": "Find"}   # a tab's own labels win


def test_english_labels_are_dash_defaults_and_layouts_are_wrapped():
    assert dropdown_labels("en")["selected_count"] == "{num_selected} selected"
    page = localised_layout(lambda **q: html.Div(dcc.Dropdown(id="x", options=[])))
    assert page(lang="ja").children.labels["search"] == "検索"
    assert page(lang="en").children.labels["search"] == "Search"
