"""The layering rule of STYLE.md and docs/architecture.md, checked by reading imports.

Each layer lists what it may import (an allow-list): the standard library, the layers below
it and the third-party packages it is meant to use. Every import counts: plain and `from`
imports, relative ones (resolved against the module's package), imports under
`TYPE_CHECKING`, and dynamic ones (`importlib.import_module`, `__import__`,
`runpy.run_module`) whose module name is a literal; a dynamic import of a computed name
cannot be checked and is refused. `bench/` (tooling) may import anything, and no layer may
import it, since no allow-list names it.
"""

from __future__ import annotations

import ast
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
DATABASE = {"sqlmodel", "sqlalchemy"}
ALLOWED: dict[str, set[str]] = {
    # numpy: the arrays OR-Tools' PDLP takes a warm start in (an OR-Tools dependency);
    # scipy: the sparse matrix its constraint matrix is set from (scheduler/lp.py).
    "scheduler": {"scheduler", "ortools", "numpy", "scipy"},
    "fair": {
        "fair",
        "scheduler",
        *DATABASE,
        "alembic",
        "icalendar",
        "recurring_ical_events",
        "openpyxl",
        "babel",  # the e-mails' catalogues and dates (fair/mailtext.py)
    },
    # aiohttp: the stage's client of the Janus HTTP API (realtime/janus.py)
    "realtime": {"realtime", "fair", "scheduler", *DATABASE, "socketio", "redis", "aiohttp"},
    "web": {
        "web",
        "realtime",
        "fair",
        "scheduler",
        *DATABASE,
        "aiohttp",
        "aiohttp_jinja2",
        "jinja2",
        "multidict",
        "yarl",
        "babel",
        "socketio",
        "redis",
        "weasyprint",  # the post-fair report as PDF (web/report_pdf.py)
    },
}
# Inside web/, only the app factory wires the socket.io server and its services; the rest
# of web/ reaches realtime through what the factory puts on the application.
WIRING = {("web", "realtime"): {"web/app.py"}}
DYNAMIC = {"import_module", "__import__", "run_module"}


@dataclass(frozen=True)
class Import:
    line: int
    module: str | None  # None: a dynamic import of a computed name


def _package_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1]  # a module's package; for __init__.py, the package itself


def _relative(node: ast.ImportFrom, package: list[str]) -> list[str]:
    up = node.level - 1
    if up > len(package):
        return [f"<beyond the top: {'.' * node.level}{node.module or ''}>"]
    base = package[: len(package) - up]
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, alias.name]) for alias in node.names]


def _dynamic(node: ast.Call) -> Import | None:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in DYNAMIC:
        return None
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return Import(node.lineno, node.args[0].value)
    return Import(node.lineno, None)


def imports(path: Path, root: Path) -> list[Import]:
    """Every module that `path` imports, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package_of(path, root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = _relative(node, package) if node.level else [node.module or ""]
            found += [Import(node.lineno, name) for name in names]
        elif isinstance(node, ast.Call) and (dynamic := _dynamic(node)) is not None:
            found.append(dynamic)
    return found


def violations(root: Path, layer: str) -> list[str]:
    """What the files of `layer` under `root` import beyond their allow-list."""
    wrong = []
    for path in sorted((root / layer).rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for found in imports(path, root):
            if found.module is None:
                wrong.append(f"{where}:{found.line} imports a computed name (cannot be checked)")
                continue
            top = found.module.split(".")[0]
            if top in STDLIB:
                continue
            wired = where in WIRING.get((layer, top), {where})
            if top not in ALLOWED[layer] or not wired:
                wrong.append(f"{where}:{found.line} imports {found.module}")
    return wrong


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_each_imports_only_its_allow_list(layer: str) -> None:
    assert violations(ROOT, layer) == []


def test_layers_tooling_reaches_the_cli_only_through_entry_points() -> None:
    """No allow-list names `bench`; the `fair` command finds the tooling's commands as
    `fair.commands` entry points, which must all live in `bench`."""
    assert all("bench" not in allowed for allowed in ALLOWED.values())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    commands = project["project"]["entry-points"]["fair.commands"]
    assert commands and all(target.startswith("bench.") for target in commands.values())


# ----------------------------------------------------------------- planted violations


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for layer in ALLOWED:
        (tmp_path / layer).mkdir(exist_ok=True)
        (tmp_path / layer / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


PLANTED = [
    ("fair/a.py", "import aiohttp\n", "fair", "fair/a.py:1 imports aiohttp"),
    ("scheduler/a.py", "import sqlalchemy\n", "scheduler", "scheduler/a.py:1 imports sqlalchemy"),
    ("scheduler/a.py", "from fair.models import Fair\n", "scheduler", "imports fair.models"),
    ("realtime/a.py", "from ..web import views\n", "realtime", "realtime/a.py:1 imports web"),
    ("realtime/a.py", "from .. import web\n", "realtime", "realtime/a.py:1 imports web"),
    ("fair/sub/a.py", "from ...realtime import x\n", "fair", "fair/sub/a.py:1 imports realtime"),
    ("fair/a.py", "from .... import x\n", "fair", "imports <beyond the top: ....>"),
    (
        "scheduler/a.py",
        "import importlib\nm = importlib.import_module('fair.models')\n",
        "scheduler",
        "scheduler/a.py:2 imports fair.models",
    ),
    ("fair/a.py", "sio = __import__('socketio')\n", "fair", "fair/a.py:1 imports socketio"),
    (
        "fair/a.py",
        "from importlib import import_module\nname = 'web'\nimport_module(name)\n",
        "fair",
        "fair/a.py:3 imports a computed name (cannot be checked)",
    ),
    ("fair/a.py", "import runpy\nrunpy.run_module('web.cli')\n", "fair", "imports web.cli"),
    (
        "web/a.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bench import drill\n",
        "web",
        "web/a.py:3 imports bench",
    ),
    ("web/views.py", "from realtime.server import create_server\n", "web", "imports realtime"),
    ("realtime/a.py", "import bench.drill\n", "realtime", "realtime/a.py:1 imports bench.drill"),
]


@pytest.mark.parametrize(("name", "text", "layer", "expected"), PLANTED)
def test_layers_checker_finds_planted_violation(
    tmp_path: Path, name: str, text: str, layer: str, expected: str
) -> None:
    root = _plant(tmp_path, {name: text})
    found = violations(root, layer)
    assert len(found) == 1 and expected in found[0], found


def test_layers_checker_accepts_what_a_layer_may_import(tmp_path: Path) -> None:
    root = _plant(
        tmp_path,
        {
            "fair/a.py": "import json\nfrom . import b\nfrom .b import c\nimport sqlmodel\n",
            "fair/sub/a.py": "from .. import models\nfrom ..models import Fair\n",
            "realtime/a.py": "import importlib\nimportlib.import_module('fair.models')\n",
            "web/app.py": "from realtime.server import create_server\n",
            "scheduler/a.py": "from ortools.sat.python import cp_model\n",
        },
    )
    assert [v for layer in ALLOWED for v in violations(root, layer)] == []
