"""Reading an import file's rows: a CSV file in any locale's encoding, or a sheet of an
.xlsx workbook (`fair.importer.workbook`), then the data rows by column name.

Both kinds of source become a `Sheet` (its kind, the label problems name, its rows of
text cells), so every file kind is checked the same way whatever it was saved as.
Problems are collected, not raised, so one pass reports every bad row and column; the
`Collector` carries them from file to file until `parse_files` decides. Each problem has
an English message and the template it was made from, with its values apart, so the
pages can show it in the viewer's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from fair.columns import Column
from fair.errors import N_, Problem
from fair.importer.cells import CellError
from fair.importer.encodings import AUTO, Undecodable
from fair.importer.encodings import decode as decode_bytes

MAX_FILE_BYTES = 50 * 1024 * 1024
COMMENT = "#"  # right after the header, a row whose first cell starts so is a note
DELIMITERS = (",", "\t", ";")  # Excel: CSV, "Unicode text" (tabs), some locales' CSV
# Free-text columns may hold line breaks (a product description of several lines);
# every other cell is one line. A line break in a name or an e-mail address would end
# up in e-mail headers and calendar lines, where it must never be.
MULTILINE = frozenset({"description"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line breaks
_BREAK = re.compile(r"[\n\r\t\u2028\u2029\x85]")


@dataclass
class Collector:
    """Every problem found so far, in the order found: an import reports them all."""

    problems: list[Problem] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)  # file → encoding read

    def add(
        self, file: str, row: int | None, column: str | None, template: str, /, **params: object
    ) -> None:
        self.problems.append(Problem.of(file, row, column, template, **params))

    def error(self, file: str, row: int | None, column: str | None, exc: ValueError) -> None:
        """A problem from a cell parser's error (its template when it has one)."""
        if isinstance(exc, CellError):
            self.add(file, row, column, exc.template, **exc.params)
        else:
            self.add(file, row, column, "%(error)s", error=exc)


@dataclass(frozen=True)
class Sheet:
    """One file kind's table as read: from a CSV file or from a sheet of a workbook.

    `kind` is the file kind's canonical name (`participants.csv`); `label` is what a
    problem names (`participants.csv`, or `[fair.xlsx]participants` for a sheet);
    `rows` are the text cells of every row, the header first."""

    kind: str
    label: str
    rows: tuple[tuple[str, ...], ...]


T = TypeVar("T")


def too_large(file: str, raw: bytes, out: Collector) -> bool:
    if len(raw) > MAX_FILE_BYTES:
        out.add(
            file, None, None, N_("file is larger than %(mib)s MiB"), mib=MAX_FILE_BYTES // 2**20
        )
        return True
    return False


def decode(file: str, raw: bytes, out: Collector, encoding: str = AUTO) -> str | None:
    """The file's text (in `encoding`, or detected), or None with a problem."""
    if too_large(file, raw, out):
        return None
    try:
        text, label = decode_bytes(raw, encoding)
    except Undecodable as exc:
        out.add(file, None, None, exc.template, **exc.params)
        return None
    out.encodings[file] = label
    return text


def decode_utf8(file: str, raw: bytes, out: Collector) -> str | None:
    """A file that is UTF-8 by definition (`fair.toml`), a byte-order mark dropped."""
    return decode(file, raw, out, "utf-8")


def csv_sheet(kind: str, raw: bytes, out: Collector, encoding: str = AUTO) -> Sheet | None:
    """The rows of a CSV file of `kind`, or None with a problem."""
    text = decode(kind, raw, out, encoding)
    if text is None:
        return None
    first = text.split("\n", 1)[0]
    delimiter = next((d for d in DELIMITERS if d in first), ",")
    rows: list[tuple[str, ...]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            rows.append(tuple(record))
    except csv.Error as exc:
        out.add(kind, len(rows) + 1, None, N_("not valid CSV: %(error)s"), error=exc)
        return None
    return Sheet(kind, kind, tuple(rows))


def table_rows(
    sheet: Sheet, table: tuple[Column, ...], out: Collector
) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a sheet as (row number, cells of every column of `table`); none
    at all when the header is wrong, so no row is read under the wrong column. Rows are
    numbered from the header's 1; the notes right after the header (first cell starting
    with `#`, as in the templates) and blank rows are skipped."""
    file = sheet.label
    columns = {c.name: c.required for c in table}
    if not sheet.rows:
        out.add(file, None, None, N_("file is empty (a header row is required)"))
        return []
    names = [h.strip().lower() for h in sheet.rows[0]]
    while names and not names[-1]:  # a spreadsheet's trailing empty cells
        names.pop()
    ok = True
    for name in names:
        if name not in columns:
            out.add(
                file,
                1,
                name or "(blank)",
                N_("unknown column (known: %(known)s)"),
                known=", ".join(columns),
            )
            ok = False
    for name in dict.fromkeys(n for n in names if names.count(n) > 1):
        out.add(file, 1, name, N_("column appears twice"))
        ok = False
    for name, needed in columns.items():
        if needed and name not in names:
            out.add(file, 1, name, N_("required column is missing"))
            ok = False
    if not ok:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    notes = True
    for row_number, record in enumerate(sheet.rows[1:], start=2):
        if notes and record and record[0].lstrip().startswith(COMMENT):
            continue
        notes = False
        if not any(c.strip() for c in record):
            continue
        width = len(record)
        while width > len(names) and not record[width - 1].strip():
            width -= 1
        if width > len(names):
            out.add(
                file,
                row_number,
                None,
                N_("%(cells)s cells but %(columns)s columns"),
                cells=width,
                columns=len(names),
            )
            continue
        cells = dict(zip(names, (c.strip() for c in record), strict=False))
        for name, value in cells.items():
            # a problem, but the row is still read: what refers to it finds it
            if _CONTROL.search(value) or (name not in MULTILINE and _BREAK.search(value)):
                out.add(
                    file,
                    row_number,
                    name,
                    N_("contains a line break, tab or control character (one line of text)"),
                )
        rows.append((row_number, {n: cells.get(n, "") for n in columns}))
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
        out.error(file, row, column, exc)
        return None


def required(out: Collector, file: str, row: int, cells: Mapping[str, str], column: str) -> str:
    """The cell of a column that must not be empty (a problem when it is)."""
    value = cells[column]
    if not value:
        out.add(file, row, column, N_("is empty"))
    return value
