"""Checking `fair.toml`: the [fair] table, then breaks, pavilions, booths and tables.

`parse_fair` reads the whole file and reports every problem (with the TOML key as the
column, e.g. `fair.day_end` or `booths[2].pavilion`); it returns the `FairSpec` only when
this file had none, since the other files are checked against its days and places.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from fair.columns import FAIR_KEYS, TOML_TABLES, names
from fair.errors import N_
from fair.importer.cells import COUNTRY, check_timezone, parse_hhmm
from fair.importer.rows import Collector, decode_utf8
from fair.importer.specs import BoothSpec, BreakSpec, FairSpec, PavilionSpec, TableSpec
from fair.rules import DEFAULT_CURRENCY, REGISTRATION_ROLES, is_currency

FILE = "fair.toml"

Entries = list[tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class _Head:
    """The [fair] table's values, None where missing or wrong (already reported)."""

    name: str | None
    timezone: str | None
    start: date | None
    days: int | None
    slot_minutes: int | None
    day_start: time | None
    day_end: time | None
    currency: str
    online_rooms: int
    registration: tuple[str, ...] | None = None

    def grid(self) -> tuple[time, time, int] | None:
        """(day start, day end, slot minutes) when all three are known."""
        if self.day_start and self.day_end and self.slot_minutes:
            return self.day_start, self.day_end, self.slot_minutes
        return None


def parse_fair(raw: bytes, out: Collector) -> FairSpec | None:
    """The checked fair, or None when `fair.toml` has a problem (each one in `out`)."""
    data = _load(raw, out)
    if data is None:
        return None
    table = data.get("fair")
    if not isinstance(table, dict):
        out.add(FILE, None, "fair", N_("the [fair] table is missing"))
        return None
    before = len(out.problems)
    head = _head(table, out)
    breaks = _breaks(_items(data, "breaks", out), head, out)
    pavilions = _pavilions(_items(data, "pavilions", out), out)
    pavilion_keys = {p.key for p in pavilions}
    booths = _booths(_items(data, "booths", out), pavilion_keys, out)
    tables = _tables(_items(data, "tables", out), pavilion_keys, out)
    grid = head.grid()
    if len(out.problems) > before or grid is None:
        return None
    name, tz, start, days = head.name, head.timezone, head.start, head.days
    if name is None or tz is None or start is None or days is None:
        return None
    assert name and tz and start and days
    return FairSpec(
        name=name,
        timezone=tz,
        start=start,
        days=days,
        day_start=grid[0],
        day_end=grid[1],
        slot_minutes=grid[2],
        currency=head.currency or DEFAULT_CURRENCY,
        online_rooms=head.online_rooms or 0,
        breaks=tuple(sorted(breaks, key=lambda b: b.start)),
        pavilions=tuple(pavilions),
        booths=tuple(booths),
        tables=tuple(tables),
        registration=head.registration,
    )


def _load(raw: bytes, out: Collector) -> dict[str, Any] | None:
    text = decode_utf8(FILE, raw, out)
    if text is None:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        out.add(
            FILE, getattr(exc, "lineno", None), None, N_("not valid TOML: %(error)s"), error=exc
        )
        return None
    known = set(TOML_TABLES)
    for key in data:
        if key not in known:
            out.add(
                FILE,
                None,
                key,
                N_("unknown table (known: %(known)s)"),
                known=", ".join(sorted(known)),
            )
    return data


def _get(
    out: Collector,
    table: Mapping[str, Any],
    where: str,
    key: str,
    kind: type,
    default: Any = None,
) -> Any:
    """`table[key]` when it is of `kind`; otherwise `default` (a problem when the key is
    there but wrong, or missing with no default)."""
    if key not in table:
        if default is None:
            out.add(FILE, None, f"{where}.{key}", N_("is missing"))
        return default
    value = table[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        out.add(
            FILE,
            None,
            f"{where}.{key}",
            N_("must be a whole number, got %(value)s"),
            value=repr(value),
        )
        return default
    if kind is str and not isinstance(value, str):
        out.add(FILE, None, f"{where}.{key}", N_("must be text, got %(value)s"), value=repr(value))
        return default
    return value


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# ---------------------------------------------------------------------------- [fair]


def _registration(head: Mapping[str, Any], out: Collector) -> tuple[str, ...] | None:
    """The roles whose registration form is open (`exhibitor;buyer`, empty for none), or
    None when the key is absent."""
    value = _get(out, head, "fair", "registration", str, "\0")
    if value == "\0" or value is None:
        return None
    roles = tuple(dict.fromkeys(r.strip().lower() for r in value.split(";") if r.strip()))
    for role in roles:
        if role not in REGISTRATION_ROLES:
            out.add(
                FILE,
                None,
                "fair.registration",
                N_("%(value)s is not a role one can register for (%(known)s)"),
                value=repr(role),
                known=", ".join(REGISTRATION_ROLES),
            )
    return tuple(r for r in REGISTRATION_ROLES if r in roles)


def _head(head: Mapping[str, Any], out: Collector) -> _Head:
    fair_keys = set(names(FAIR_KEYS))
    for key in head:
        if key not in fair_keys:
            out.add(FILE, None, f"fair.{key}", N_("unknown key"))
    name = _get(out, head, "fair", "name", str)
    tz = _get(out, head, "fair", "timezone", str)
    if tz is not None:
        try:
            check_timezone(tz)
        except ValueError as exc:
            out.error(FILE, None, "fair.timezone", exc)
    start = _start(head.get("start"), out)
    days = _get(out, head, "fair", "days", int)
    if days is not None and not 1 <= days <= 31:
        out.add(
            FILE,
            None,
            "fair.days",
            N_("%(value)s is out of range (%(low)s–%(high)s)"),
            value=days,
            low=1,
            high=31,
        )
    slot = _get(out, head, "fair", "slot_minutes", int)
    if slot is not None and not 5 <= slot <= 240:
        out.add(
            FILE,
            None,
            "fair.slot_minutes",
            N_("%(value)s is out of range (%(low)s–%(high)s)"),
            value=slot,
            low=5,
            high=240,
        )
    times = {key: _time(key, head.get(key), out) for key in ("day_start", "day_end")}
    currency = _get(out, head, "fair", "currency", str, DEFAULT_CURRENCY)
    if not is_currency(currency):
        out.add(
            FILE,
            None,
            "fair.currency",
            N_("%(value)s is not an ISO 4217 code like USD"),
            value=repr(currency),
        )
    online_rooms = _get(out, head, "fair", "online_rooms", int, 0)
    if online_rooms is not None and online_rooms < 0:
        out.add(FILE, None, "fair.online_rooms", N_("must be 0 (unlimited) or more"))
    fair = _Head(
        name,
        tz,
        start,
        days,
        slot,
        times["day_start"],
        times["day_end"],
        currency,
        online_rooms,
        _registration(head, out),
    )
    grid = fair.grid()
    if grid:
        day_start, day_end, slot = grid
        if day_end <= day_start:
            out.add(FILE, None, "fair.day_end", N_("must be after day_start"))
        elif (_minutes(day_end) - _minutes(day_start)) % slot:
            out.add(
                FILE,
                None,
                "fair.day_end",
                N_("day length is not a multiple of %(minutes)s minutes"),
                minutes=slot,
            )
    return fair


def _start(value: object, out: Collector) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            out.add(
                FILE,
                None,
                "fair.start",
                N_("%(value)s is not a date YYYY-MM-DD"),
                value=repr(value),
            )
            return None
    out.add(FILE, None, "fair.start", N_("is missing (a date YYYY-MM-DD)"))
    return None


def _time(key: str, value: object, out: Collector) -> time | None:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return parse_hhmm(value)
        except ValueError as exc:
            out.error(FILE, None, f"fair.{key}", exc)
            return None
    out.add(FILE, None, f"fair.{key}", N_("is missing (a time HH:MM)"))
    return None


# ---------------------------------------------------------------------------- arrays of tables


def _items(data: Mapping[str, Any], key: str, out: Collector) -> Entries:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        out.add(FILE, None, key, N_("must be an array of tables [[%(key)s]]"), key=key)
        return []
    return list(enumerate(value, start=1))


def _breaks(entries: Entries, head: _Head, out: Collector) -> list[BreakSpec]:
    breaks: list[BreakSpec] = []
    grid = head.grid()
    for i, entry in entries:
        where = f"breaks[{i}]"
        try:
            b_start = parse_hhmm(str(entry.get("start", "")))
            b_end = parse_hhmm(str(entry.get("end", "")))
        except ValueError as exc:
            out.error(FILE, None, where, exc)
            continue
        if b_end <= b_start:
            out.add(FILE, None, where, N_("ends before it starts"))
            continue
        if grid:
            day_start, day_end, slot = grid
            if b_start < day_start or b_end > day_end:
                out.add(FILE, None, where, N_("lies outside the fair day"))
            elif (_minutes(b_start) - _minutes(day_start)) % slot or (
                _minutes(b_end) - _minutes(day_start)
            ) % slot:
                out.add(
                    FILE,
                    None,
                    where,
                    N_("does not fall on the %(minutes)s-minute slot grid"),
                    minutes=slot,
                )
        for other in breaks:
            if b_start < other.end and other.start < b_end:
                out.add(FILE, None, where, N_("overlaps another break"))
        breaks.append(BreakSpec(b_start, b_end, str(entry.get("label", ""))))
    return breaks


def _pavilions(entries: Entries, out: Collector) -> list[PavilionSpec]:
    pavilions: list[PavilionSpec] = []
    for i, entry in entries:
        where = f"pavilions[{i}]"
        key = _get(out, entry, where, "id", str)
        country = str(entry.get("country", "")).upper()
        if country and not COUNTRY.fullmatch(country):
            out.add(
                FILE,
                None,
                f"{where}.country",
                N_("%(value)s is not an ISO country code"),
                value=repr(country),
            )
        if key is None:
            continue
        if any(p.key == key for p in pavilions):
            out.add(FILE, None, f"{where}.id", N_("duplicate pavilion id %(id)s"), id=repr(key))
        pavilions.append(PavilionSpec(key, str(entry.get("name", key)), country))
    return pavilions


def _booths(entries: Entries, pavilion_keys: set[str], out: Collector) -> list[BoothSpec]:
    booths: list[BoothSpec] = []
    for i, entry in entries:
        where = f"booths[{i}]"
        key = _get(out, entry, where, "id", str)
        pav = _get(out, entry, where, "pavilion", str)
        tables = _get(out, entry, where, "tables", int, 1)
        if pav is not None and pav not in pavilion_keys:
            out.add(FILE, None, f"{where}.pavilion", N_("unknown pavilion %(id)s"), id=repr(pav))
        if tables is not None and tables < 1:
            out.add(FILE, None, f"{where}.tables", N_("must be at least 1"))
        if key is None or pav is None:
            continue
        if any(b.key == key for b in booths):
            out.add(FILE, None, f"{where}.id", N_("duplicate booth id %(id)s"), id=repr(key))
        booths.append(BoothSpec(key, pav, str(entry.get("name", "")), tables or 1))
    return booths


def _tables(entries: Entries, pavilion_keys: set[str], out: Collector) -> list[TableSpec]:
    tables: list[TableSpec] = []
    for i, entry in entries:
        where = f"tables[{i}]"
        key = _get(out, entry, where, "id", str)
        pav = _get(out, entry, where, "pavilion", str)
        capacity = _get(out, entry, where, "capacity", int, 1)
        if pav is not None and pav not in pavilion_keys:
            out.add(FILE, None, f"{where}.pavilion", N_("unknown pavilion %(id)s"), id=repr(pav))
        if capacity is not None and capacity < 1:
            out.add(FILE, None, f"{where}.capacity", N_("must be at least 1"))
        if key is None or pav is None:
            continue
        if any(t.key == key for t in tables):
            out.add(FILE, None, f"{where}.id", N_("duplicate table id %(id)s"), id=repr(key))
        tables.append(TableSpec(key, pav, capacity or 1))
    return tables
