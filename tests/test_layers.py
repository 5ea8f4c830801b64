"""The layering rule of STYLE.md, checked by reading imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "scheduler": {"fair", "web", "realtime", "sqlmodel", "sqlalchemy", "aiohttp", "socketio"},
    "fair": {"web", "realtime", "aiohttp", "socketio"},
    "realtime": {"web"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_package_imports_only_allowed_layers(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            wrong.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    assert wrong == []


# The two entry points: the app factory wires the socket.io server, and the command line
# dispatches `fair bench rooms` to the rooms benchmark.
WIRING = {"app.py", "cli.py"}


def test_layers_only_entry_points_wire_realtime_and_web() -> None:
    for path in sorted((ROOT / "web").rglob("*.py")):
        if path.name not in WIRING and "realtime" in imported_roots(path):
            pytest.fail(f"{path.relative_to(ROOT)} imports realtime; only web/app.py wires it")
