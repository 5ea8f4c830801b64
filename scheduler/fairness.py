"""Level 2 on large fairs by local search: give participants with none a meeting.

On expo-sized models the level-2 CP-SAT model finds nothing better than its hint in the
time it gets, so for them we try, for each participant without a meeting who has a
feasible request: insert one of their requests where it still fits (weight only grows),
else swap out the single meeting that blocks it (an attendee's, or one at the full
place when both sides are free) when that meeting weighs no more and its attendees all
keep at least one other meeting. Level 1's value never drops and nobody
who had a meeting loses their last one.
"""

from __future__ import annotations

import time
from collections import Counter

from scheduler.candidates import Candidate, Catalog
from scheduler.ledger import Ledger
from scheduler.problem import Request

Chosen = list[tuple[int, str | None]]


def serve_unserved(cat: Catalog, chosen: Chosen, deadline: float, frozen: set[str]) -> Chosen:
    """Give as many participants with no meeting a meeting as insertions and swaps allow.

    Args:
        cat: the candidate catalogue.
        chosen: the schedule as (candidate index, third-seat person) pairs.
        deadline: `time.perf_counter()` value to stop at.
        frozen: requests that must not be swapped out (locks, published meetings).

    Returns:
        The new schedule (weight ≥ before; nobody served before is left with none).
    """
    booked = _Booked(cat)
    for i, third in chosen:
        booked.book(i, third)
    by_person: dict[str, list[str]] = {}
    for rid, idx in cat.by_request.items():
        if idx:
            for pid in cat.requests[rid].people:
                by_person.setdefault(pid, []).append(rid)
    fixed = set(cat.forced) | frozen
    for pid in sorted(by_person):
        if booked.count[pid] > 0:
            continue
        if time.perf_counter() >= deadline:
            break
        options = sorted(by_person[pid], key=lambda r: -cat.requests[r].weight)
        if not _insert(booked, options):
            _swap(booked, options, fixed)
    return list(booked.current.values())


class _Booked:
    """The schedule being changed, and who and what it puts where."""

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat
        self.led = Ledger(cat)
        self.current: dict[str, tuple[int, str | None]] = {}
        self.at: dict[tuple[str, int], str] = {}  # (person, slot) → request met there
        self.count: Counter[str] = Counter()  # meetings per attendee (not third seats)
        self.place_at: dict[tuple[str, int], set[str]] = {}  # (place, slot) → requests

    def book(self, i: int, third: str | None) -> None:
        cat = self.cat
        c = cat.candidates[i]
        self.led.add(c, third)
        self.current[c.request] = (i, third)
        for t in c.slots:
            self.place_at.setdefault((c.place, t), set()).add(c.request)
        seats = [*cat.requests[c.request].people, *([third] if third else [])]
        for pid in seats:
            for t in c.slots:
                self.at[(pid, t)] = c.request
        for pid in cat.requests[c.request].people:
            self.count[pid] += 1

    def unbook(self, rid: str) -> tuple[int, str | None]:
        cat = self.cat
        i, third = self.current.pop(rid)
        c = cat.candidates[i]
        self.led.remove(c, third)
        for t in c.slots:
            self.place_at[(c.place, t)].discard(rid)
        seats = [*cat.requests[rid].people, *([third] if third else [])]
        for pid in seats:
            for t in c.slots:
                self.at.pop((pid, t), None)
        for pid in cat.requests[rid].people:
            self.count[pid] -= 1
        return i, third

    def blockers(self, req: Request, c: Candidate) -> list[str] | None:
        """The meetings that could be swapped out for candidate `c`: the one meeting of
        an attendee in its way (None when several are), or, with both sides free, those
        at its place (lightest first)."""
        blocking = {self.at[(q, t)] for q in req.people for t in c.slots if (q, t) in self.at}
        if not blocking:
            # both sides free: the place (or a third seat) is what is taken
            blocking = {
                rid2 for rid2 in self.place_at.get((c.place, c.start), ()) if rid2 in self.current
            }
            return sorted(blocking, key=lambda r: self.cat.requests[r].weight)
        if len(blocking) == 1:
            return list(blocking)
        return None


def _insert(booked: _Booked, options: list[str]) -> bool:
    """Book the first of `options` (heaviest first) that still fits somewhere."""
    cat = booked.cat
    for rid in options:
        if rid in booked.current:
            continue
        for i in cat.by_request[rid]:
            ok, third = booked.led.fits(cat.candidates[i])
            if ok:
                booked.book(i, third)
                return True
    return False


def _swap(booked: _Booked, options: list[str], fixed: set[str]) -> bool:
    """Book one of `options` in place of a single meeting that weighs no more, is not
    `fixed`, and whose attendees all keep another meeting."""
    cat = booked.cat
    for rid in options:
        if rid in booked.current:
            break
        req = cat.requests[rid]
        for i in cat.by_request[rid]:
            c = cat.candidates[i]
            tries = booked.blockers(req, c)
            if tries is None:
                continue
            for other in tries:
                o_req = cat.requests[other]
                if other in fixed or o_req.weight > req.weight:
                    continue
                if any(booked.count[q] < 2 for q in o_req.people):
                    continue
                saved = booked.unbook(other)
                ok, third = booked.led.fits(c)
                if ok:
                    booked.book(i, third)
                    return True
                booked.book(*saved)
    return False
