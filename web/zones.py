"""Time zones as a person chooses one: their country's zones first, every zone named the
CLDR way in the viewer's language ("대한민국 시간", "美国（洛杉矶）时间"), the IANA name
beside it (the value that is stored).

Which zones belong to which country comes from the time-zone database's own table
(`zone.tab`, one country a line; `zone1970.tab` if it is missing), read from the
`tzdata` package when it is installed and from the system's zoneinfo directory
otherwise; the names come from Babel (`babel.dates.get_timezone_location`).
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import TZPATH

from babel.dates import get_timezone_location

from web import i18n


@dataclass(frozen=True)
class Zone:
    value: str  # the IANA name
    label: str  # how the viewer reads it


@dataclass(frozen=True)
class ZoneChoices:
    """The select's two groups: the person's country's zones, then all the others."""

    country: str
    mine: tuple[Zone, ...]
    others: tuple[Zone, ...]


def _table(name: str) -> str:
    try:
        found = importlib.resources.files("tzdata").joinpath("zoneinfo", name)
        return found.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    for directory in TZPATH:
        path = Path(directory) / name
        if path.exists():
            return path.read_text(encoding="utf-8")
    return ""


@functools.cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """ISO country code → its zones, in the database's order (main zone first)."""
    found: dict[str, list[str]] = {}
    # zone.tab names one country a line (Europe/Oslo for NO), where zone1970.tab shares
    # zones between countries (Europe/Berlin for NO and SE too): it is the fallback.
    for name in ("zone.tab", "zone1970.tab"):
        if found:
            break
        for line in _table(name).splitlines():
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            for code in parts[0].split(","):
                zones = found.setdefault(code, [])
                if parts[2] not in zones:
                    zones.append(parts[2])
    return {code: tuple(zones) for code, zones in found.items()}


def label(zone: str) -> str:
    return _label(zone, i18n.current())


@functools.lru_cache(maxsize=4096)
def _label(zone: str, language: str) -> str:
    if zone == "UTC":
        return "UTC"
    locale = i18n.FORMAT_LOCALES.get(language, language)
    try:
        place = get_timezone_location(zone, locale=locale)
    except (LookupError, ValueError):
        return zone
    return f"{place} · {zone}"


def choices(known: Iterable[str], country: str) -> ZoneChoices:
    """`known` zones (those the product accepts) for a person from `country`: the
    country's first, in the database's order; the rest by their label."""
    allowed = set(known)
    mine = tuple(z for z in zones_by_country().get(country.upper(), ()) if z in allowed)
    chosen = set(mine)
    others = sorted((z for z in allowed if z not in chosen), key=lambda z: (label(z), z))
    return ZoneChoices(
        country=country.upper(),
        mine=tuple(Zone(z, label(z)) for z in mine),
        others=tuple(Zone(z, label(z)) for z in others),
    )
