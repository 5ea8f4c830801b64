"""Reading and checking the import files (`docs/import.md`).

`parse_files` turns the raw bytes of `fair.toml`, `participants.csv`, `requests.csv` and
`products.csv` into checked `ImportData`, collecting every problem (file, row, column,
message) instead of stopping at the first. Nothing here touches the database: writing is
`fair.loader`, which applies a checked `ImportData` in one transaction.

The package's parts: `specs` (the checked data), `cells` (one cell's value), `rows`
(decoding a file and its CSV rows), one module per file (`fair_toml`,
`participants_csv`, `requests_csv`, `products_csv`, `terms_csv`) and `files` (all of them together,
and reading a folder). The columns themselves are `fair.columns`.
"""

from fair.importer.cells import check_timezone, parse_window
from fair.importer.files import FILES, REQUIRED_FILES, parse_files, read_directory
from fair.importer.rows import MAX_FILE_BYTES
from fair.importer.specs import (
    BoothSpec,
    BreakSpec,
    CompanySpec,
    FairSpec,
    ImportData,
    ParticipantSpec,
    PavilionSpec,
    ProductSpec,
    RequestSpec,
    TableSpec,
    TermSpec,
)

__all__ = [
    "FILES",
    "MAX_FILE_BYTES",
    "REQUIRED_FILES",
    "BoothSpec",
    "BreakSpec",
    "CompanySpec",
    "FairSpec",
    "ImportData",
    "ParticipantSpec",
    "PavilionSpec",
    "ProductSpec",
    "RequestSpec",
    "TableSpec",
    "TermSpec",
    "check_timezone",
    "parse_files",
    "parse_window",
    "read_directory",
]
