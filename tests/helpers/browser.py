"""Browser-test helpers shared by the tab tests."""
from __future__ import annotations


def plotted_traces(dash_duo, graph_id: str) -> int:
    """Traces Plotly has drawn in a dcc.Graph (0 while it shows an empty figure or is not drawn yet)."""
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g._fullData ? g._fullData.length : 0;")


def wait_for_plotted(dash_duo, graph_id: str, timeout: float = 30) -> None:
    """Wait until a graph shows a figure with data: the served layout draws callback-filled graphs empty first."""
    dash_duo.wait_for_element(f"#{graph_id} .js-plotly-plot", timeout=timeout)
    dash_duo._wait_for(lambda _: plotted_traces(dash_duo, graph_id) > 0, timeout=timeout,
                       msg=f"#{graph_id} never showed a figure with data")
