"""A participant's availability: the fair days they are on site, their working windows
in their own time, their own hours on some dates, and their time zone (the solver reads
them all).

Like `fair.requests`, every function takes the signed-in participant as `me`; input
errors raise `FieldError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from sqlmodel import Session

from fair.importer import check_timezone, parse_window
from fair.importer.cells import parse_day_windows, window_text
from fair.models import Fair, Participant
from fair.requests import FieldError, load_fair, load_me, whole_number


@dataclass(frozen=True)
class Availability:
    timezone: str
    onsite_days: tuple[int, ...]
    windows: tuple[str, ...]
    fair_timezone: str
    fair_days: tuple[date, ...]  # the date of fair day 1, 2, ...
    fair_hours: str  # "09:00-12:00" in the fair's zone
    # own hours on some local dates ("YYYY-MM-DD" → windows; none: away that day)
    dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    local_dates: tuple[date, ...] = ()  # the person's dates the fair's hours fall on


def local_dates(fair: Fair, zone: str) -> tuple[date, ...]:
    """The dates, in `zone`, on which the fair's hours fall (across the date line a fair
    day may start on one date and end on the next there)."""
    fair_zone, mine = ZoneInfo(fair.timezone), ZoneInfo(zone)
    out: set[date] = set()
    for n in range(fair.days):
        day = fair.start + timedelta(days=n)
        opens = datetime.combine(day, fair.day_start, fair_zone).astimezone(UTC)
        end = (
            datetime.combine(day + timedelta(days=1), time(0))
            if fair.day_end == time.max
            else datetime.combine(day, fair.day_end)
        )
        closes = end.replace(tzinfo=fair_zone).astimezone(UTC) - timedelta(microseconds=1)
        first, last = opens.astimezone(mine).date(), closes.astimezone(mine).date()
        while first <= last:
            out.add(first)
            first += timedelta(days=1)
    return tuple(sorted(out))


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
        dates={d: tuple(w) for d, w in sorted(person.dates.items())},
        local_dates=local_dates(fair, person.timezone),
    )


def set_availability(
    session: Session,
    me: Participant,
    onsite_days: Sequence[object],
    windows: Sequence[object],
    timezone: object,
    dates: object = None,
) -> Availability:
    """Replace `me`'s on-site days (1-based fair days), working windows (`HH:MM-HH:MM` in
    their own zone; none = all fair hours), time zone and, unless `dates` is None, own
    hours per date (`{"YYYY-MM-DD": [windows]}` in their own zone, an empty list = away
    that day, a date left out = as usual); the caller commits.

    Raises `FieldError` naming `onsite_days`, `windows`, `timezone` or `dates` (and then
    the date at fault).
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
    own = None if dates is None else _dates(fair, dates)
    person.timezone = zone
    if own is not None:
        person.dates = own
    person.onsite_days = days
    person.windows = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in parsed]
    session.add(person)
    session.flush()
    return availability(session, person)


def _dates(fair: Fair, dates: object) -> dict[str, list[str]]:
    """Checked own hours per date: dates within the fair as seen from any zone, windows
    that may run over midnight and do not overlap."""
    if not isinstance(dates, Mapping):
        raise FieldError("dates", 'must be an object {"YYYY-MM-DD": ["HH:MM-HH:MM", ...]}')
    first, last = fair.start - timedelta(days=1), fair.start + timedelta(days=fair.days)
    out: dict[str, list[str]] = {}
    for key, windows in dates.items():
        try:
            day = date.fromisoformat(str(key))
        except ValueError:
            raise FieldError("dates", f"{key!r} is not a date YYYY-MM-DD") from None
        if not first <= day <= last:
            raise FieldError("dates", f"{day}: not a date of the fair ({first} to {last})")
        if isinstance(windows, str | bytes) or not isinstance(windows, Sequence):
            raise FieldError("dates", f"{day}: must be a list of HH:MM-HH:MM (none: away)")
        if not all(isinstance(w, str) for w in windows):
            raise FieldError("dates", f"{day}: each window is text HH:MM-HH:MM")
        text = " ".join(str(w) for w in windows)
        if text.strip().lower() == "away":
            raise FieldError("dates", f"{day}: away is an empty list of windows")
        try:
            parsed = parse_day_windows(text) if text.strip() else ()
        except ValueError as exc:
            raise FieldError("dates", f"{day}: {exc}") from None
        out[day.isoformat()] = [window_text(*w) for w in parsed]
    return dict(sorted(out.items()))
