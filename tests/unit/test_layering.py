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


def _imported_packages(path: Path) -> set[str]:
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
    return {name.split(".")[0] for name in names} & OURS


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_the_design_allows(package):
    offending = {str(path.relative_to(ROOT)): sorted(found - MAY_IMPORT[package])
                 for path in sorted((ROOT / package).rglob("*.py"))
                 if (found := _imported_packages(path)) - MAY_IMPORT[package]}
    assert offending == {}
