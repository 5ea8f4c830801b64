"""The set of import files: which are expected, checking them together, reading a folder.

`parse_files` checks `fair.toml` first, then `participants.csv` against its days and
places, then `requests.csv` and `products.csv` against the participants, then the
optional `terms.csv` (product terms for the catalogue search), and raises
`ImportRejected` with every problem of every file, or returns the `ImportData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fair.errors import ImportRejected, Problem
from fair.importer.fair_toml import parse_fair
from fair.importer.participants_csv import parse_participants
from fair.importer.products_csv import parse_products
from fair.importer.requests_csv import parse_requests
from fair.importer.rows import MAX_FILE_BYTES, Collector
from fair.importer.specs import CompanySpec, ImportData, ParticipantSpec
from fair.importer.terms_csv import parse_terms

FILES = ("fair.toml", "participants.csv", "requests.csv", "products.csv", "terms.csv")
REQUIRED_FILES = ("fair.toml", "participants.csv")


def parse_files(files: Mapping[str, bytes]) -> ImportData:
    """Check the import files (name → raw bytes) and return the data, or raise
    `ImportRejected` listing every problem found (file, row, column, message)."""
    out = Collector()
    for name in files:
        if name not in FILES:
            out.add(name, None, None, f"unexpected file (expected {', '.join(FILES)})")
    for name in REQUIRED_FILES:
        if name not in files:
            out.add(name, None, None, "required file is missing")
    fair = parse_fair(files["fair.toml"], out) if "fair.toml" in files else None
    companies: list[CompanySpec] = []
    people: list[ParticipantSpec] = []
    if "participants.csv" in files:
        companies, people = parse_participants(files["participants.csv"], fair, out)
    by_key = {p.key: p for p in people}
    # Requests and products refer to participants: without that file they cannot be checked.
    has_people = "participants.csv" in files
    requests = (
        parse_requests(files["requests.csv"], fair, by_key, out)
        if "requests.csv" in files and has_people
        else []
    )
    by_name = {c.name: c for c in companies}
    products = (
        parse_products(files["products.csv"], by_name, out)
        if "products.csv" in files and has_people
        else []
    )
    terms = tuple(parse_terms(files["terms.csv"], out)) if "terms.csv" in files else None
    if out.problems or fair is None:
        raise ImportRejected(out.problems)
    return ImportData(
        fair, tuple(companies), tuple(people), tuple(requests), tuple(products), terms
    )


def read_directory(path: Path) -> dict[str, bytes]:
    """The import files present in `path` (name → bytes)."""
    if not path.is_dir():
        raise ImportRejected([Problem(str(path), None, None, "is not a directory")])
    files = {}
    for name in FILES:
        file = path / name
        if file.exists():
            if file.stat().st_size > MAX_FILE_BYTES:
                limit = MAX_FILE_BYTES // (1024 * 1024)
                raise ImportRejected([Problem(name, None, None, f"larger than {limit} MiB")])
            files[name] = file.read_bytes()
    return files
