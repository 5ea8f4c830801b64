"""The columns of the import files (`docs/import.md`), in one table.

For each CSV file the ordered columns, whether each is required and what it means, and
for `fair.toml` the keys of each table. The CSV columns' meanings are marked for the
translation catalogues: the import templates carry them in the organiser's language.
The importer checks headers against this table, and the generator (`fair.sample`) and the
export of a fair (`fair.export`) write exactly these columns in this order, so the three
cannot drift apart; a test holds the documentation to the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from fair.errors import N_

V = TypeVar("V")


@dataclass(frozen=True)
class Column:
    """One column of an import file (or one key of a `fair.toml` table)."""

    name: str
    required: bool
    meaning: str


def _yes(name: str, meaning: str) -> Column:
    return Column(name, True, meaning)


def _no(name: str, meaning: str) -> Column:
    return Column(name, False, meaning)


PARTICIPANTS: Final[tuple[Column, ...]] = (
    _yes("id", N_("the organiser's id for this person, used by requests.csv")),
    _yes("company", N_("company name; rows with the same name are one company")),
    _yes("name", N_("the person's name")),
    _yes("email", N_("the person's e-mail address, unique in the fair")),
    _yes("role", N_("the company's role: exhibitor, buyer, service or interpreter")),
    _yes("country", N_("the company's country (ISO 3166-1 alpha-2)")),
    _yes("timezone", N_("where the person is during the fair (IANA zone)")),
    _no("pavilion", N_("the exhibitor's pavilion id")),
    _no("booth", N_("the exhibitor's booth id (hosts its in-person meetings)")),
    _no("sectors", N_("sectors of the company")),
    _no("offers", N_("what the company offers")),
    _no("needs", N_("what the company seeks")),
    _no("languages", N_("languages the person speaks (ISO 639-1 codes)")),
    _no(
        "language",
        N_("language of the person's e-mails and pages: en, zh, ko or ja (default from country)"),
    ),
    _no("onsite", N_("days the person is at the venue: all, empty, or day numbers")),
    _no("available", N_("working hours on every day, HH:MM-HH:MM windows in local time")),
    _no("interprets", N_("for interpreters: the language pairs they cover")),
    _no("service", N_("for service providers: the service they give")),
    _no("max_per_day", N_("cap on the person's meetings per day")),
    _no("max_total", N_("cap on the person's meetings in the whole fair")),
    _no("arrives", N_("when the person arrives, YYYY-MM-DD HH:MM local time: no meeting before")),
    _no("departs", N_("when the person leaves, YYYY-MM-DD HH:MM local time: no meeting after")),
)

REQUESTS: Final[tuple[Column, ...]] = (
    _no("id", N_("the request's id; default FROM>TO")),
    _yes("from", N_("participant id of who asks")),
    _yes("to", N_("participant id of who is asked")),
    _yes("priority", N_("the requester's interest, 1-5 (5 = must meet)")),
    _no("to_priority", N_("the other side's interest, 1-5")),
    _yes("mode", N_("how they can meet: in_person, online or either")),
    _yes("status", N_("pending, accepted or declined; only accepted ones are scheduled")),
    _no("length", N_("consecutive slots the meeting needs, default 1")),
    _no("with_from", N_("colleagues who also attend from the requester's company")),
    _no("with_to", N_("colleagues who also attend from the other company")),
    _no("third_seat", N_("a third person from the pool: interpreter:xx-yy or service:name")),
    _no("created", N_("when the request was made (ISO date-time with offset)")),
)

PRODUCTS: Final[tuple[Column, ...]] = (
    _yes("id", N_("the product's id, unique")),
    _yes("company", N_("the exhibitor, a company name from participants.csv")),
    _yes("name", N_("the product's name")),
    _no("description", N_("free text")),
    _no("sector", N_("the product's sector")),
    _no("origin", N_("origin country (ISO 3166-1 alpha-2)")),
    _no("price_min", N_("lowest unit price")),
    _no("price_max", N_("highest unit price")),
    _no("currency", N_("currency of the prices (ISO 4217)")),
    _no("moq", N_("minimum order quantity")),
    _no("certifications", N_("certifications such as CE;KC;FDA")),
)

# availability.csv (optional): a person's own hours on some of their local dates, each
# row replacing their every-day `available` windows on that date.
AVAILABILITY: Final[tuple[Column, ...]] = (
    _yes("participant", N_("participant id from participants.csv")),
    _yes("date", N_("the person's own local date, YYYY-MM-DD")),
    _yes("windows", N_("that date's hours, HH:MM-HH:MM windows in local time, or away")),
)

# locks.csv (optional): meetings fixed by the organiser, kept by every solve (the same
# thing as a lock on the grid).
LOCKS: Final[tuple[Column, ...]] = (
    _yes("request", N_("request id from requests.csv (an accepted request)")),
    _yes("date", N_("the meeting's date in the fair's time zone, YYYY-MM-DD")),
    _yes("time", N_("the meeting's start in the fair's time zone, HH:MM (a slot's start)")),
    _yes("place", N_("a booth id, a table id, online or online-N (a video room)")),
)

# terms.csv (optional): the organiser's product terms, added to the built-in dictionary
# (`fair.terms`); one concept a row, names separated by semicolons. Not in `CSV_FILES`
# (the generator, the export and the templates write no terms file), but in
# `IMPORT_TABLES`: a CSV file in any encoding or a workbook's `terms` sheet.
TERMS: Final[tuple[Column, ...]] = (
    _no("en", "English names of the concept"),
    _no("zh", "Chinese names"),
    _no("ko", "Korean names"),
    _no("ja", "Japanese names"),
)

# fair.toml: the [fair] table, then the arrays of tables, each with its keys.
FAIR_KEYS: Final[tuple[Column, ...]] = (
    _yes("name", "identifies the fair"),
    _yes("timezone", "IANA zone of the slot grid"),
    _yes("start", "first day (ISO date)"),
    _yes("days", "number of consecutive days"),
    _yes("day_start", "first slot starts (fair time)"),
    _yes("day_end", "last slot ends (fair time)"),
    _yes("slot_minutes", "length of one slot, 5-240"),
    _no("currency", "reporting currency for deals"),
    _no("online_rooms", "video rooms per slot, 0 = unlimited"),
    _no("registration", "roles whose public registration form is open, e.g. exhibitor;buyer"),
)
BREAK_KEYS: Final[tuple[Column, ...]] = (
    _yes("start", "the break starts (fair time, every day)"),
    _yes("end", "the break ends"),
    _no("label", "what the break is called"),
)
PAVILION_KEYS: Final[tuple[Column, ...]] = (
    _yes("id", "short code used by the other files"),
    _no("name", "the pavilion's name"),
    _no("country", "ISO 3166-1 alpha-2, empty for mixed halls"),
)
BOOTH_KEYS: Final[tuple[Column, ...]] = (
    _yes("id", "the booth's id"),
    _yes("pavilion", "the pavilion it stands in"),
    _no("name", "the booth's name"),
    _no("tables", "meetings the booth can host at once, default 1"),
)
TABLE_KEYS: Final[tuple[Column, ...]] = (
    _yes("id", "the table's id"),
    _yes("pavilion", "the pavilion whose meeting area it is in"),
    _no("capacity", "meetings at once, default 1"),
)
TOML_TABLES: Final[dict[str, tuple[Column, ...]]] = {
    "fair": FAIR_KEYS,
    "breaks": BREAK_KEYS,
    "pavilions": PAVILION_KEYS,
    "booths": BOOTH_KEYS,
    "tables": TABLE_KEYS,
}

CSV_FILES: Final[dict[str, tuple[Column, ...]]] = {
    "participants.csv": PARTICIPANTS,
    "requests.csv": REQUESTS,
    "products.csv": PRODUCTS,
    "availability.csv": AVAILABILITY,
    "locks.csv": LOCKS,
}

# Every table an import reads: the CSV files above and the optional terms.csv.
IMPORT_TABLES: Final[dict[str, tuple[Column, ...]]] = {**CSV_FILES, "terms.csv": TERMS}


def names(columns: Iterable[Column]) -> tuple[str, ...]:
    """The columns' names, in order."""
    return tuple(c.name for c in columns)


def ordered(columns: tuple[Column, ...], values: Mapping[str, V]) -> dict[str, V]:
    """`values` in the columns' order; a writer that names a key the table lacks, or
    leaves one out, is a bug here rather than a file the importer would refuse."""
    if set(values) != set(names(columns)):
        raise ValueError(f"keys {sorted(values)} are not the columns {list(names(columns))}")
    return {c.name: values[c.name] for c in columns}


PARTICIPANT_COLUMNS: Final = names(PARTICIPANTS)
REQUEST_COLUMNS: Final = names(REQUESTS)
PRODUCT_COLUMNS: Final = names(PRODUCTS)
AVAILABILITY_COLUMNS: Final = names(AVAILABILITY)
LOCK_COLUMNS: Final = names(LOCKS)
