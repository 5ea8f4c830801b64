"""Reading and checking the import files (`docs/import.md`).

`parse_files` turns the raw bytes of `fair.toml`, `participants.csv`, `requests.csv` and
`products.csv` into checked `ImportData`, collecting every problem (file, row, column,
message) instead of stopping at the first. Nothing here touches the database: writing is
`fair.loader`, which applies a checked `ImportData` in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fair.columns import FAIR_KEYS, PARTICIPANTS, PRODUCTS, REQUESTS, TOML_TABLES, Column, names
from fair.errors import ImportRejected, Problem
from fair.models import Mode, RequestStatus, Role
from fair.rules import (
    DEFAULT_CURRENCY,
    DEFAULT_PRIORITY,
    HIGHEST_PRIORITY,
    LOWEST_PRIORITY,
    is_currency,
)

FILES = ("fair.toml", "participants.csv", "requests.csv", "products.csv")
REQUIRED_FILES = ("fair.toml", "participants.csv")
MAX_FILE_BYTES = 50 * 1024 * 1024

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
MAX_LENGTH = 8


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
class ImportData:
    fair: FairSpec
    companies: tuple[CompanySpec, ...]
    participants: tuple[ParticipantSpec, ...]
    requests: tuple[RequestSpec, ...]
    products: tuple[ProductSpec, ...]


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))


T = TypeVar("T")


# ---------------------------------------------------------------------------- cells


def split_list(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def parse_hhmm(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


def parse_window(text: str) -> tuple[time, time]:
    """`"09:00-17:30"` → (09:00, 17:30); `24:00` is allowed as an end."""
    match = WINDOW.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a window HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f"{text!r} is not a window of times of day")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"window {text!r} ends before it starts")
    return start, end


def normalise_pair(text: str) -> str:
    """`"zh-ko"` and `"ko-zh"` are the same interpreter pair: `"ko-zh"`."""
    parts = [p.strip().lower() for p in text.split("-")]
    if len(parts) != 2 or not all(LANGUAGE.fullmatch(p) for p in parts) or parts[0] == parts[1]:
        raise ValueError(f"{text!r} is not a language pair like zh-ko")
    return "-".join(sorted(parts))


def check_timezone(name: str) -> str:
    if not name or name != name.strip() or ("/" not in name and name != "UTC"):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Asia/Seoul)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Asia/Seoul)") from None
    return name


def _int(text: str, low: int, high: int | None = None) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if value < low or (high is not None and value > high):
        bounds = f"{low}–{high}" if high is not None else f"at least {low}"
        raise ValueError(f"{value} is out of range ({bounds})")
    return value


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not a non-negative number")
    return value


def _choice(text: str, choices: Iterable[str]) -> str:
    options = list(choices)
    value = text.strip().lower()
    if value not in options:
        raise ValueError(f"{text!r} is not one of {', '.join(options)}")
    return value


# ---------------------------------------------------------------------------- CSV


def _decode(file: str, raw: bytes, out: _Collector) -> str | None:
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


def _rows(
    file: str, raw: bytes, table: tuple[Column, ...], out: _Collector
) -> list[tuple[int, dict[str, str]]]:
    columns = {c.name: c.required for c in table}
    text = _decode(file, raw, out)
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
    for name, required in columns.items():
        if required and name not in names:
            out.add(file, 1, name, "required column is missing")
            ok = False
    if not ok:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    row_number = 1
    try:
        for record in reader:
            row_number += 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(names):
                out.add(file, row_number, None, f"{len(record)} cells but {len(names)} columns")
                continue
            cells = dict(zip(names, (c.strip() for c in record), strict=False))
            rows.append((row_number, {n: cells.get(n, "") for n in columns}))
    except csv.Error as exc:
        out.add(file, row_number + 1, None, f"not valid CSV: {exc}")
    return rows


def _cell(
    out: _Collector,
    file: str,
    row: int,
    column: str,
    value: str,
    convert: Callable[[str], T],
) -> T | None:
    try:
        return convert(value)
    except ValueError as exc:
        out.add(file, row, column, str(exc))
        return None


def _required(out: _Collector, file: str, row: int, cells: Mapping[str, str], column: str) -> str:
    value = cells[column]
    if not value:
        out.add(file, row, column, "is empty")
    return value


# ---------------------------------------------------------------------------- fair.toml


def _parse_fair(raw: bytes, out: _Collector) -> FairSpec | None:
    file = "fair.toml"
    text = _decode(file, raw, out)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        out.add(file, getattr(exc, "lineno", None), None, f"not valid TOML: {exc}")
        return None
    known = set(TOML_TABLES)
    for key in data:
        if key not in known:
            out.add(file, None, key, f"unknown table (known: {', '.join(sorted(known))})")
    head = data.get("fair")
    if not isinstance(head, dict):
        out.add(file, None, "fair", "the [fair] table is missing")
        return None
    before = len(out.problems)

    def get(table: Mapping[str, Any], where: str, key: str, kind: type, default: Any = None) -> Any:
        if key not in table:
            if default is None:
                out.add(file, None, f"{where}.{key}", "is missing")
            return default
        value = table[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            out.add(file, None, f"{where}.{key}", f"must be a whole number, got {value!r}")
            return default
        if kind is str and not isinstance(value, str):
            out.add(file, None, f"{where}.{key}", f"must be text, got {value!r}")
            return default
        return value

    fair_keys = set(names(FAIR_KEYS))
    for key in head:
        if key not in fair_keys:
            out.add(file, None, f"fair.{key}", "unknown key")
    name = get(head, "fair", "name", str)
    tz = get(head, "fair", "timezone", str)
    if tz is not None:
        try:
            check_timezone(tz)
        except ValueError as exc:
            out.add(file, None, "fair.timezone", str(exc))
    start_raw = head.get("start")
    start: date | None = None
    if isinstance(start_raw, date) and not isinstance(start_raw, datetime):
        start = start_raw
    elif isinstance(start_raw, str):
        try:
            start = date.fromisoformat(start_raw)
        except ValueError:
            out.add(file, None, "fair.start", f"{start_raw!r} is not a date YYYY-MM-DD")
    else:
        out.add(file, None, "fair.start", "is missing (a date YYYY-MM-DD)")
    days = get(head, "fair", "days", int)
    if days is not None and not 1 <= days <= 31:
        out.add(file, None, "fair.days", f"{days} is out of range (1–31)")
    slot = get(head, "fair", "slot_minutes", int)
    if slot is not None and not 5 <= slot <= 240:
        out.add(file, None, "fair.slot_minutes", f"{slot} is out of range (5–240)")
    times: dict[str, time] = {}
    for key in ("day_start", "day_end"):
        raw_time = head.get(key)
        if isinstance(raw_time, time):
            times[key] = raw_time
        elif isinstance(raw_time, str):
            try:
                times[key] = parse_hhmm(raw_time)
            except ValueError as exc:
                out.add(file, None, f"fair.{key}", str(exc))
        else:
            out.add(file, None, f"fair.{key}", "is missing (a time HH:MM)")
    currency = get(head, "fair", "currency", str, DEFAULT_CURRENCY)
    if not is_currency(currency):
        out.add(file, None, "fair.currency", f"{currency!r} is not an ISO 4217 code like USD")
    online_rooms = get(head, "fair", "online_rooms", int, 0)
    if online_rooms is not None and online_rooms < 0:
        out.add(file, None, "fair.online_rooms", "must be 0 (unlimited) or more")

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    day_start, day_end = times.get("day_start"), times.get("day_end")
    if day_start and day_end and slot:
        if day_end <= day_start:
            out.add(file, None, "fair.day_end", "must be after day_start")
        elif (minutes(day_end) - minutes(day_start)) % slot:
            out.add(file, None, "fair.day_end", f"day length is not a multiple of {slot} minutes")

    def items(key: str) -> list[tuple[int, dict[str, Any]]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            out.add(file, None, key, f"must be an array of tables [[{key}]]")
            return []
        return list(enumerate(value, start=1))

    breaks: list[BreakSpec] = []
    for i, entry in items("breaks"):
        where = f"breaks[{i}]"
        try:
            b_start = parse_hhmm(str(entry.get("start", "")))
            b_end = parse_hhmm(str(entry.get("end", "")))
        except ValueError as exc:
            out.add(file, None, where, str(exc))
            continue
        if b_end <= b_start:
            out.add(file, None, where, "ends before it starts")
            continue
        if day_start and day_end and slot:
            if b_start < day_start or b_end > day_end:
                out.add(file, None, where, "lies outside the fair day")
            elif (minutes(b_start) - minutes(day_start)) % slot or (
                minutes(b_end) - minutes(day_start)
            ) % slot:
                out.add(file, None, where, f"does not fall on the {slot}-minute slot grid")
        for other in breaks:
            if b_start < other.end and other.start < b_end:
                out.add(file, None, where, "overlaps another break")
        breaks.append(BreakSpec(b_start, b_end, str(entry.get("label", ""))))

    pavilions: list[PavilionSpec] = []
    for i, entry in items("pavilions"):
        where = f"pavilions[{i}]"
        key = get(entry, where, "id", str)
        country = str(entry.get("country", "")).upper()
        if country and not COUNTRY.fullmatch(country):
            out.add(file, None, f"{where}.country", f"{country!r} is not an ISO country code")
        if key is None:
            continue
        if any(p.key == key for p in pavilions):
            out.add(file, None, f"{where}.id", f"duplicate pavilion id {key!r}")
        pavilions.append(PavilionSpec(key, str(entry.get("name", key)), country))
    pavilion_keys = {p.key for p in pavilions}

    booths: list[BoothSpec] = []
    for i, entry in items("booths"):
        where = f"booths[{i}]"
        key = get(entry, where, "id", str)
        pav = get(entry, where, "pavilion", str)
        tables = get(entry, where, "tables", int, 1)
        if pav is not None and pav not in pavilion_keys:
            out.add(file, None, f"{where}.pavilion", f"unknown pavilion {pav!r}")
        if tables is not None and tables < 1:
            out.add(file, None, f"{where}.tables", "must be at least 1")
        if key is None or pav is None:
            continue
        if any(b.key == key for b in booths):
            out.add(file, None, f"{where}.id", f"duplicate booth id {key!r}")
        booths.append(BoothSpec(key, pav, str(entry.get("name", "")), tables or 1))

    tables_: list[TableSpec] = []
    for i, entry in items("tables"):
        where = f"tables[{i}]"
        key = get(entry, where, "id", str)
        pav = get(entry, where, "pavilion", str)
        capacity = get(entry, where, "capacity", int, 1)
        if pav is not None and pav not in pavilion_keys:
            out.add(file, None, f"{where}.pavilion", f"unknown pavilion {pav!r}")
        if capacity is not None and capacity < 1:
            out.add(file, None, f"{where}.capacity", "must be at least 1")
        if key is None or pav is None:
            continue
        if any(t.key == key for t in tables_):
            out.add(file, None, f"{where}.id", f"duplicate table id {key!r}")
        tables_.append(TableSpec(key, pav, capacity or 1))

    if len(out.problems) > before or None in (name, tz, start, days, slot, day_start, day_end):
        return None
    assert name and tz and start and days and slot and day_start and day_end
    return FairSpec(
        name=name,
        timezone=tz,
        start=start,
        days=days,
        day_start=day_start,
        day_end=day_end,
        slot_minutes=slot,
        currency=currency or DEFAULT_CURRENCY,
        online_rooms=online_rooms or 0,
        breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        pavilions=tuple(pavilions),
        booths=tuple(booths),
        tables=tuple(tables_),
    )


# ---------------------------------------------------------------------------- participants


def _parse_participants(
    raw: bytes, fair: FairSpec | None, out: _Collector
) -> tuple[list[CompanySpec], list[ParticipantSpec]]:
    file = "participants.csv"
    rows = _rows(file, raw, PARTICIPANTS, out)
    people: list[ParticipantSpec] = []
    companies: dict[str, CompanySpec] = {}
    company_rows: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    booth_owner: dict[str, str] = {}
    pavilion_keys = {p.key for p in fair.pavilions} if fair else None
    booth_keys = {b.key: b.pavilion for b in fair.booths} if fair else None
    for row, c in rows:
        key = _required(out, file, row, c, "id")
        if key in seen_ids:
            out.add(file, row, "id", f"duplicate id {key!r} (first on row {seen_ids[key]})")
        seen_ids.setdefault(key, row)
        company = _required(out, file, row, c, "company")
        name = _required(out, file, row, c, "name")
        email = _required(out, file, row, c, "email").lower()
        if email and not EMAIL.fullmatch(email):
            out.add(file, row, "email", f"{c['email']!r} is not an e-mail address")
        elif email in seen_emails:
            out.add(file, row, "email", f"duplicate e-mail (first on row {seen_emails[email]})")
        seen_emails.setdefault(email, row)
        role = _cell(out, file, row, "role", c["role"], lambda v: _choice(v, [r for r in Role]))
        country = c["country"].upper()
        if not COUNTRY.fullmatch(country):
            out.add(file, row, "country", f"{c['country']!r} is not an ISO code like KR")
        tz = _cell(out, file, row, "timezone", c["timezone"], check_timezone)
        pavilion, booth = c["pavilion"], c["booth"]
        if pavilion and pavilion_keys is not None and pavilion not in pavilion_keys:
            out.add(file, row, "pavilion", f"unknown pavilion {pavilion!r} (not in fair.toml)")
        if booth and booth_keys is not None:
            if booth not in booth_keys:
                out.add(file, row, "booth", f"unknown booth {booth!r} (not in fair.toml)")
            else:
                if not pavilion:
                    pavilion = booth_keys[booth]
                elif booth_keys[booth] != pavilion:
                    out.add(file, row, "booth", f"booth {booth!r} is not in pavilion {pavilion}")
                owner = booth_owner.setdefault(booth, company)
                if owner != company:
                    out.add(file, row, "booth", f"booth {booth!r} already belongs to {owner!r}")
        languages = split_list(c["languages"].lower())
        for lang in languages:
            if not LANGUAGE.fullmatch(lang):
                out.add(file, row, "languages", f"{lang!r} is not a language code like ko")
        onsite: tuple[int, ...] = ()
        if c["onsite"].lower() == "all":
            onsite = tuple(range(1, (fair.days if fair else 1) + 1))
        elif c["onsite"]:
            try:
                onsite = tuple(
                    sorted(
                        {_int(d, 1, fair.days if fair else None) for d in split_list(c["onsite"])}
                    )
                )
            except ValueError as exc:
                out.add(file, row, "onsite", f"{exc} (day numbers 1..{fair.days if fair else '?'})")
        windows: list[str] = []
        for w in split_list(c["available"]):
            try:
                s, e = parse_window(w)
                windows.append(f"{s:%H:%M}-{'24:00' if e == time.max else f'{e:%H:%M}'}")
            except ValueError as exc:
                out.add(file, row, "available", str(exc))
        pairs: list[str] = []
        for p in split_list(c["interprets"]):
            try:
                pairs.append(normalise_pair(p))
            except ValueError as exc:
                out.add(file, row, "interprets", str(exc))
        caps: dict[str, int | None] = {}
        for column in ("max_per_day", "max_total"):
            caps[column] = (
                _cell(out, file, row, column, c[column], lambda v: _int(v, 0))
                if c[column]
                else None
            )
        people.append(
            ParticipantSpec(
                key=key,
                company=company,
                name=name,
                email=email,
                timezone=tz or "",
                languages=languages,
                onsite_days=onsite,
                windows=tuple(windows),
                interprets=tuple(pairs),
                service=c["service"].lower(),
                max_per_day=caps["max_per_day"],
                max_total=caps["max_total"],
            )
        )
        if not company:
            continue
        spec = CompanySpec(
            name=company,
            country=country,
            role=role or "",
            pavilion=pavilion,
            booth=booth,
            sectors=split_list(c["sectors"]),
            offers=split_list(c["offers"]),
            needs=split_list(c["needs"]),
        )
        if company not in companies:
            companies[company] = spec
            company_rows[company] = row
            continue
        first = companies[company]
        merged = {}
        for attr in ("country", "role", "pavilion", "booth", "sectors", "offers", "needs"):
            mine, theirs = getattr(spec, attr), getattr(first, attr)
            if attr in ("country", "role"):
                if mine and theirs and mine != theirs:
                    out.add(
                        file,
                        row,
                        attr,
                        f"company {company!r} has {attr} {theirs!r} on row "
                        f"{company_rows[company]} but {mine!r} here",
                    )
            elif mine and theirs and mine != theirs:
                out.add(
                    file,
                    row,
                    attr,
                    f"company {company!r} has a different {attr} on row {company_rows[company]}",
                )
            merged[attr] = theirs or mine
        companies[company] = CompanySpec(name=company, **merged)
    return list(companies.values()), people


# ---------------------------------------------------------------------------- requests


def _parse_requests(
    raw: bytes,
    fair: FairSpec | None,
    people: Mapping[str, ParticipantSpec],
    out: _Collector,
) -> list[RequestSpec]:
    file = "requests.csv"
    rows = _rows(file, raw, REQUESTS, out)
    interpreter_pairs = {pair for p in people.values() for pair in p.interprets}
    services = {p.service for p in people.values() if p.service}
    longest = fair.longest_run() if fair else MAX_LENGTH
    requests: list[RequestSpec] = []
    seen_keys: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    for row, c in rows:
        from_key = _required(out, file, row, c, "from")
        to_key = _required(out, file, row, c, "to")
        key = c["id"] or f"{from_key}>{to_key}"
        if key in seen_keys:
            out.add(
                file, row, "id", f"duplicate request id {key!r} (first on row {seen_keys[key]})"
            )
        seen_keys.setdefault(key, row)
        sender, receiver = people.get(from_key), people.get(to_key)
        if from_key and sender is None:
            out.add(file, row, "from", f"unknown participant {from_key!r}")
        if to_key and receiver is None:
            out.add(file, row, "to", f"unknown participant {to_key!r}")
        if sender and receiver and sender.company == receiver.company:
            out.add(file, row, "to", f"{to_key!r} is in the same company as {from_key!r}")
        pair = (from_key, to_key)
        if pair in seen_pairs:
            out.add(
                file,
                row,
                "to",
                f"a request {from_key}→{to_key} is already on row {seen_pairs[pair]}",
            )
        seen_pairs.setdefault(pair, row)
        priority = _cell(
            out,
            file,
            row,
            "priority",
            c["priority"],
            lambda v: _int(v, LOWEST_PRIORITY, HIGHEST_PRIORITY),
        )
        to_priority = (
            _cell(
                out,
                file,
                row,
                "to_priority",
                c["to_priority"],
                lambda v: _int(v, LOWEST_PRIORITY, HIGHEST_PRIORITY),
            )
            if c["to_priority"]
            else None
        )
        mode = _cell(out, file, row, "mode", c["mode"], lambda v: _choice(v, [m for m in Mode]))
        status = _cell(
            out, file, row, "status", c["status"], lambda v: _choice(v, [s for s in RequestStatus])
        )
        length = (
            _cell(out, file, row, "length", c["length"], lambda v: _int(v, 1, MAX_LENGTH))
            if c["length"]
            else 1
        )
        if length and length > longest:
            out.add(
                file,
                row,
                "length",
                f"{length} slots is longer than the longest run without a break ({longest})",
            )
        sides: dict[str, tuple[str, ...]] = {}
        for column, anchor in (("with_from", sender), ("with_to", receiver)):
            colleagues = split_list(c[column])
            for colleague in colleagues:
                person = people.get(colleague)
                if person is None:
                    out.add(file, row, column, f"unknown participant {colleague!r}")
                elif anchor and person.company != anchor.company:
                    out.add(file, row, column, f"{colleague!r} is not in {anchor.company!r}")
                elif colleague in (from_key, to_key):
                    out.add(file, row, column, f"{colleague!r} already attends as from/to")
            sides[column] = colleagues
        third = c["third_seat"]
        if third:
            kind, _, value = third.partition(":")
            kind = kind.strip().lower()
            if kind == "interpreter":
                try:
                    value = normalise_pair(value)
                    if value not in interpreter_pairs:
                        out.add(file, row, "third_seat", f"no interpreter covers {value}")
                    third = f"interpreter:{value}"
                except ValueError as exc:
                    out.add(file, row, "third_seat", str(exc))
            elif kind == "service":
                value = value.strip().lower()
                if value not in services:
                    out.add(file, row, "third_seat", f"no service provider gives {value!r}")
                third = f"service:{value}"
            else:
                out.add(
                    file, row, "third_seat", f"{third!r} is not interpreter:xx-yy or service:name"
                )
        created: datetime | None = None
        if c["created"]:
            try:
                created = datetime.fromisoformat(c["created"])
                if created.tzinfo is None:
                    out.add(file, row, "created", "needs a UTC offset, e.g. 2026-11-20T09:30+08:00")
                    created = None
            except ValueError:
                out.add(file, row, "created", f"{c['created']!r} is not an ISO date-time")
        requests.append(
            RequestSpec(
                key=key,
                from_key=from_key,
                to_key=to_key,
                priority=priority or DEFAULT_PRIORITY,
                to_priority=to_priority,
                mode=mode or Mode.EITHER,
                status=status or RequestStatus.PENDING,
                length=length or 1,
                with_from=sides["with_from"],
                with_to=sides["with_to"],
                third_seat=third,
                created=created,
            )
        )
    return requests


# ---------------------------------------------------------------------------- products


def _parse_products(
    raw: bytes, companies: Mapping[str, CompanySpec], out: _Collector
) -> list[ProductSpec]:
    file = "products.csv"
    rows = _rows(file, raw, PRODUCTS, out)
    products: list[ProductSpec] = []
    seen: dict[str, int] = {}
    for row, c in rows:
        key = _required(out, file, row, c, "id")
        if key in seen:
            out.add(file, row, "id", f"duplicate id {key!r} (first on row {seen[key]})")
        seen.setdefault(key, row)
        company = _required(out, file, row, c, "company")
        if company and company not in companies:
            out.add(file, row, "company", f"unknown company {company!r} (not in participants.csv)")
        name = _required(out, file, row, c, "name")
        origin = c["origin"].upper()
        if origin and not COUNTRY.fullmatch(origin):
            out.add(file, row, "origin", f"{c['origin']!r} is not an ISO code like KR")
        currency = c["currency"].upper()
        if currency and not is_currency(currency):
            out.add(file, row, "currency", f"{c['currency']!r} is not an ISO code like USD")
        prices = {
            col: _cell(out, file, row, col, c[col], _decimal) if c[col] else None
            for col in ("price_min", "price_max")
        }
        low, high = prices["price_min"], prices["price_max"]
        if low is not None and high is not None and high < low:
            out.add(file, row, "price_max", "is below price_min")
        moq = _cell(out, file, row, "moq", c["moq"], lambda v: _int(v, 0)) if c["moq"] else None
        products.append(
            ProductSpec(
                key=key,
                company=company,
                name=name,
                description=c["description"],
                sector=c["sector"],
                origin=origin,
                price_min=low,
                price_max=high,
                currency=currency,
                moq=moq,
                certifications=split_list(c["certifications"]),
            )
        )
    return products


# ---------------------------------------------------------------------------- entry points


def parse_files(files: Mapping[str, bytes]) -> ImportData:
    """Check the import files (name → raw bytes) and return the data, or raise
    `ImportRejected` listing every problem found (file, row, column, message)."""
    out = _Collector()
    for name in files:
        if name not in FILES:
            out.add(name, None, None, f"unexpected file (expected {', '.join(FILES)})")
    for name in REQUIRED_FILES:
        if name not in files:
            out.add(name, None, None, "required file is missing")
    fair = _parse_fair(files["fair.toml"], out) if "fair.toml" in files else None
    companies: list[CompanySpec] = []
    people: list[ParticipantSpec] = []
    if "participants.csv" in files:
        companies, people = _parse_participants(files["participants.csv"], fair, out)
    by_key = {p.key: p for p in people}
    # Requests and products refer to participants: without that file they cannot be checked.
    has_people = "participants.csv" in files
    requests = (
        _parse_requests(files["requests.csv"], fair, by_key, out)
        if "requests.csv" in files and has_people
        else []
    )
    by_name = {c.name: c for c in companies}
    products = (
        _parse_products(files["products.csv"], by_name, out)
        if "products.csv" in files and has_people
        else []
    )
    if out.problems or fair is None:
        raise ImportRejected(out.problems)
    return ImportData(fair, tuple(companies), tuple(people), tuple(requests), tuple(products))


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
