"""Reading an import file's bytes: UTF-8 text, CSV rows by column name, and problems.

Problems are collected, not raised, so one pass reports every bad row and column; the
`Collector` carries them from file to file until `parse_files` decides.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from fair.columns import Column
from fair.errors import Problem

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class Collector:
    """Every problem found so far, in the order found: an import reports them all."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))


T = TypeVar("T")


def decode(file: str, raw: bytes, out: Collector) -> str | None:
    """The file's text (UTF-8, a byte-order mark dropped), or None with a problem."""
    if len(raw) > MAX_FILE_BYTES:
        out.add(file, None, None, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        out.add(
            file,
            raw[: exc.start].count(b"\n") + 1,
            None,
            f"not UTF-8 text (byte {exc.start}); save the sheet as CSV UTF-8",
        )
        return None


def csv_rows(
    file: str, raw: bytes, table: tuple[Column, ...], out: Collector
) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a CSV file as (row number, cells of every column of `table`);
    none at all when the header is wrong, so no row is read under the wrong column."""
    columns = {c.name: c.required for c in table}
    text = decode(file, raw, out)
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        out.add(file, None, None, "file is empty (a header row is required)")
        return []
    except csv.Error as exc:
        out.add(file, 1, None, f"not a CSV file: {exc}")
        return []
    names = [h.strip().lower() for h in header]
    ok = True
    for name in names:
        if name not in columns:
            out.add(file, 1, name or "(blank)", f"unknown column (known: {', '.join(columns)})")
            ok = False
    for name in [n for n in names if names.count(n) > 1]:
        out.add(file, 1, name, "column appears twice")
        ok = False
    for name, needed in columns.items():
        if needed and name not in names:
            out.add(file, 1, name, "required column is missing")
            ok = False
    if not ok:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    row_number = 1
    try:
        for record in reader:
            row_number += 1
            if not any(c.strip() for c in record):
                continue
            if len(record) > len(names):
                out.add(file, row_number, None, f"{len(record)} cells but {len(names)} columns")
                continue
            cells = dict(zip(names, (c.strip() for c in record), strict=False))
            rows.append((row_number, {n: cells.get(n, "") for n in columns}))
    except csv.Error as exc:
        out.add(file, row_number + 1, None, f"not valid CSV: {exc}")
    return rows


def cell(
    out: Collector,
    file: str,
    row: int,
    column: str,
    value: str,
    convert: Callable[[str], T],
) -> T | None:
    """`convert(value)`, or None with the converter's message as the cell's problem."""
    try:
        return convert(value)
    except ValueError as exc:
        out.add(file, row, column, str(exc))
        return None


def required(out: Collector, file: str, row: int, cells: Mapping[str, str], column: str) -> str:
    """The cell of a column that must not be empty (a problem when it is)."""
    value = cells[column]
    if not value:
        out.add(file, row, column, "is empty")
    return value
