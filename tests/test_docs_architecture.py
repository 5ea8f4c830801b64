"""docs/architecture.md is a promise: every path it names exists, and its table of what
each layer may import is the allow-list that tests/test_layers.py enforces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_layers import ALLOWED

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PATH = re.compile(r"`((?:scheduler|fair|realtime|web|bench|tests|docs)/[\w./-]*)`")


def test_architecture_names_only_paths_that_exist() -> None:
    named = set(PATH.findall(DOC))
    assert len(named) > 60
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_architecture_layer_table_is_the_allow_list() -> None:
    rows = re.findall(r"^\| `(\w+)/` \| [^|]+ \| ([^|]+) \|$", DOC, flags=re.M)
    table = {layer: set(re.findall(r"`(\w+)`", allowed)) for layer, allowed in rows}
    assert table.pop("bench") == set()  # "anything"
    assert table == {layer: allowed - {layer} for layer, allowed in ALLOWED.items()}


def test_architecture_is_linked_first_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = re.findall(r"\[(docs/[\w.]+)\]", readme)
    assert docs[0] == "docs/architecture.md"
