"""One table of import columns: the importer, the generator, the export and the docs agree.

The importer reads `fair.columns`; the generator and `export fair` must write exactly
those columns and keys, and docs/import.md must list exactly them, each as required as
the importer makes it.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fair.columns import CSV_FILES, TOML_TABLES, Column, names, ordered
from fair.errors import ImportRejected
from fair.export import export_fair_files
from fair.importer import parse_files
from fair.loader import import_files
from fair.sample.generate import generate, toml_text, write

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def small_fair(tmp_path: Path) -> dict[str, bytes]:
    paths = write(generate("small", 1, date(2026, 5, 1)), tmp_path)
    return {p.name: p.read_bytes() for p in paths}


def header(data: bytes) -> tuple[str, ...]:
    return tuple(next(csv.reader(io.StringIO(data.decode("utf-8-sig")))))


def toml_keys(data: bytes) -> dict[str, set[str]]:
    """The keys used in each table of a fair.toml (all entries of an array together)."""
    doc = tomllib.loads(data.decode("utf-8"))
    keys: dict[str, set[str]] = {}
    for table, value in doc.items():
        entries = value if isinstance(value, list) else [value]
        keys[table] = {k for entry in entries for k in entry}
    return keys


def expected_toml_keys() -> dict[str, set[str]]:
    return {table: set(names(columns)) for table, columns in TOML_TABLES.items()}


@pytest.mark.unit
def test_columns_generated_files_have_the_importers_columns(tmp_path: Path) -> None:
    files = small_fair(tmp_path)
    for kind, columns in CSV_FILES.items():
        assert header(files[kind]) == names(columns), kind
    assert toml_keys(files["fair.toml"]) == expected_toml_keys()


@pytest.mark.integration
def test_columns_export_fair_has_the_importers_columns(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    summary = import_files(sqlite_engine, small_fair(tmp_path))
    with Session(sqlite_engine) as session:
        exported = export_fair_files(session, summary.fair_id)
    for kind, columns in CSV_FILES.items():
        assert header(exported[kind]) == names(columns), kind
    assert toml_keys(exported["fair.toml"]) == expected_toml_keys()


# --- The documentation --------------------------------------------------------------------


def doc_tables() -> dict[str, list[tuple[str, bool]]]:
    """Each `## file.csv` section's column table as (column, required) in order; a row
    that names two columns (`price_min`, `price_max`) gives both."""
    tables: dict[str, list[tuple[str, bool]]] = {}
    section = ""
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if section not in CSV_FILES or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] == "column" or set(cells[0]) <= {"-", " "}:
            continue
        assert cells[1] in ("yes", "no"), line
        for name in re.findall(r"`([^`]+)`", cells[0]):
            tables.setdefault(section, []).append((name, cells[1] == "yes"))
    return tables


def doc_toml_keys() -> dict[str, set[str]]:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"## fair\.toml\s+```toml\n(.*?)```", text, re.S)
    assert block is not None
    return toml_keys(block.group(1).encode("utf-8"))


@pytest.mark.unit
def test_columns_docs_name_exactly_the_importers_columns() -> None:
    documented = doc_tables()
    assert set(documented) == set(CSV_FILES)
    for kind, columns in CSV_FILES.items():
        assert documented[kind] == [(c.name, c.required) for c in columns], kind


@pytest.mark.unit
def test_columns_docs_fair_toml_names_exactly_the_importers_keys() -> None:
    assert doc_toml_keys() == expected_toml_keys()


# --- Required means required to the importer -----------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("kind", "column"),
    [(kind, column) for kind, columns in CSV_FILES.items() for column in columns],
    ids=lambda value: value.name if isinstance(value, Column) else value,
)
def test_columns_required_column_missing_is_refused(
    kind: str, column: Column, tmp_path: Path
) -> None:
    files = small_fair(tmp_path)
    rows = list(csv.reader(io.StringIO(files[kind].decode("utf-8"))))
    at = rows[0].index(column.name)
    kept = [row[:at] + row[at + 1 :] for row in rows]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(kept)
    files[kind] = buffer.getvalue().encode("utf-8")
    problems = problems_of(files)
    missing = f"{kind}, row 1, column {column.name}: required column is missing"
    assert (missing in problems) == column.required


@pytest.mark.unit
@pytest.mark.parametrize(
    ("table", "key"),
    [(table, key) for table, keys in TOML_TABLES.items() for key in keys],
    ids=lambda value: value.name if isinstance(value, Column) else value,
)
def test_columns_required_toml_key_missing_is_refused(
    table: str, key: Column, tmp_path: Path
) -> None:
    files = small_fair(tmp_path)
    doc: dict[str, Any] = tomllib.loads(files["fair.toml"].decode("utf-8"))
    entry = doc[table] if table == "fair" else doc[table][0]
    del entry[key.name]
    files["fair.toml"] = toml_text(doc).encode("utf-8")
    where = "fair." if table == "fair" else f"{table}[1]"
    refused = [p for p in problems_of(files) if p.startswith(f"fair.toml, column {where}")]
    assert bool(refused) == key.required, refused


def problems_of(files: dict[str, bytes]) -> list[str]:
    try:
        parse_files(files)
    except ImportRejected as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.mark.unit
def test_columns_ordered_refuses_keys_outside_the_table() -> None:
    columns = CSV_FILES["products.csv"]
    values = {c.name: c.name for c in reversed(columns)}
    assert list(ordered(columns, values)) == list(names(columns))
    with pytest.raises(ValueError, match="are not the columns"):
        ordered(columns, {**values, "colour": "red"})
    with pytest.raises(ValueError, match="are not the columns"):
        ordered(columns, {"id": "G1"})
