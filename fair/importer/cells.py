"""The values of single cells in the import files: times, windows, lists, numbers, codes.

Each parser takes the text of one cell and returns the value, or raises `CellError` (a
`ValueError`) with the message the organiser sees next to the file, row and column, kept
as a template and its values so the pages can translate it. Other modules use
`check_timezone` and `parse_window` for the same checks outside an import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fair.errors import N_

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class CellError(ValueError):
    """A cell's value is wrong; `template` % `params` is the English message."""

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = {k: str(v) for k, v in params.items()}
        super().__init__(template % self.params if self.params else template)


def split_list(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def parse_hhmm(text: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise CellError(N_("%(value)s is not a time HH:MM"), value=repr(text))
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise CellError(N_("%(value)s is not a time of day"), value=repr(text))
    return time(hour, minute)


def parse_window(text: str, overnight: bool = False) -> tuple[time, time]:
    """`"09:00-17:30"` → (09:00, 17:30); `24:00` is allowed as an end. With `overnight`,
    a window may run over midnight (`22:00-02:00`, belonging to the date it starts on)."""
    match = WINDOW.fullmatch(text.strip())
    if not match:
        raise CellError(N_("%(value)s is not a window HH:MM-HH:MM"), value=repr(text))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise CellError(N_("%(value)s is not a window of times of day"), value=repr(text))
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end == start or (end < start and not overnight):
        raise CellError(N_("window %(value)s ends before it starts"), value=repr(text))
    return start, end


AWAY = "away"


def window_text(start: time, end: time) -> str:
    """A window as stored and written: `HH:MM-HH:MM`, the end of the day `24:00`."""
    return f"{start:%H:%M}-{'24:00' if end == time.max else f'{end:%H:%M}'}"


def parse_day_windows(text: str) -> tuple[tuple[time, time], ...]:
    """One date's windows: `"09:00-12:00 14:00-17:00"` (spaces or semicolons between),
    each may run over midnight; `away` (or nothing at all) is none, away that whole day.
    Overlapping windows are refused."""
    parts = [p for p in re.split(r"[\s;]+", text.strip()) if p]
    if not parts or (len(parts) == 1 and parts[0].lower() == AWAY):
        return ()
    windows = sorted({parse_window(p, overnight=True) for p in parts})

    def minutes(w: tuple[time, time]) -> tuple[int, int]:
        lo = w[0].hour * 60 + w[0].minute
        hi = 24 * 60 if w[1] == time.max else w[1].hour * 60 + w[1].minute
        return lo, hi + 24 * 60 if hi <= lo else hi

    for first, second in pairwise(windows):
        if minutes(second)[0] < minutes(first)[1]:
            raise CellError(
                N_("window %(first)s overlaps %(second)s"),
                first=window_text(*first),
                second=window_text(*second),
            )
    return tuple(windows)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CellError(N_("%(value)s is not a date YYYY-MM-DD"), value=repr(text)) from None


def parse_local_datetime(text: str) -> datetime:
    """`"2026-05-12 13:30"` (or ISO `2026-05-12T13:30`, as a workbook's date-time cell
    reads) → a naive wall-clock date-time."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})(:00)?", text.strip())
    if not match:
        raise CellError(N_("%(value)s is not a date and time YYYY-MM-DD HH:MM"), value=repr(text))
    return datetime.combine(parse_date(match.group(1)), parse_hhmm(match.group(2)))


def normalise_pair(text: str) -> str:
    """`"zh-ko"` and `"ko-zh"` are the same interpreter pair: `"ko-zh"`."""
    parts = [p.strip().lower() for p in text.split("-")]
    if len(parts) != 2 or not all(LANGUAGE.fullmatch(p) for p in parts) or parts[0] == parts[1]:
        raise CellError(N_("%(value)s is not a language pair like zh-ko"), value=repr(text))
    return "-".join(sorted(parts))


def check_timezone(name: str) -> str:
    unknown = N_("unknown time zone %(value)s (use an IANA name like Asia/Seoul)")
    if not name or name != name.strip() or ("/" not in name and name != "UTC"):
        raise CellError(unknown, value=repr(name))
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CellError(unknown, value=repr(name)) from None
    return name


def parse_int(text: str, low: int, high: int | None = None) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise CellError(N_("%(value)s is not a whole number"), value=repr(text)) from None
    if high is not None and not low <= value <= high:
        raise CellError(
            N_("%(value)s is out of range (%(low)s–%(high)s)"), value=value, low=low, high=high
        )
    if value < low:
        raise CellError(N_("%(value)s is out of range (at least %(low)s)"), value=value, low=low)
    return value


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise CellError(N_("%(value)s is not a number"), value=repr(text)) from None
    if not value.is_finite() or value < 0:
        raise CellError(N_("%(value)s is not a non-negative number"), value=repr(text))
    return value


def parse_choice(text: str, choices: Iterable[str]) -> str:
    options = list(choices)
    value = text.strip().lower()
    if value not in options:
        raise CellError(
            N_("%(value)s is not one of %(choices)s"), value=repr(text), choices=", ".join(options)
        )
    return value
