"""Dash's own component texts in the page language: dropdown "Search" / "N selected" / "No options found",
date-picker month and date formats. Applied to every page layout (dashboard.app wraps each tab's layout),
and callable on components a callback builds."""
from __future__ import annotations

import functools
from collections.abc import Callable

from dash import dcc

from dashboard.common.context import request_lang
from dashboard.common.i18n import t

DROPDOWN_LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
                   "no_options_found")
DATE_PICKERS = (dcc.DatePickerSingle, dcc.DatePickerRange)
DATE_FORMATS = {"display_format": "common.date.display_format", "month_format": "common.date.month_format"}
DATE_PLACEHOLDERS = {dcc.DatePickerSingle: {"placeholder": "common.date.placeholder"},
                     dcc.DatePickerRange: {"start_date_placeholder_text": "common.date.start",
                                           "end_date_placeholder_text": "common.date.end"}}


def dropdown_labels(lang: str) -> dict[str, str]:
    """The `labels` prop of dcc.Dropdown in this language ({num_selected} is filled in by Dash)."""
    return {name: t(f"common.dropdown.{name}", lang) for name in DROPDOWN_LABELS}


def _components(tree):
    if isinstance(tree, (list, tuple)):
        for item in tree:
            yield from _components(item)
    elif hasattr(tree, "_traverse"):
        yield tree
        yield from tree._traverse()


def localise(tree, lang: str):
    """Fill Dash's built-in texts of every dropdown and date picker in `tree` (explicit props win); return it."""
    labels = dropdown_labels(lang)
    for component in _components(tree):
        if isinstance(component, dcc.Dropdown) and getattr(component, "labels", None) is None:
            component.labels = labels
        elif isinstance(component, DATE_PICKERS):
            for prop, key in (DATE_FORMATS | DATE_PLACEHOLDERS[type(component)]).items():
                if getattr(component, prop, None) is None:
                    setattr(component, prop, t(key, lang))
            if getattr(component, "first_day_of_week", None) is None:
                component.first_day_of_week = 1 if lang == "ja" else 0
    return tree


def localised_layout(layout: Callable) -> Callable:
    """A page layout function whose result has Dash's component texts in the page language."""
    @functools.wraps(layout)
    def wrapped(*args, **query):
        return localise(layout(*args, **query), request_lang(query.get("lang")))

    return wrapped
