"""Reading and checking the import files (`docs/import.md`).

`parse_files` turns the raw bytes of `fair.toml`, `participants.csv`, `requests.csv`,
`products.csv` and the optional `terms.csv`, `availability.csv` and `locks.csv` into
checked `ImportData`, collecting every problem (file, row, column, message) instead of
stopping at the first. Nothing here
touches the database: writing is `fair.loader`, which applies a checked `ImportData` in
one transaction.

The package's parts: `specs` (the checked data), `cells` (one cell's value),
`encodings` (which encoding a CSV file is in), `rows` (a CSV file's rows, and the data
rows of any sheet), `workbook` (the sheets of an .xlsx file), one module per file kind
(`fair_toml`, `participants_csv`, `requests_csv`, `products_csv`, `terms_csv`,
`availability_csv`, `locks_csv`) and `files` (all of them together, and reading a
folder). The columns themselves are
`fair.columns`.
"""

from fair.importer.cells import check_timezone, parse_window
from fair.importer.encodings import AUTO, CHOICES, Undecodable, normalise
from fair.importer.files import FILES, REQUIRED_FILES, parse_files, read_directory, read_paths
from fair.importer.rows import MAX_FILE_BYTES
from fair.importer.specs import (
    BoothSpec,
    BreakSpec,
    CompanySpec,
    FairSpec,
    ImportData,
    LockSpec,
    ParticipantSpec,
    PavilionSpec,
    ProductSpec,
    RequestSpec,
    TableSpec,
    TermSpec,
)

__all__ = [
    "AUTO",
    "CHOICES",
    "FILES",
    "MAX_FILE_BYTES",
    "REQUIRED_FILES",
    "BoothSpec",
    "BreakSpec",
    "CompanySpec",
    "FairSpec",
    "ImportData",
    "LockSpec",
    "ParticipantSpec",
    "PavilionSpec",
    "ProductSpec",
    "RequestSpec",
    "TableSpec",
    "TermSpec",
    "Undecodable",
    "check_timezone",
    "normalise",
    "parse_files",
    "parse_window",
    "read_directory",
    "read_paths",
]
