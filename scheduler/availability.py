"""Which slots each person can attend, online and in person.

A slot counts for a person only if it lies wholly inside one of their working windows
*in their own IANA time zone* (the slot's UTC start and end are converted separately, so a
daylight-saving change inside the fair is handled), on a fair day they attend, and does not
overlap any of their busy intervals. In-person slots are the subset on their on-site days.

The validator recomputes all of this independently (see `scheduler.validate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
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


def _window_intervals(
    day: datetime, windows: Iterable[tuple[time, time]]
) -> list[tuple[datetime, datetime]]:
    """Wall-clock intervals of `windows` anchored on `day` and the day before.

    A window whose end is not after its start runs over midnight (22:00–02:00); anchoring
    on the previous day too catches the part of such a window after midnight.
    """
    out: list[tuple[datetime, datetime]] = []
    for anchor in (day - timedelta(days=1), day):
        for start, end in windows:
            lo = datetime.combine(anchor.date(), start)
            hi = datetime.combine(anchor.date(), end)
            if hi <= lo:
                hi += timedelta(days=1)
            out.append((lo, hi))
    return out


def inside_windows(person: Person, slot: Slot) -> bool:
    """Whether `slot` lies wholly inside one of `person`'s local working windows."""
    if not person.windows:
        return True
    lo = local_wall(slot.start, person.timezone)
    hi = local_wall(slot.end, person.timezone)
    return any(w_lo <= lo and hi <= w_hi for w_lo, w_hi in _window_intervals(lo, person.windows))


def _busy(person: Person, slot: Slot) -> bool:
    return any(b_lo < slot.end and slot.start < b_hi for b_lo, b_hi in person.busy)


class _Inside:
    """Memo of "slot inside windows" per (zone, windows): people share a few of each."""

    def __init__(self) -> None:
        self.memo: dict[tuple[str, tuple[tuple[time, time], ...], int], bool] = {}

    def __call__(self, person: Person, slot: Slot) -> bool:
        if not person.windows:
            return True
        key = (person.timezone, person.windows, slot.index)
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
