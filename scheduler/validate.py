"""An independent check of any schedule against its problem.

Written apart from the solver on purpose: it does not use `scheduler.availability` or the
candidate catalogue, and recomputes local times with `zoneinfo` itself, so a bug in the
model's encoding cannot hide in both places. Every schedule produced in the tests and the
benchmark passes through `validate`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.problem import Assignment, Mode, Person, PlaceKind, Problem, Request, Slot


def _hours_of_date(person: Person, day: date) -> list[tuple[datetime, datetime]]:
    """Wall-clock stretches the person is available in that begin on local date `day`."""
    chosen: tuple[tuple[time, time], ...] | None = person.windows or None
    for when, windows in person.dates:
        if when == day:
            chosen = windows
    begin = datetime(day.year, day.month, day.day)
    if chosen is None:  # nothing restricts this date
        return [(begin, begin + timedelta(hours=24))]
    out = []
    for w_start, w_end in chosen:
        lo = begin + timedelta(hours=w_start.hour, minutes=w_start.minute)
        if w_end == time.max:  # "24:00"
            hi = begin + timedelta(hours=24)
        else:
            hi = begin + timedelta(hours=w_end.hour, minutes=w_end.minute)
        if hi <= lo:  # window over midnight: it belongs to the date it starts on
            hi += timedelta(hours=24)
        out.append((lo, hi))
    return out


def _local_ok(person: Person, slot: Slot) -> bool:
    """Slot wholly inside the person's available time, in wall-clock time of their zone:
    walk from the slot's local start and, as long as some window of the dates around it
    covers that point, jump to the window's end, until past the slot's local end."""
    if not person.windows and not person.dates:
        return True
    zone = ZoneInfo(person.timezone)
    # a slot across a DST fall-back can end "before" it starts in wall-clock time
    point, finish = sorted(
        [
            slot.start.astimezone(zone).replace(tzinfo=None),
            slot.end.astimezone(zone).replace(tzinfo=None),
        ]
    )
    stretches = [
        iv
        for offset in (-1, 0, 1)
        for iv in _hours_of_date(person, point.date() + timedelta(days=offset))
    ]
    if point == finish:
        return any(lo <= point <= hi for lo, hi in stretches)
    while True:
        reach = max((hi for lo, hi in stretches if lo <= point < hi), default=None)
        if reach is None:
            return False
        if reach >= finish:
            return True
        point = reach


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


def _place_cap(
    problem: Problem, table_of: dict[str, tuple[str, int]], kind: str, place: str
) -> int:
    if kind == PlaceKind.BOOTH.value:
        booth = problem.booths.get(place)
        return booth.tables if booth is not None else 0
    if kind == PlaceKind.TABLE.value:
        return table_of.get(place, ("", 0))[1]
    return 1  # one meeting per video room at a time


def _double_booked(pid: str, t: int, rids: list[str]) -> str | None:
    return f"{pid} double-booked at slot {t}: {', '.join(sorted(rids))}" if len(rids) > 1 else None


def _over_place(
    problem: Problem, table_of: dict[str, tuple[str, int]], key: tuple[str, str, int], n: int
) -> str | None:
    kind, place, t = key
    cap = _place_cap(problem, table_of, kind, place)
    return f"{kind} {place} holds {n} meetings at slot {t} (capacity {cap})" if n > cap else None


def _over_online(problem: Problem, t: int, n: int) -> str | None:
    rooms = problem.online_capacity
    return (
        f"{n} online meetings at slot {t} (rooms {rooms})"
        if rooms is not None and n > rooms
        else None
    )


def _over_day(problem: Problem, pid: str, day: int, n: int) -> str | None:
    cap = problem.people[pid].max_per_day
    return (
        f"{pid} has {n} meetings on day {day} (cap {cap})" if cap is not None and n > cap else None
    )


def _over_total(problem: Problem, pid: str, n: int) -> str | None:
    cap = problem.people[pid].max_total
    return f"{pid} has {n} meetings (cap {cap})" if cap is not None and n > cap else None


def _overlap_errors(
    problem: Problem, tally: _Tally, table_of: dict[str, tuple[str, int]]
) -> list[str]:
    """What the assignments break together: locks dropped, requests met twice, people
    double-booked, places and video rooms over capacity, caps per day and in total."""
    errors: list[str | None] = []
    for req in problem.requests:
        if req.lock is not None and req.id not in tally.seen:
            errors.append(f"{req.id}: locked meeting dropped")
    for rid, n in tally.seen.items():
        if n > 1:
            errors.append(f"{rid}: scheduled {n} times")
    errors += (_double_booked(pid, t, rids) for (pid, t), rids in tally.person_slot.items())
    errors += (_over_place(problem, table_of, key, n) for key, n in tally.place_slot.items())
    errors += (_over_online(problem, t, n) for t, n in tally.online_slot.items())
    errors += (_over_day(problem, pid, day, n) for (pid, day), n in tally.per_day.items())
    errors += (_over_total(problem, pid, n) for pid, n in tally.total.items())
    return [e for e in errors if e is not None]


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


class Ledger:
    """`validate` kept up to date while one schedule changes a meeting at a time.

    The schedule holds at most one assignment per request (a grid, not any list). What
    each meeting breaks on its own is checked once, when it is set, by the same code as
    `validate` (`_check_assignment`); what the meetings break together (double bookings,
    places and video rooms over capacity, caps, locks dropped) is counted as in
    `validate` and rechecked only where a changed meeting sits. `errors()` holds the
    same violations as `validate(problem, schedule.values())`, in another order
    (tests/scheduler/test_validate.py checks it on random edits with hypothesis), so
    checking an edit on the whole schedule costs what the edit touches, not the fair.
    """

    def __init__(self, problem: Problem, schedule: Iterable[Assignment] = ()) -> None:
        self.problem = problem
        self._requests = {r.id: r for r in problem.requests}
        self._table_of = _tables(problem)
        self.schedule: dict[str, Assignment] = {}
        self._own: dict[str, list[str]] = {}  # request → what it breaks on its own
        self._parts: dict[str, _Tally] = {}  # request → what it occupies
        self._tally = _Tally()
        self._bad: dict[tuple[object, ...], str] = {}  # what is broken together
        for req in problem.requests:
            if req.lock is not None:
                self._bad[("lock", req.id)] = f"{req.id}: locked meeting dropped"
        for a in schedule:
            self.set(a.request, a)

    def errors(self) -> list[str]:
        """Every violation of the schedule as it stands."""
        return [e for own in self._own.values() for e in own] + list(self._bad.values())

    def set(self, request: str, a: Assignment | None) -> Assignment | None:
        """Put request `request`'s meeting at `a` (None: take it off); returns where it
        was (None: it was not scheduled), so a caller can put it back."""
        if a is not None and a.request != request:
            raise ValueError(f"assignment of {a.request} set for {request}")
        before = self.schedule.pop(request, None)
        if before is not None:
            self._count(before, -1)
        if a is not None:
            self.schedule[request] = a
            self._count(a, +1)
        return before

    def _count(self, a: Assignment, sign: int) -> None:
        rid = a.request
        req = self._requests.get(rid)
        if sign > 0:
            part = _Tally()
            if req is None:
                own = [f"{rid}: no such request"]
            else:
                own = _check_assignment(self.problem, req, a, self._table_of, part)
            if own:
                self._own[rid] = own
            self._parts[rid] = part
        else:
            part = self._parts.pop(rid)
            self._own.pop(rid, None)
        if req is not None and req.lock is not None:
            if sign > 0:
                self._bad.pop(("lock", rid), None)
            else:
                self._bad[("lock", rid)] = f"{rid}: locked meeting dropped"
        tally, problem = self._tally, self.problem
        for key, mine in part.person_slot.items():
            rids = tally.person_slot[key]
            for _ in mine:
                if sign > 0:
                    rids.append(rid)
                else:
                    rids.remove(rid)
            if not rids:
                del tally.person_slot[key]
            self._mark(("person", *key), _double_booked(*key, rids))
        for spot, n in part.place_slot.items():
            tally.place_slot[spot] += sign * n
            m = tally.place_slot[spot]
            self._mark(("place", *spot), _over_place(problem, self._table_of, spot, m))
        for t, n in part.online_slot.items():
            tally.online_slot[t] += sign * n
            self._mark(("online", t), _over_online(problem, t, tally.online_slot[t]))
        for (pid, day), n in part.per_day.items():
            tally.per_day[(pid, day)] += sign * n
            self._mark(("day", pid, day), _over_day(problem, pid, day, tally.per_day[(pid, day)]))
        for pid, n in part.total.items():
            tally.total[pid] += sign * n
            self._mark(("total", pid), _over_total(problem, pid, tally.total[pid]))

    def _mark(self, key: tuple[object, ...], error: str | None) -> None:
        if error is None:
            self._bad.pop(key, None)
        else:
            self._bad[key] = error
