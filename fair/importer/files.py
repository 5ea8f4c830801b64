"""The set of import files: which are expected, checking them together, reading a folder.

An import is `fair.toml` plus one table per file kind of `fair.columns.IMPORT_TABLES`, each
either a CSV file of that name (in any encoding `fair.importer.encodings` reads) or a
sheet of an .xlsx workbook (`fair.importer.workbook`); a new file kind only needs its
columns there and its check below.

`parse_files` checks `fair.toml` first, then `participants.csv` against its days and
places, then `requests.csv` and `products.csv` against the participants, then the
optional `terms.csv` (product terms for the catalogue search), `availability.csv` (own
hours per date, against the participants) and `locks.csv` (the cells only: a lock is
checked against the schedule when `fair.loader` applies it), and raises
`ImportRejected` with every problem of every file, or returns the `ImportData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from fair.columns import IMPORT_TABLES
from fair.errors import N_, ImportRejected, Problem
from fair.importer.availability_csv import parse_availability
from fair.importer.encodings import AUTO
from fair.importer.fair_toml import parse_fair
from fair.importer.locks_csv import parse_locks
from fair.importer.participants_csv import parse_participants
from fair.importer.products_csv import parse_products
from fair.importer.requests_csv import parse_requests
from fair.importer.rows import MAX_FILE_BYTES, Collector, Sheet, csv_sheet
from fair.importer.specs import CompanySpec, ImportData, ParticipantSpec
from fair.importer.terms_csv import parse_terms
from fair.importer.workbook import xlsx_sheets

FAIR_FILE = "fair.toml"
FILES = (FAIR_FILE, *IMPORT_TABLES)
REQUIRED_FILES = (FAIR_FILE, "participants.csv")
WORKBOOK = ".xlsx"


def is_workbook(name: str) -> bool:
    return name.lower().endswith(WORKBOOK)


def read_sheets(
    files: Mapping[str, bytes], out: Collector, encoding: str = AUTO
) -> dict[str, Sheet]:
    """Each file kind's table (kind → sheet), from CSV files and workbooks alike; a kind
    given twice, or a file of no known kind, is a problem."""
    sheets: dict[str, Sheet] = {}
    for name, raw in files.items():
        if name == FAIR_FILE:
            continue
        if is_workbook(name):
            found = xlsx_sheets(name, raw, out)
        elif name in IMPORT_TABLES:
            sheet = csv_sheet(name, raw, out, encoding)
            found = [sheet] if sheet else []
        else:
            out.add(
                name,
                None,
                None,
                N_("unexpected file (expected %(expected)s, or an .xlsx workbook)"),
                expected=", ".join(FILES),
            )
            continue
        for sheet in found:
            if sheet.kind in sheets:
                out.add(
                    sheet.label,
                    None,
                    None,
                    N_("%(kind)s is given twice (also in %(other)s)"),
                    kind=sheet.kind,
                    other=sheets[sheet.kind].label,
                )
                continue
            sheets[sheet.kind] = sheet
    return sheets


def parse_files(files: Mapping[str, bytes], encoding: str = AUTO) -> ImportData:
    """Check the import files (name → raw bytes) and return the data, or raise
    `ImportRejected` listing every problem found (file, row, column, message).
    `encoding` is the CSV files' encoding, or `auto` to detect each one's."""
    out = Collector()
    sheets = read_sheets(files, out, encoding)
    present = set(sheets) | ({FAIR_FILE} if FAIR_FILE in files else set())
    failed = {p.file for p in out.problems}
    for name in REQUIRED_FILES:
        if name not in present and name not in failed:
            out.add(name, None, None, N_("required file is missing"))
    fair = parse_fair(files[FAIR_FILE], out) if FAIR_FILE in files else None
    companies: list[CompanySpec] = []
    people: list[ParticipantSpec] = []
    if "participants.csv" in sheets:
        companies, people = parse_participants(sheets["participants.csv"], fair, out)
    by_key = {p.key: p for p in people}
    # Requests and products refer to participants: without that file they cannot be checked.
    has_people = "participants.csv" in sheets
    requests = (
        parse_requests(sheets["requests.csv"], fair, by_key, out)
        if "requests.csv" in sheets and has_people
        else []
    )
    by_name = {c.name: c for c in companies}
    products = (
        parse_products(sheets["products.csv"], by_name, out)
        if "products.csv" in sheets and has_people
        else []
    )
    terms = tuple(parse_terms(sheets["terms.csv"], out)) if "terms.csv" in sheets else None
    if "availability.csv" in sheets and has_people:
        dates = parse_availability(sheets["availability.csv"], fair, by_key, out)
        # the file's rows are each person's dates: a person without rows has none left
        people = [replace(p, dates=dates.get(p.key, {})) for p in people]
    locks = parse_locks(sheets["locks.csv"], fair, out) if "locks.csv" in sheets else []
    if out.problems or fair is None:
        raise ImportRejected(out.problems)
    sources = {sheet.label: out.encodings.get(sheet.label, "xlsx") for sheet in sheets.values()}
    return ImportData(
        fair,
        tuple(companies),
        tuple(people),
        tuple(requests),
        tuple(products),
        terms,
        sources=sources,
        locks=tuple(locks),
        locks_file=sheets["locks.csv"].label if "locks.csv" in sheets else "locks.csv",
    )


def read_directory(path: Path) -> dict[str, bytes]:
    """The import files present in `path` (name → bytes): the known file names and any
    .xlsx workbook."""
    if not path.is_dir():
        raise ImportRejected([Problem.of(str(path), None, None, N_("is not a directory"))])
    return read_paths(
        [path / name for name in FILES if (path / name).exists()]
        + sorted(p for p in path.iterdir() if is_workbook(p.name) and not p.name.startswith("~$"))
    )


def read_paths(paths: list[Path]) -> dict[str, bytes]:
    """The files at `paths` by name (a directory stands for its import files)."""
    files: dict[str, bytes] = {}
    for path in paths:
        if path.is_dir():
            files.update(read_directory(path))
            continue
        if not path.is_file():
            raise ImportRejected([Problem.of(str(path), None, None, N_("no such file"))])
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportRejected(
                [
                    Problem.of(
                        path.name,
                        None,
                        None,
                        N_("file is larger than %(mib)s MiB"),
                        mib=MAX_FILE_BYTES // 2**20,
                    )
                ]
            )
        files[path.name] = path.read_bytes()
    return files
