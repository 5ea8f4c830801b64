"""The ways each request could be met: start slot × place class.

A candidate is one (request, start slot, place) where the place is a booth, a whole table
*pool* (tables are numbered after solving, see `scheduler.tables`) or the online rooms.
A candidate exists only if every slot of the meeting is in one block, every attendee is
available in every slot (on site for in-person) and, when the request needs a third seat,
at least one person of that pool is available too. Solver, LP, baselines and what-if all
work on this one catalogue, so they agree on what is feasible.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from scheduler.availability import Availability, availability, person_availability
from scheduler.problem import Assignment, Mode, PlaceKind, Problem, Request

ONLINE = "online"
Group = tuple[int, bool]  # (start slot, in person): a request's candidates share its seat


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to meet a request. `place` is a booth id, a pool id or `ONLINE`."""

    request: str
    start: int
    length: int
    kind: PlaceKind
    place: str

    @property
    def in_person(self) -> bool:
        return self.kind is not PlaceKind.ONLINE

    @property
    def slots(self) -> range:
        return range(self.start, self.start + self.length)


@dataclass
class Catalog:
    """All candidates of a problem, plus the lookups every builder needs."""

    problem: Problem
    avail: dict[str, Availability]
    candidates: list[Candidate] = field(default_factory=list)
    by_request: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # (request id, start, in_person) → third-seat people available for that meeting
    third: dict[tuple[str, int, bool], tuple[str, ...]] = field(default_factory=dict)
    # candidate index that a lock (or a kept previous assignment) forces, per request
    forced: dict[str, int] = field(default_factory=dict)
    requests: dict[str, Request] = field(default_factory=dict)
    table_pool: dict[str, str] = field(default_factory=dict)  # table id → pool id

    def index_of(self, cand: Candidate) -> int | None:
        for i in self.by_request.get(cand.request, ()):
            if self.candidates[i] == cand:
                return i
        return None


def place_classes(problem: Problem, request: Request) -> list[tuple[PlaceKind, str]]:
    """Place classes a request may use, in preference order (booth, pools, online)."""
    out: list[tuple[PlaceKind, str]] = []
    if request.mode is not Mode.ONLINE:
        booth = problem.booths.get(request.booth) if request.booth is not None else None
        if booth is not None and booth.tables > 0:
            out.append((PlaceKind.BOOTH, booth.id))
        for pool_id in request.table_pools:
            pool = problem.table_pools.get(pool_id)
            if pool is not None and pool.total_capacity() > 0:
                out.append((PlaceKind.TABLE, pool_id))
    if request.mode is not Mode.IN_PERSON and (
        problem.online_capacity is None or problem.online_capacity > 0
    ):
        out.append((PlaceKind.ONLINE, ONLINE))
    return out


def meeting_starts(problem: Problem, length: int) -> list[int]:
    """Start slots whose `length` slots are consecutive inside one block."""
    slots = problem.slots
    out = []
    for s in range(len(slots) - length + 1):
        last = slots[s + length - 1]
        if last.block == slots[s].block and last.index == slots[s].index + length - 1:
            out.append(s)
    return out


def candidate_of(catalog: Catalog, a: Assignment) -> Candidate:
    """The pool-level candidate of a concrete assignment (table id → its pool)."""
    place = a.place_id
    if a.kind is PlaceKind.TABLE:
        place = catalog.table_pool.get(a.place_id, a.place_id)
    elif a.kind is PlaceKind.ONLINE:
        place = ONLINE
    return Candidate(a.request, a.start, a.length, a.kind, place)


def _place_exists(problem: Problem, cand: Candidate, a: Assignment) -> bool:
    if a.start < 0 or a.start + a.length > len(problem.slots):
        return False
    if cand.kind is PlaceKind.BOOTH:
        return cand.place in problem.booths
    if cand.kind is PlaceKind.TABLE:
        return cand.place in problem.table_pools
    return True


def build_catalog(
    problem: Problem,
    keep: dict[str, Assignment] | None = None,
    only: set[str] | None = None,
    select: Mapping[str, Collection[Group]] | None = None,
    avail: dict[str, Availability] | None = None,
    seat_cap: int | None = None,
) -> Catalog:
    """Enumerate every feasible candidate of every request.

    Args:
        problem: the fair.
        keep: assignments that must stay exactly (locks are added automatically); their
            candidates are added even if availability changed since they were fixed.
        only: enumerate candidates of these requests only (what-if counting); the
            others stay known to the catalogue, without candidates.
        select: only these (start, in_person) groups of each request (every place
            class of the group); a request not in it gets no candidates. The restricted
            catalogues of column generation (`scheduler.pricing`).
        avail: everyone's availability, when already computed.
        seat_cap: at most this many third-seat people per group (a restricted catalogue:
            a few of an interpreter pool, a different few per request and start).

    Returns:
        The `Catalog`.
    """
    cat = Catalog(problem=problem, avail=avail or _availability(problem, only))
    cat.requests = {r.id: r for r in problem.requests}
    for pool in problem.table_pools.values():
        for t in pool.tables:
            cat.table_pool[t] = pool.id
    starts_by_len: dict[int, list[int]] = {}
    seats: dict[tuple[str, bool, int, int], tuple[str, ...]] = {}
    for req in problem.requests:
        if only is not None and req.id not in only:
            continue
        if req.length not in starts_by_len:
            starts_by_len[req.length] = meeting_starts(problem, req.length)
        groups = None
        if select is not None:
            groups = select.get(req.id)
            if not groups:
                continue
        _add_candidates(cat, req, starts_by_len[req.length], groups, seats, seat_cap)
    fixed = dict(keep or {})
    for req in problem.requests:
        if req.lock is not None:
            fixed[req.id] = req.lock
    for rid, a in fixed.items():
        if rid in cat.requests:
            _force(cat, rid, a)
    return cat


def _availability(problem: Problem, only: set[str] | None) -> dict[str, Availability]:
    """Everyone's availability, or with `only` that of the people its requests involve
    (attendees and their third-seat pools)."""
    if only is None:
        return availability(problem)
    involved = {p for r in problem.requests if r.id in only for p in r.people}
    involved |= {
        p
        for r in problem.requests
        if r.id in only and r.third_seat
        for p in problem.third_seats.get(r.third_seat, ())
    }
    return {
        pid: person_availability(problem.people[pid], problem.slots)
        for pid in involved
        if pid in problem.people
    }


def feasible_groups(
    problem: Problem,
    avail: Mapping[str, Availability],
    req: Request,
    starts: Iterable[int],
    groups: Collection[Group] | None = None,
    seats: dict[tuple[str, bool, int, int], tuple[str, ...]] | None = None,
) -> Iterator[tuple[bool, int, list[tuple[PlaceKind, str]], tuple[str, ...] | None]]:
    """Every (in_person, start) where all attendees, and someone of the third-seat pool
    when the request needs one, are available for the whole meeting, with the group's
    place classes and (third seat) the pool people able to sit in; only `groups` if
    given. `seats` caches who of a pool can sit in a (mode, start, length) across
    requests (the pool's interpreters are the same for each)."""
    people = [avail[p] for p in req.people if p in avail]
    if len(people) != len(req.people):
        return  # an attendee unknown to the problem: cannot be met
    capped = any(
        problem.people[p].max_total == 0 or problem.people[p].max_per_day == 0 for p in req.people
    )
    if capped:
        return
    classes = place_classes(problem, req)
    for in_person in (True, False):
        kinds = [(k, pl) for k, pl in classes if (k is not PlaceKind.ONLINE) == in_person]
        if not kinds:
            continue
        common = frozenset.intersection(*(a.slots(in_person) for a in people))
        for s in starts:
            if groups is not None and (s, in_person) not in groups:
                continue
            span = range(s, s + req.length)
            if not all(t in common for t in span):
                continue
            able: tuple[str, ...] | None = None
            if req.third_seat is not None:
                key = (req.third_seat, in_person, s, req.length)
                free = seats.get(key) if seats is not None else None
                if free is None:
                    free = tuple(
                        p
                        for p in problem.third_seats.get(req.third_seat, ())
                        if p in avail
                        and all(t in avail[p].slots(in_person) for t in span)
                        and problem.people[p].max_total != 0
                    )
                    if seats is not None:
                        seats[key] = free
                able = tuple(p for p in free if p not in req.people)
                if not able:
                    continue
            yield in_person, s, kinds, able


def _add_candidates(
    cat: Catalog,
    req: Request,
    starts: list[int],
    groups: Collection[Group] | None,
    seats: dict[tuple[str, bool, int, int], tuple[str, ...]],
    seat_cap: int | None = None,
) -> None:
    """Every (start, place class) of `feasible_groups` (only `groups`, if given)."""
    found = feasible_groups(cat.problem, cat.avail, req, starts, groups, seats)
    shift = zlib.crc32(req.id.encode())
    for in_person, s, kinds, able in found:
        if able is not None:
            if seat_cap is not None and len(able) > seat_cap:
                k = (shift + 7 * s) % len(able)
                able = (able[k:] + able[:k])[:seat_cap]
            cat.third[(req.id, s, in_person)] = able
        for kind, place in kinds:
            cat.by_request[req.id].append(len(cat.candidates))
            cat.candidates.append(Candidate(req.id, s, req.length, kind, place))


def _force(cat: Catalog, rid: str, a: Assignment) -> None:
    """Make assignment `a` (a lock, or one to keep) the forced candidate of request
    `rid`, adding it (and its third seat) when availability no longer allows it."""
    cand = candidate_of(cat, a)
    idx = cat.index_of(cand)
    is_lock = cat.requests[rid].lock is not None
    if idx is None and not is_lock and not _place_exists(cat.problem, cand, a):
        return  # gap-fill: its booth, table or slot is gone; it is placed afresh
    if idx is None:
        idx = len(cat.candidates)
        cat.candidates.append(cand)
        cat.by_request[rid].append(idx)
    key = (rid, a.start, cand.in_person)
    if a.third_seat is not None:
        seats = cat.third.get(key, ())
        if a.third_seat not in seats:
            cat.third[key] = (*seats, a.third_seat)
    cat.forced[rid] = idx
