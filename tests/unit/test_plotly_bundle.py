"""The app serves plotly.js's cartesian bundle (dashboard/assets/plotly-cartesian.min.js, a third of the full
plotly.min.js that dcc.Graph would otherwise load): every trace type the app draws must be in it, and it must
be the plotly.js version the installed plotly (Python) writes figures for."""
from __future__ import annotations

import re

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from tests.helpers import ROOT

BUNDLE = ROOT / "dashboard" / "assets" / "plotly-cartesian.min.js"


def _bundle_trace_types() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLE.read_text(encoding="utf-8")))


def _drawn_trace_types() -> set[str]:
    """The `type` of every plotly.graph_objects trace class the app's code constructs (go.Bar(...), ...)."""
    names = {name for package in ("analytics", "dashboard") for path in (ROOT / package).rglob("*.py")
             for name in re.findall(r"\bgo\.([A-Z]\w*)\(", path.read_text(encoding="utf-8"))}
    classes = [getattr(go, name) for name in names]
    return {cls().type for cls in classes if isinstance(cls, type) and issubclass(cls, BaseTraceType)}


def test_every_trace_type_the_app_draws_is_in_the_served_bundle():
    drawn = _drawn_trace_types()
    assert {"bar", "scatter", "heatmap"} <= drawn     # the scan finds the app's figures
    assert "waterfall" not in _bundle_trace_types()   # ... and would catch a trace the bundle lacks
    assert drawn - _bundle_trace_types() == set()


def test_bundle_is_the_plotly_js_version_the_installed_plotly_writes_for():
    head = BUNDLE.read_text(encoding="utf-8")[:200]
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head
