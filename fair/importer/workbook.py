"""Reading an .xlsx workbook: one sheet per file kind, named like the file without
`.csv` (`participants`, `requests`, `products`, `terms`), each with the header on row 1.

Cells become the text the CSV would hold: numbers without a trailing `.0`, dates as ISO
dates, times as HH:MM; a formula is not computed, its value as last saved is read.
Sheets with no value at all are passed over (a workbook's empty default sheet); any
other sheet must be a known file kind, as an unknown CSV file would be refused.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from fair.columns import IMPORT_TABLES
from fair.errors import N_
from fair.importer.rows import Collector, Sheet, too_large


def sheet_kind(title: str) -> str:
    """The file kind a sheet's title names: `Participants ` → `participants.csv`."""
    name = title.strip().lower()
    return name if name.endswith(".csv") else f"{name}.csv"


def text(value: Any) -> str:
    """A cell's value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def xlsx_sheets(name: str, raw: bytes, out: Collector) -> list[Sheet]:
    """The sheets of the workbook `name`, each as the file kind it names."""
    from openpyxl import load_workbook  # only an import of a workbook needs it

    if too_large(name, raw, out):
        return []
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        out.add(name, None, None, N_("not an .xlsx workbook: %(error)s"), error=exc)
        return []
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            rows = [tuple(text(v) for v in row) for row in ws.iter_rows(values_only=True)]
            while rows and not any(c.strip() for c in rows[-1]):
                rows.pop()
            label = f"[{name}]{ws.title}"
            if not rows:
                continue
            kind = sheet_kind(ws.title)
            if kind not in IMPORT_TABLES:
                known = ", ".join(k.removesuffix(".csv") for k in IMPORT_TABLES)
                out.add(label, None, None, N_("unknown sheet (expected: %(known)s)"), known=known)
                continue
            sheets.append(Sheet(kind, label, tuple(rows)))
    finally:
        book.close()
    return sheets
