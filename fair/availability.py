"""A participant's availability: the fair days they are on site, their working windows
in their own time, and their time zone (the solver reads all three).

Like `fair.requests`, every function takes the signed-in participant as `me`; input
errors raise `FieldError` naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import pairwise
from zoneinfo import available_timezones

from sqlmodel import Session

from fair.importer import check_timezone, parse_window
from fair.models import Participant
from fair.requests import FieldError, load_fair, load_me, whole_number


@dataclass(frozen=True)
class Availability:
    timezone: str
    onsite_days: tuple[int, ...]
    windows: tuple[str, ...]
    fair_timezone: str
    fair_days: tuple[date, ...]  # the date of fair day 1, 2, ...
    fair_hours: str  # "09:00-12:00" in the fair's zone


def known_timezones() -> list[str]:
    """IANA zone names a participant may choose (the ones `check_timezone` accepts)."""
    return sorted(
        z
        for z in available_timezones()
        if (z == "UTC" or "/" in z) and not z.startswith(("posix/", "right/", "SystemV/"))
    )


def _hhmm(t: time) -> str:
    return "24:00" if t == time.max else f"{t:%H:%M}"


def availability(session: Session, me: Participant) -> Availability:
    person = load_me(session, me)
    fair = load_fair(session, person.fair_id)
    return Availability(
        timezone=person.timezone,
        onsite_days=tuple(person.onsite_days),
        windows=tuple(person.windows),
        fair_timezone=fair.timezone,
        fair_days=tuple(fair.start + timedelta(days=d) for d in range(fair.days)),
        fair_hours=f"{_hhmm(fair.day_start)}-{_hhmm(fair.day_end)}",
    )


def set_availability(
    session: Session,
    me: Participant,
    onsite_days: Sequence[object],
    windows: Sequence[object],
    timezone: object,
) -> Availability:
    """Replace `me`'s on-site days (1-based fair days), working windows (`HH:MM-HH:MM` in
    their own zone; none = all fair hours) and time zone; the caller commits.

    Raises `FieldError` naming `onsite_days`, `windows` or `timezone`.
    """
    person = load_me(session, me)
    fair = load_fair(session, person.fair_id)
    if not isinstance(timezone, str):
        raise FieldError("timezone", "choose a time zone")
    try:
        zone = check_timezone(timezone)
    except ValueError as exc:
        raise FieldError("timezone", str(exc)) from None
    if isinstance(onsite_days, str | bytes) or not isinstance(onsite_days, Sequence):
        raise FieldError("onsite_days", "must be a list of fair days")
    days = sorted({whole_number("onsite_days", d, 1, fair.days) for d in onsite_days})
    if isinstance(windows, str | bytes) or not isinstance(windows, Sequence):
        raise FieldError("windows", "must be a list of HH:MM-HH:MM")
    parsed: list[tuple[time, time]] = []
    for w in windows:
        if not isinstance(w, str):
            raise FieldError("windows", "each window is text HH:MM-HH:MM")
        if not w.strip():
            continue
        try:
            parsed.append(parse_window(w))
        except ValueError as exc:
            raise FieldError("windows", str(exc)) from None
    parsed = sorted(set(parsed))
    for (s1, e1), (s2, e2) in pairwise(parsed):
        if s2 < e1:
            raise FieldError("windows", f"{_hhmm(s1)}-{_hhmm(e1)} overlaps {_hhmm(s2)}-{_hhmm(e2)}")
    person.timezone = zone
    person.onsite_days = days
    person.windows = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in parsed]
    session.add(person)
    session.flush()
    return availability(session, person)
