"""The values of single cells in the import files: times, windows, lists, numbers, codes.

Each parser takes the text of one cell and returns the value, or raises `CellError` (a
`ValueError`) with the message the organiser sees next to the file, row and column, kept
as a template and its values so the pages can translate it. Other modules use
`check_timezone` and `parse_window` for the same checks outside an import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from decimal import Decimal, InvalidOperation
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


def parse_window(text: str) -> tuple[time, time]:
    """`"09:00-17:30"` → (09:00, 17:30); `24:00` is allowed as an end."""
    match = WINDOW.fullmatch(text.strip())
    if not match:
        raise CellError(N_("%(value)s is not a window HH:MM-HH:MM"), value=repr(text))
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise CellError(N_("%(value)s is not a window of times of day"), value=repr(text))
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise CellError(N_("window %(value)s ends before it starts"), value=repr(text))
    return start, end


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
