"""Which slots each person can attend, online and in person.

A slot counts for a person only if it lies wholly inside their available time *in their
own IANA time zone*: on each local date their windows for that date (its own entry, else
their every-day windows, else the whole day), taken together, so back-to-back windows are
one stretch. The slot's UTC start and end are converted separately, so a daylight-saving
change inside the fair is handled and a 09:00–17:00 window stays 09:00–17:00 wall-clock on
the switch day. It must also fall on a fair day they attend and not overlap any of their
busy intervals (imported calendars, roadshows, before arrival and after departure).
In-person slots are the subset on their on-site days.

The validator recomputes all of this independently (see `scheduler.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.problem import Person, Problem, Slot


@dataclass(frozen=True)
class Availability:
    """Slot indices a person can attend: `online` (anywhere) and `onsite` (at the venue)."""

    online: frozenset[int]
    onsite: frozenset[int]

    def slots(self, in_person: bool) -> frozenset[int]:
        """The slots usable for an in-person (`True`) or online (`False`) meeting."""
        return self.onsite if in_person else self.online


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_wall(moment: datetime, zone: str) -> datetime:
    """`moment` (aware) as a naive wall-clock datetime in `zone`."""
    return moment.astimezone(_zone(zone)).replace(tzinfo=None)


DAY = timedelta(days=1)
WholeDay = tuple[tuple[time, time], ...] | None


def windows_on(person: Person, day: date) -> WholeDay:
    """The person's windows on their local date `day`: that date's own entry in `dates`,
    else the every-day `windows`; None when nothing restricts that date (the whole day)."""
    for when, windows in person.dates:
        if when == day:
            return windows
    return person.windows or None


def _day_intervals(person: Person, day: date) -> list[tuple[datetime, datetime]]:
    """Wall-clock intervals the person is available in that start on `day`.

    A window whose end is not after its start runs over midnight (22:00–02:00) and
    belongs to the date it starts on; an end of 24:00 (`time.max`) is the next midnight.
    """
    windows = windows_on(person, day)
    midnight = datetime.combine(day, time(0))
    if windows is None:
        return [(midnight, midnight + DAY)]
    out: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        lo = datetime.combine(day, start)
        hi = midnight + DAY if end == time.max else datetime.combine(day, end)
        if hi <= lo:
            hi += DAY
        out.append((lo, hi))
    return out


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The union of `intervals` as disjoint intervals: back-to-back windows (09:00–12:00
    and 12:00–17:00, or a free day after an evening window) are one stretch of time."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def inside_windows(person: Person, slot: Slot) -> bool:
    """Whether `slot` lies wholly inside the person's available time: their windows on
    each local date (`windows_on`), in wall-clock time of their own zone."""
    if not person.windows and not person.dates:
        return True
    lo = local_wall(slot.start, person.timezone)
    hi = local_wall(slot.end, person.timezone)
    first, last = min(lo, hi), max(lo, hi)  # a slot across a DST fall-back may end "before"
    intervals: list[tuple[datetime, datetime]] = []
    for offset in (-1, 0, 1):  # the day before may run over midnight into the slot
        intervals += _day_intervals(person, first.date() + timedelta(days=offset))
    return any(w_lo <= first and last <= w_hi for w_lo, w_hi in _merged(intervals))


def _busy(person: Person, slot: Slot) -> bool:
    return any(b_lo < slot.end and slot.start < b_hi for b_lo, b_hi in person.busy)


class _Inside:
    """Memo of "slot inside windows" per (zone, windows, dates): people share a few of
    each."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, tuple[tuple[time, time], ...], object, int], bool] = {}

    def __call__(self, person: Person, slot: Slot) -> bool:
        if not person.windows and not person.dates:
            return True
        key = (person.timezone, person.windows, person.dates, slot.index)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = inside_windows(person, slot)
        return hit


def person_availability(
    person: Person, slots: Iterable[Slot], inside: _Inside | None = None
) -> Availability:
    """Slots `person` can attend online and on site.

    Args:
        person: the person, with windows in their own time zone.
        slots: the fair's grid.
        inside: a shared memo of window checks (pass one when looping over many people).

    Returns:
        The `Availability` (online ⊇ onsite).
    """
    check = inside or _Inside()
    online: set[int] = set()
    onsite: set[int] = set()
    for slot in slots:
        if person.days is not None and slot.day not in person.days:
            continue
        if _busy(person, slot) or not check(person, slot):
            continue
        online.add(slot.index)
        if slot.day in person.onsite_days:
            onsite.add(slot.index)
    return Availability(frozenset(online), frozenset(onsite))


def availability(problem: Problem) -> dict[str, Availability]:
    """Availability of every person of `problem`, keyed by person id.

    Args:
        problem: the fair.

    Returns:
        person id → `Availability`.
    """
    inside = _Inside()
    return {pid: person_availability(p, problem.slots, inside) for pid, p in problem.people.items()}


def available_at(person: Person, slot: Slot, in_person: bool) -> bool:
    """Whether `person` can attend `slot` (on site when `in_person`): one-slot check."""
    if person.days is not None and slot.day not in person.days:
        return False
    if in_person and slot.day not in person.onsite_days:
        return False
    return not _busy(person, slot) and inside_windows(person, slot)
