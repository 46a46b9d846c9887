"""Walk a built Dash component tree (view builders are tested without a browser)."""
from __future__ import annotations


def walk(component):
    """Every component in the tree, the root first."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def table_rows(component, table: str) -> list[dict]:
    """The rows of the downloadable table `table` (dashboard.common.components.csv_table) inside the tree."""
    return next(c for c in walk(component) if getattr(c, "id", None) == {"type": "csv-table", "table": table}).data
