"""The variable container and the hard constraints as plain linear rows.

Variables are 0/1: one per candidate (request × start × place class, see
`scheduler.candidates`) and, for requests that need an interpreter or provider, one per
(request, start, mode, third-seat person). Each constraint builder below returns rows over
these indices; the LP relaxation (`scheduler.lp`) and the CP-SAT model (`scheduler.cpsat`)
are both built from the same rows, so they can never disagree about the rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scheduler.candidates import ONLINE, Catalog
from scheduler.problem import PlaceKind

Key = tuple[object, ...]


@dataclass
class Row:
    """`lb <= sum(coef * x[var]) <= ub`; `coefs` None means all ones."""

    key: Key
    vars: list[int]
    ub: float
    lb: float = float("-inf")
    coefs: list[float] | None = None


@dataclass
class Variables:
    """Index space of the model's 0/1 variables."""

    catalog: Catalog
    n_cand: int
    # third-seat variables, index n_cand + k: (request id, start, in_person, person id)
    third: list[tuple[str, int, bool, str]] = field(default_factory=list)
    # (request id, start, in_person) → candidate indices sharing that third-seat choice
    groups: dict[tuple[str, int, bool], list[int]] = field(default_factory=dict)
    group_third: dict[tuple[str, int, bool], list[int]] = field(default_factory=dict)
    forced: set[int] = field(default_factory=set)

    @property
    def size(self) -> int:
        return self.n_cand + len(self.third)

    def weight(self, var: int) -> int:
        if var >= self.n_cand:
            return 0
        return self.catalog.requests[self.catalog.candidates[var].request].weight

    def weights(self) -> list[float]:
        """Every variable's `weight`, found per request rather than per variable (a
        third-seat variable weighs nothing)."""
        out = [0.0] * self.size
        cat = self.catalog
        for rid, idx in cat.by_request.items():
            w = float(cat.requests[rid].weight)
            for j in idx:
                out[j] = w
        return out

    def people(self, var: int) -> tuple[str, ...]:
        """Who sits in the meeting of `var` (a third-seat var: only that person)."""
        if var >= self.n_cand:
            return (self.third[var - self.n_cand][3],)
        return self.catalog.requests[self.catalog.candidates[var].request].people


def make_variables(catalog: Catalog) -> Variables:
    """Index every candidate and every third-seat choice.

    Args:
        catalog: the candidate catalogue.

    Returns:
        The `Variables` container (forced = locked or kept meetings).
    """
    v = Variables(catalog=catalog, n_cand=len(catalog.candidates))
    for i, c in enumerate(catalog.candidates):
        req = catalog.requests[c.request]
        if req.third_seat is not None:
            v.groups.setdefault((c.request, c.start, c.in_person), []).append(i)
    for key in v.groups:
        idx = []
        for pid in catalog.third.get(key, ()):
            idx.append(v.n_cand + len(v.third))
            v.third.append((*key, pid))
        v.group_third[key] = idx
    for rid, i in catalog.forced.items():
        v.forced.add(i)
        lock = catalog.requests[rid].lock
        prev = lock or catalog.problem.previous.get(rid)
        c = catalog.candidates[i]
        if prev is not None and prev.third_seat is not None:
            for j in v.group_third.get((rid, c.start, c.in_person), ()):
                if v.third[j - v.n_cand][3] == prev.third_seat:
                    v.forced.add(j)
    return v


def request_once(v: Variables) -> list[Row]:
    """Each request is met at most once."""
    return [Row(("req", rid), list(idx), 1) for rid, idx in v.catalog.by_request.items()]


def person_slot_vars(v: Variables) -> dict[tuple[str, int], list[int]]:
    """(person, slot) → variables whose meeting seats that person in that slot."""
    out: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    cat = v.catalog
    people_of = {rid: r.people for rid, r in cat.requests.items()}
    for i, c in enumerate(cat.candidates):
        start = c.start
        for t in range(start, start + c.length):
            for pid in people_of[c.request]:
                out[(pid, t)].append(i)
    for k, (rid, start, _, pid) in enumerate(v.third):
        for t in range(start, start + cat.requests[rid].length):
            out[(pid, t)].append(v.n_cand + k)
    return out


def no_double_booking(v: Variables, by_person_slot: dict[tuple[str, int], list[int]]) -> list[Row]:
    """Nobody (attendee or third seat) is in two meetings in one slot."""
    return [Row(("person", *k), idx, 1) for k, idx in by_person_slot.items() if len(idx) > 1]


def place_capacity(v: Variables) -> list[Row]:
    """Booths host `tables` meetings per slot, pools their total, online rooms their cap."""
    cat = v.catalog
    problem = cat.problem
    use: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    for i, c in enumerate(cat.candidates):
        if c.kind is PlaceKind.ONLINE and problem.online_capacity is None:
            continue
        for t in c.slots:
            use[(c.place, t)].append(i)
    rows = []
    for (place, t), idx in use.items():
        if place in problem.booths:
            cap = problem.booths[place].tables
        elif place in problem.table_pools:
            cap = problem.table_pools[place].total_capacity()
        elif place == ONLINE:
            cap = problem.online_capacity or 0
        else:
            cap = 1  # a lock's booth or table that no longer exists
        if len(idx) > cap:
            rows.append(Row(("place", place, t), idx, cap))
    return rows


def caps(v: Variables) -> list[Row]:
    """Per-person caps on meetings per day and in total."""
    cat = v.catalog
    people = cat.problem.people
    day = [s.day for s in cat.problem.slots]
    per_day: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    total: defaultdict[str, list[int]] = defaultdict(list)
    capped = {
        pid for pid, p in people.items() if p.max_per_day is not None or p.max_total is not None
    }
    if not capped:
        return []
    capped_of = {rid: tuple(p for p in r.people if p in capped) for rid, r in cat.requests.items()}
    for var in range(v.size):
        if var < v.n_cand:
            c = cat.candidates[var]
            start, who = c.start, capped_of[c.request]
        else:
            _, start, _, pid3 = v.third[var - v.n_cand]
            who = (pid3,) if pid3 in capped else ()
        for pid in who:
            p = people[pid]
            if p.max_per_day is not None:
                per_day[(pid, day[start])].append(var)
            if p.max_total is not None:
                total[pid].append(var)
    rows = []
    for (pid, d), idx in per_day.items():
        cap = people[pid].max_per_day or 0
        if len(idx) > cap:
            rows.append(Row(("day-cap", pid, d), idx, cap))
    for pid, idx in total.items():
        cap = people[pid].max_total or 0
        if len(idx) > cap:
            rows.append(Row(("total-cap", pid), idx, cap))
    return rows


def third_seat_links(v: Variables) -> list[Row]:
    """A meeting that needs a third seat has exactly one, chosen from its pool."""
    rows = []
    for key, cands in v.groups.items():
        thirds = v.group_third.get(key, [])
        rows.append(
            Row(
                ("third", *key),
                thirds + cands,
                0,
                0,
                [1.0] * len(thirds) + [-1.0] * len(cands),
            )
        )
    return rows


@dataclass
class HardModel:
    """Variables plus every hard-constraint row."""

    vars: Variables
    rows: list[Row]
    by_person_slot: dict[tuple[str, int], list[int]]


def hard_model(catalog: Catalog) -> HardModel:
    """Build the variables and all hard-constraint rows of `catalog`'s problem.

    Args:
        catalog: the candidate catalogue.

    Returns:
        The `HardModel`.
    """
    v = make_variables(catalog)
    ps = person_slot_vars(v)
    rows = (
        request_once(v)
        + no_double_booking(v, ps)
        + place_capacity(v)
        + caps(v)
        + third_seat_links(v)
    )
    return HardModel(v, rows, ps)


def encode(v: Variables, chosen: list[tuple[int, str | None]]) -> list[int]:
    """Variable indices at 1 for chosen (candidate index, third-seat person) pairs."""
    ones: list[int] = []
    for i, third in chosen:
        ones.append(i)
        if third is None:
            continue
        c = v.catalog.candidates[i]
        for j in v.group_third.get((c.request, c.start, c.in_person), ()):
            if v.third[j - v.n_cand][3] == third:
                ones.append(j)
    return ones


def decode(v: Variables, ones: list[int]) -> list[tuple[int, str | None]]:
    """(candidate index, third-seat person) pairs of a 0/1 solution."""
    seat: dict[tuple[str, int, bool], str] = {}
    for j in ones:
        if j >= v.n_cand:
            rid, start, ip, pid = v.third[j - v.n_cand]
            seat[(rid, start, ip)] = pid
    out = []
    for j in ones:
        if j < v.n_cand:
            c = v.catalog.candidates[j]
            out.append((j, seat.get((c.request, c.start, c.in_person))))
    return out
