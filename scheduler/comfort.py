"""Level 3 by local search: move meetings to close idle gaps and leave the day's edges.

A weight-optimal schedule left alone has far more idle slots than greedy (greedy packs
everyone into the earliest slots). CP-SAT on the full comfort model spends seconds in
presolve and then improves by a handful of slots per second at video scale, so the
comfort level first runs this local search and lets CP-SAT polish only small models.

Every move keeps the *set* of scheduled requests, so level 1 (weight) and level 2
(who has how many meetings) keep exactly their values; a move re-times one meeting
(possibly to another place class or day, caps permitting) when that lowers idle slots
plus edge-of-day meetings of the people involved. Meetings still at their published slot
are not moved on a re-solve, so level 4 keeps its value too.
"""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from scheduler.candidates import Candidate, Catalog
from scheduler.ledger import Ledger

Chosen = list[tuple[int, str | None]]
DAY_START_H, DAY_END_H = 9, 18


class _Cost:
    """Idle slots per person-day and edge-of-day penalties per candidate."""

    def __init__(self, cat: Catalog, led: Ledger):
        self.cat = cat
        self.led = led
        slots = cat.problem.slots
        self.day = [s.day for s in slots]
        self.day_range: dict[int, tuple[int, int]] = {}
        for s in slots:
            lo, hi = self.day_range.get(s.day, (s.index, s.index))
            self.day_range[s.day] = (min(lo, s.index), max(hi, s.index))
        self._edge: dict[tuple[str, int, int], int] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def idle(self, pid: str, day: int) -> int:
        busy = self.led.busy.get(pid)
        if not busy:
            return 0
        lo, hi = self.day_range[day]
        ts = [t for t in range(lo, hi + 1) if t in busy]
        return (ts[-1] - ts[0] + 1 - len(ts)) if ts else 0

    def edge(self, pid: str, cand: Candidate) -> int:
        key = (pid, cand.start, cand.length)
        hit = self._edge.get(key)
        if hit is None:
            tz = self.cat.problem.people[pid].timezone
            zone = self._zones.setdefault(tz, ZoneInfo(tz))
            slots = self.cat.problem.slots
            lo = slots[cand.start].start.astimezone(zone)
            hi = slots[cand.start + cand.length - 1].end.astimezone(zone)
            end_h = hi.hour + hi.minute / 60
            hit = int(lo.hour < DAY_START_H or end_h > DAY_END_H or hi.date() != lo.date())
            self._edge[key] = hit
        return hit

    def local(self, people: list[str], days: set[int], cand: Candidate | None) -> int:
        """Idle slots of `people` on `days` plus edge penalties of `cand` (if placed)."""
        cost = sum(self.idle(p, d) for p in people for d in days)
        if cand is not None:
            cost += sum(self.edge(p, cand) for p in people)
        return cost


def total_cost(cat: Catalog, chosen: Chosen) -> int:
    """Idle slots plus edge-of-day meetings of a schedule (what the search lowers)."""
    led = Ledger(cat)
    for i, third in chosen:
        led.add(cat.candidates[i], third)
    cost = _Cost(cat, led)
    idle = sum(cost.idle(p, d) for p in led.busy for d in cost.day_range)
    edges = 0
    for i, third in chosen:
        c = cat.candidates[i]
        people = list(cat.requests[c.request].people) + ([third] if third else [])
        edges += sum(cost.edge(p, c) for p in people)
    return idle + edges


def improve_comfort(
    cat: Catalog, chosen: Chosen, deadline: float, frozen: set[str] | None = None
) -> Chosen:
    """Re-time meetings (same requests) to lower idle slots plus edge-of-day meetings.

    Args:
        cat: the candidate catalogue.
        chosen: the schedule as (candidate index, third-seat person) pairs.
        deadline: `time.perf_counter()` value to stop at.
        frozen: request ids that must not move (locks, kept published meetings).

    Returns:
        The improved schedule (never worse than `chosen`).
    """
    led = Ledger(cat)
    current: dict[str, tuple[int, str | None]] = {}
    for i, third in chosen:
        led.add(cat.candidates[i], third)
        current[cat.candidates[i].request] = (i, third)
    cost = _Cost(cat, led)
    fixed = set(cat.forced) | (frozen or set())
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for rid in list(current):
            if rid in fixed:
                continue
            if time.perf_counter() >= deadline:
                break
            i, third = current[rid]
            c = cat.candidates[i]
            people = list(cat.requests[rid].people)
            seats = [*people, third] if third else people
            led.remove(c, third)
            best = (0, i, third)
            old_day = cost.day[c.start]
            base_cost: dict[tuple[int, str | None], int] = {}
            # the cost depends on the slots and the seats, not the place: online, booth
            # and pool candidates at one start cost the same (on the tight expo this
            # halved the additions and removals the search makes)
            deltas: dict[tuple[int, int, str | None], int] = {}
            for j in cat.by_request[rid]:
                if j == i:
                    continue
                alt = cat.candidates[j]
                ok, t2 = led.fits(alt)
                if not ok:
                    continue
                delta = deltas.get((alt.start, alt.length, t2))
                if delta is None:
                    seats2 = list(dict.fromkeys([*seats, t2])) if t2 else seats
                    days = {old_day, cost.day[alt.start]}
                    key = (cost.day[alt.start], t2)
                    if key not in base_cost:
                        led.add(c, third)
                        base_cost[key] = cost.local(seats2, days, c)
                        led.remove(c, third)
                    led.add(alt, t2)
                    delta = cost.local(seats2, days, alt) - base_cost[key]
                    led.remove(alt, t2)
                    deltas[(alt.start, alt.length, t2)] = delta
                if delta < best[0]:
                    best = (delta, j, t2)
            led.add(cat.candidates[best[1]], best[2])
            if best[1] != i:
                current[rid] = (best[1], best[2])
                improved = True
    return list(current.values())


def in_person_first(cat: Catalog, chosen: Chosen, keep: set[str]) -> Chosen:
    """Move online meetings to the booth or a table pool of the same request at the same
    start, in the request's place order, where the place has room (and a third seat on
    site when one is needed): people who can both be on site meet there.

    The LP leaves out in-person variables a video room does as well (`lp.dominated`),
    so level 1 would otherwise leave such meetings online. Every level keeps its value:
    the same requests at the same slots with the same people (third seats aside, who
    stay when they can). Requests in `keep` (locked, or published on a re-solve) stay.

    Returns:
        The schedule as (candidate index, third-seat person) pairs.
    """
    led = Ledger(cat)
    for i, third in chosen:
        led.add(cat.candidates[i], third)
    out: Chosen = []
    for i, third in chosen:
        c = cat.candidates[i]
        if c.in_person or c.request in keep or c.request in cat.forced:
            out.append((i, third))
            continue
        led.remove(c, third)
        moved = next(
            (
                (k, seat)
                for k in cat.by_request[c.request]
                if cat.candidates[k].in_person and cat.candidates[k].start == c.start
                for ok, seat in (led.fits(cat.candidates[k]),)
                if ok
            ),
            None,
        )
        if moved is None:
            led.add(c, third)
            out.append((i, third))
            continue
        k, seat = moved
        alt = cat.candidates[k]
        pool = cat.third.get((alt.request, alt.start, True), ())
        if third is not None and third in pool and led.person_ok(third, alt):
            seat = third
        led.add(alt, seat)
        out.append((k, seat))
    return out
