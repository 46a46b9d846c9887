"""The package layering of DESIGN.md holds: each package imports only the packages it may."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"warehouse", "analytics", "pipelines", "dashboard"}
MAY_IMPORT = {
    "warehouse": {"warehouse"},
    "analytics": {"analytics"},
    "pipelines": {"pipelines", "warehouse", "analytics"},
    "dashboard": {"dashboard", "warehouse", "analytics"},
}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):   # function-level imports count too
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == \
                "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def _imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported_modules(path)} & OURS


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_the_design_allows(package):
    offending = {str(path.relative_to(ROOT)): sorted(found - MAY_IMPORT[package])
                 for path in sorted((ROOT / package).rglob("*.py"))
                 if (found := _imported_packages(path)) - MAY_IMPORT[package]}
    assert offending == {}


# dashboard/: one package per tab with the same four files, plus common/ and api/ (see README).
TABS = ("overview", "predict", "ebpm", "recommend", "operations")
TAB_FILES = {"__init__.py", "page.py", "data.py", "view.py", "strings.py"}
# Who may open warehouse connections inside dashboard/: each tab's data.py, the REST API, and the
# shared admin actions (acknowledge an alert, run the monitor) that the Operations tab and the API share.
MAY_READ_WAREHOUSE = {"data.py"}


def test_every_tab_has_the_same_shape():
    dashboard = ROOT / "dashboard"
    tabs = {p.name for p in dashboard.iterdir() if p.is_dir() and (p / "page.py").exists()}
    assert tabs == set(TABS)
    assert {tab: sorted(p.name for p in (dashboard / tab).glob("*.py")) for tab in TABS} == \
        {tab: sorted(TAB_FILES) for tab in TABS}
    flat = sorted(p.name for p in dashboard.glob("*.py"))
    assert flat == ["__init__.py", "app.py"]


def _calls_read_only(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.ImportFrom) and node.module == "warehouse.connection"
               and any(alias.name == "read_only" for alias in node.names) for node in ast.walk(tree))


def test_only_data_modules_read_the_warehouse():
    readers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "dashboard").rglob("*.py")
                     if _calls_read_only(path) and "api" not in path.parts and path.name not in MAY_READ_WAREHOUSE)
    assert readers == ["dashboard/common/admin_actions.py"]


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(inner) for node in ast.walk(tree)
               if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
               for inner in ast.walk(node)}
    return {node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and id(node) not in skipped}


@pytest.mark.parametrize("tab", TABS)
def test_views_are_pure_builders(tab):
    imported = _runtime_imports(ROOT / "dashboard" / tab / "view.py")
    assert {name for name in imported if name.startswith("dashboard.") and name.endswith((".page", ".data"))} == set()
    assert {name for name in imported if name.startswith("warehouse.") and name != "warehouse.settings"
            and not name.endswith("_queries")} == set()
