"""Incremental bookkeeping of who and what is taken in which slot.

Used by the constructive methods (FCFS, greedy, freed-slot proposals, what-if counting):
a candidate fits when every attendee is free, the place has room in every slot, a third
seat is free and no cap is reached. The CP-SAT model expresses the same rules as
constraints; the validator checks them independently.
"""

from __future__ import annotations

from collections import Counter

from scheduler.candidates import Candidate, Catalog
from scheduler.problem import PlaceKind, Problem


class Ledger:
    """Occupancy of people, booths, pools and online rooms, slot by slot."""

    def __init__(self, catalog: Catalog, extra_capacity: dict[tuple[str, int], int] | None = None):
        self.cat = catalog
        self.problem: Problem = catalog.problem
        self.busy: dict[str, set[int]] = {}
        self.place_use: Counter[tuple[str, int]] = Counter()
        self.day_count: Counter[tuple[str, int]] = Counter()
        self.total_count: Counter[str] = Counter()
        # (place id, slot) → extra capacity on top of the problem's (what-if levers)
        self.extra = extra_capacity or {}
        self._day = [s.day for s in self.problem.slots]
        self._people = {rid: r.people for rid, r in catalog.requests.items()}

    def capacity(self, cand: Candidate, slot: int) -> int:
        """Meetings the candidate's place can host at once in `slot`."""
        extra = self.extra.get((cand.place, slot), 0)
        # a lock may name a booth or table that no longer exists: it holds one meeting
        if cand.kind is PlaceKind.BOOTH:
            booth = self.problem.booths.get(cand.place)
            return (booth.tables if booth is not None else 1) + extra
        if cand.kind is PlaceKind.TABLE:
            pool = self.problem.table_pools.get(cand.place)
            return (pool.total_capacity() if pool is not None else 1) + extra
        cap = self.problem.online_capacity
        return 1 << 30 if cap is None else cap + extra

    def person_ok(self, pid: str, cand: Candidate) -> bool:
        busy = self.busy.get(pid)
        if busy is not None and any(t in busy for t in cand.slots):
            return False
        person = self.problem.people[pid]
        if person.max_total is not None and self.total_count[pid] >= person.max_total:
            return False
        if person.max_per_day is not None:
            day = self._day[cand.start]
            if self.day_count[(pid, day)] >= person.max_per_day:
                return False
        return True

    def fits(self, cand: Candidate) -> tuple[bool, str | None]:
        """Whether `cand` can be added now.

        Returns:
            (fits, third-seat person to use or None when the request needs none).
        """
        req = self.cat.requests[cand.request]
        if not all(self.person_ok(p, cand) for p in self._people[req.id]):
            return False, None
        if not all(self.place_use[(cand.place, t)] < self.capacity(cand, t) for t in cand.slots):
            return False, None
        if req.third_seat is None:
            return True, None
        for pid in self.cat.third.get((req.id, cand.start, cand.in_person), ()):
            if self.person_ok(pid, cand):
                return True, pid
        return False, None

    def add(self, cand: Candidate, third: str | None) -> None:
        """Book `cand` (and its third seat)."""
        req = self.cat.requests[cand.request]
        people = list(req.people) + ([third] if third is not None else [])
        day = self._day[cand.start]
        for pid in people:
            self.busy.setdefault(pid, set()).update(cand.slots)
            self.day_count[(pid, day)] += 1
            self.total_count[pid] += 1
        for t in cand.slots:
            self.place_use[(cand.place, t)] += 1

    def remove(self, cand: Candidate, third: str | None) -> None:
        """Undo `add`."""
        req = self.cat.requests[cand.request]
        people = list(req.people) + ([third] if third is not None else [])
        day = self._day[cand.start]
        for pid in people:
            self.busy[pid].difference_update(cand.slots)
            self.day_count[(pid, day)] -= 1
            self.total_count[pid] -= 1
        for t in cand.slots:
            self.place_use[(cand.place, t)] -= 1
