"""An independent check of any schedule against its problem.

Written apart from the solver on purpose: it does not use `scheduler.availability` or the
candidate catalogue, and recomputes local times with `zoneinfo` itself, so a bug in the
model's encoding cannot hide in both places. Every schedule produced in the tests and the
benchmark passes through `validate`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.problem import Assignment, Mode, Person, PlaceKind, Problem, Request, Slot


def _local_ok(person: Person, slot: Slot) -> bool:
    """Slot wholly inside one of the person's windows, in wall-clock time of their zone."""
    if not person.windows:
        return True
    zone = ZoneInfo(person.timezone)
    start = slot.start.astimezone(zone).replace(tzinfo=None)
    end = slot.end.astimezone(zone).replace(tzinfo=None)
    for offset in (-1, 0):
        day = start.date() + timedelta(days=offset)
        for w_start, w_end in person.windows:
            lo = datetime.combine(day, w_start)
            hi = datetime.combine(day, w_end)
            if hi <= lo:  # window over midnight
                hi += timedelta(days=1)
            if lo <= start and end <= hi:
                return True
    return False


def _person_problems(person: Person, slot: Slot, in_person: bool) -> Iterable[str]:
    if person.days is not None and slot.day not in person.days:
        yield f"not attending on day {slot.day}"
    if in_person and slot.day not in person.onsite_days:
        yield f"not on site on day {slot.day}"
    if not _local_ok(person, slot):
        local = slot.start.astimezone(ZoneInfo(person.timezone))
        yield f"outside working hours ({local:%a %H:%M} {person.timezone})"
    for lo, hi in person.busy:
        if lo < slot.end and slot.start < hi:
            yield "busy"


def _tables(problem: Problem) -> dict[str, tuple[str, int]]:
    """Table id → (pool id, capacity)."""
    table_of: dict[str, tuple[str, int]] = {}
    for pool in problem.table_pools.values():
        caps = pool.capacity or (1,) * len(pool.tables)
        for table, cap in zip(pool.tables, caps, strict=True):
            table_of[table] = (pool.id, cap)
    return table_of


class _Tally:
    """What the assignments occupy, counted while each is checked on its own."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.person_slot: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        self.place_slot: Counter[tuple[str, str, int]] = Counter()
        self.online_slot: Counter[int] = Counter()
        self.per_day: Counter[tuple[str, int]] = Counter()
        self.total: Counter[str] = Counter()


def _place_errors(
    tag: str, req: Request, a: Assignment, problem: Problem, table_of: dict[str, tuple[str, int]]
) -> Iterable[str]:
    """The meeting's mode against its request, and its booth or table."""
    in_person = a.kind is not PlaceKind.ONLINE
    if req.mode is Mode.IN_PERSON and not in_person:
        yield f"{tag}: in-person request met online"
    if req.mode is Mode.ONLINE and in_person:
        yield f"{tag}: online request met in person"
    if a.kind is PlaceKind.BOOTH:
        if a.place_id != req.booth or a.place_id not in problem.booths:
            yield f"{tag}: booth {a.place_id} is not the request's booth"
    elif a.kind is PlaceKind.TABLE:
        pool_cap = table_of.get(a.place_id)
        if pool_cap is None or pool_cap[0] not in req.table_pools:
            yield f"{tag}: table {a.place_id} not in the request's pools"


def _seat_errors(tag: str, req: Request, a: Assignment, problem: Problem) -> Iterable[str]:
    """The third seat: given exactly when needed, from the request's pool, not an attendee."""
    if req.third_seat is None:
        if a.third_seat is not None:
            yield f"{tag}: third seat given but not needed"
    elif a.third_seat is None:
        yield f"{tag}: needs a {req.third_seat} but has none"
    else:
        if a.third_seat not in problem.third_seats.get(req.third_seat, ()):
            yield f"{tag}: {a.third_seat} is not in pool {req.third_seat}"
        if a.third_seat in req.people:
            yield f"{tag}: third seat {a.third_seat} is an attendee"


def _check_assignment(
    problem: Problem,
    req: Request,
    a: Assignment,
    table_of: dict[str, tuple[str, int]],
    tally: _Tally,
) -> list[str]:
    """The violations of one assignment on its own; counts what it occupies in `tally`."""
    errors: list[str] = []
    tag = f"{req.id}"
    if req.lock is not None and a != req.lock:
        errors.append(f"{tag}: locked meeting moved")
    if a.length != req.length:
        errors.append(f"{tag}: length {a.length} instead of {req.length}")
    if a.start < 0 or a.start + a.length > len(problem.slots):
        errors.append(f"{tag}: slots out of the grid")
        return errors
    slots = [problem.slots[i] for i in range(a.start, a.start + a.length)]
    if any(s.block != slots[0].block or s.day != slots[0].day for s in slots):
        errors.append(f"{tag}: slots not consecutive in one block")
    errors += _place_errors(tag, req, a, problem, table_of)
    errors += _seat_errors(tag, req, a, problem)
    in_person = a.kind is not PlaceKind.ONLINE
    seated = req.third_seat is not None and a.third_seat is not None
    people = [*req.people, *([a.third_seat] if seated and a.third_seat is not None else [])]
    for pid in people:
        person = problem.people.get(pid)
        if person is None:
            errors.append(f"{tag}: unknown person {pid}")
            continue
        tally.per_day[(pid, slots[0].day)] += 1
        tally.total[pid] += 1
        for s in slots:
            for why in _person_problems(person, s, in_person):
                errors.append(f"{tag}: {pid} at slot {s.index}: {why}")
            tally.person_slot[(pid, s.index)].append(req.id)
    for s in slots:
        if a.kind is PlaceKind.ONLINE:
            tally.online_slot[s.index] += 1
        tally.place_slot[(a.kind.value, a.place_id, s.index)] += 1
    return errors


def _overlap_errors(
    problem: Problem, tally: _Tally, table_of: dict[str, tuple[str, int]]
) -> list[str]:
    """What the assignments break together: locks dropped, requests met twice, people
    double-booked, places and video rooms over capacity, caps per day and in total."""
    errors: list[str] = []
    for req in problem.requests:
        if req.lock is not None and req.id not in tally.seen:
            errors.append(f"{req.id}: locked meeting dropped")
    for rid, n in tally.seen.items():
        if n > 1:
            errors.append(f"{rid}: scheduled {n} times")
    for (pid, t), rids in tally.person_slot.items():
        if len(rids) > 1:
            errors.append(f"{pid} double-booked at slot {t}: {', '.join(sorted(rids))}")
    for (kind, place, t), n in tally.place_slot.items():
        if kind == PlaceKind.BOOTH.value:
            booth = problem.booths.get(place)
            cap = booth.tables if booth is not None else 0
        elif kind == PlaceKind.TABLE.value:
            cap = table_of.get(place, ("", 0))[1]
        else:
            cap = 1  # one meeting per video room at a time
        if n > cap:
            errors.append(f"{kind} {place} holds {n} meetings at slot {t} (capacity {cap})")
    if problem.online_capacity is not None:
        for t, n in tally.online_slot.items():
            if n > problem.online_capacity:
                errors.append(f"{n} online meetings at slot {t} (rooms {problem.online_capacity})")
    for (pid, day), n in tally.per_day.items():
        cap_day = problem.people[pid].max_per_day
        if cap_day is not None and n > cap_day:
            errors.append(f"{pid} has {n} meetings on day {day} (cap {cap_day})")
    for pid, n in tally.total.items():
        cap_total = problem.people[pid].max_total
        if cap_total is not None and n > cap_total:
            errors.append(f"{pid} has {n} meetings (cap {cap_total})")
    return errors


def validate(problem: Problem, assignments: Iterable[Assignment]) -> list[str]:
    """Every hard-constraint violation of `assignments` for `problem`.

    Args:
        problem: the fair.
        assignments: a schedule (from any method).

    Returns:
        Human-readable violations; empty when the schedule is valid.
    """
    errors: list[str] = []
    requests = {r.id: r for r in problem.requests}
    table_of = _tables(problem)
    tally = _Tally()
    for a in list(assignments):
        tally.seen[a.request] += 1
        req = requests.get(a.request)
        if req is None:
            errors.append(f"{a.request}: no such request")
            continue
        errors += _check_assignment(problem, req, a, table_of, tally)
    return errors + _overlap_errors(problem, tally, table_of)
