"""What every panel says about its data: a "demo data" badge over generated rows, an empty state that says
what to load when a kind has no rows (never zeros dressed as results)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.common.i18n import t
from warehouse.provenance import is_empty, uses_demo

EMPTY_KINDS = ("students", "materials", "interactions", "events", "outcomes")


def demo_badge(provenance: dict, kinds: tuple[str, ...], lang: str, element_id: str | None = None):
    """A visible "demo data (generated)" badge when a panel is computed from generated rows, else None."""
    if not uses_demo(provenance, *kinds):
        return None
    return dbc.Badge(t("common.demo_badge", lang), color="warning", text_color="dark", className="ms-2 demo-badge",
                     id=element_id or "", title=t("common.demo_badge_tip", lang))


def empty_state(kind: str, lang: str, element_id: str | None = None) -> dbc.Alert:
    """An alert naming what is missing and the command or endpoint that loads it."""
    if kind not in EMPTY_KINDS:
        raise ValueError(f"no empty state for {kind!r}")
    return dbc.Alert([html.Strong(t(f"common.empty.{kind}.title", lang)), html.Br(),
                      t(f"common.empty.{kind}", lang)],
                     color="light", className="border empty-state", id=element_id or "")


def empty_kind(provenance: dict, kinds: tuple[str, ...]) -> str | None:
    """The first of these kinds that has no rows (the panel shows its empty state), or None."""
    return next((kind for kind in kinds if is_empty(provenance, kind)), None)
