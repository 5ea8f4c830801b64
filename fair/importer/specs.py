"""The checked import data: what `parse_files` returns and `fair.loader` writes.

Plain frozen dataclasses, one per thing an import file describes (the fair and its
breaks, pavilions, booths and shared tables; companies, participants, requests and
products), with ids kept as the organiser wrote them; `fair.loader` turns them into rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class BreakSpec:
    start: time
    end: time
    label: str


@dataclass(frozen=True)
class PavilionSpec:
    key: str
    name: str
    country: str


@dataclass(frozen=True)
class BoothSpec:
    key: str
    pavilion: str
    name: str
    tables: int


@dataclass(frozen=True)
class TableSpec:
    key: str
    pavilion: str
    capacity: int


@dataclass(frozen=True)
class FairSpec:
    name: str
    timezone: str
    start: date
    days: int
    day_start: time
    day_end: time
    slot_minutes: int
    currency: str
    online_rooms: int
    breaks: tuple[BreakSpec, ...]
    pavilions: tuple[PavilionSpec, ...]
    booths: tuple[BoothSpec, ...]
    tables: tuple[TableSpec, ...]
    # Roles whose self-registration form is open; None when fair.toml does not say (the
    # stored setting stays). A setting, not the fair's data: left out of comparisons, so
    # a fair exported (which writes it) reads back equal to the one imported.
    registration: tuple[str, ...] | None = field(default=None, compare=False)

    def longest_run(self) -> int:
        """Most consecutive slots in a day without a break."""
        step = timedelta(minutes=self.slot_minutes)
        best = run = 0
        t = datetime.combine(self.start, self.day_start)
        end = datetime.combine(self.start, self.day_end)
        while t + step <= end:
            in_break = any(
                b.start <= t.time() < b.end or t.time() < b.start < (t + step).time()
                for b in self.breaks
            )
            run = 0 if in_break else run + 1
            best = max(best, run)
            t += step
        return best


@dataclass(frozen=True)
class CompanySpec:
    name: str
    country: str
    role: str
    pavilion: str
    booth: str
    sectors: tuple[str, ...]
    offers: tuple[str, ...]
    needs: tuple[str, ...]


@dataclass(frozen=True)
class ParticipantSpec:
    key: str
    company: str
    name: str
    email: str
    timezone: str
    languages: tuple[str, ...]
    onsite_days: tuple[int, ...]
    windows: tuple[str, ...]
    interprets: tuple[str, ...]
    service: str
    max_per_day: int | None
    max_total: int | None
    arrives: datetime | None = None  # UTC
    departs: datetime | None = None  # UTC
    # own windows per local date ("YYYY-MM-DD" → windows, none = away), from
    # availability.csv; None when the import has no such file (the stored ones stay)
    dates: Mapping[str, tuple[str, ...]] | None = None
    language: str = "en"  # en, zh, ko or ja: the person's e-mails and pages


@dataclass(frozen=True)
class LockSpec:
    """A row of locks.csv: request `key`'s meeting fixed at `start` (UTC) in `place`;
    `row` names it in problems found when it is applied."""

    row: int
    key: str
    start: datetime
    place: str


@dataclass(frozen=True)
class RequestSpec:
    key: str
    from_key: str
    to_key: str
    priority: int
    to_priority: int | None
    mode: str
    status: str
    length: int
    with_from: tuple[str, ...]
    with_to: tuple[str, ...]
    third_seat: str
    created: datetime | None


@dataclass(frozen=True)
class ProductSpec:
    key: str
    company: str
    name: str
    description: str
    sector: str
    origin: str
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str
    moq: int | None
    certifications: tuple[str, ...]


@dataclass(frozen=True)
class TermSpec:
    """One concept of a terms file: its names by language ("en", "zh", "ko", "ja")."""

    row: int
    terms: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ImportData:
    """Everything one import describes, checked and consistent."""

    fair: FairSpec
    companies: tuple[CompanySpec, ...]
    participants: tuple[ParticipantSpec, ...]
    requests: tuple[RequestSpec, ...]
    products: tuple[ProductSpec, ...]
    # The organiser's terms.csv; None when the import has none (the stored terms stay).
    terms: tuple[TermSpec, ...] | None = None
    # Where each table was read from: file or sheet → encoding (or "xlsx"); not data.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The organiser's locks.csv: meetings fixed in place (`fair.loader` applies them).
    locks: tuple[LockSpec, ...] = ()
    locks_file: str = field(default="locks.csv", compare=False)  # a sheet names it so
