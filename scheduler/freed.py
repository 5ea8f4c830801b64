"""Live re-use of a freed slot: who could meet right now in a meeting's place.

Called by the rooms when a meeting becomes a no-show or is cancelled during the fair.
It must answer within a second at expo scale, so it does not build the candidate
catalogue: it checks only unscheduled requests against the freed slots and place, with
one-slot availability checks in each person's local time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.availability import available_at
from scheduler.problem import Assignment, Mode, PlaceKind, Problem, Request


@dataclass(frozen=True)
class Proposal:
    """A waiting request that could take the freed slot and place, with why it ranks."""

    request: str
    assignment: Assignment
    weight: int
    why: str


def _place_fits(problem: Problem, req: Request, freed: Assignment) -> bool:
    if freed.kind is PlaceKind.ONLINE:
        return req.mode is not Mode.IN_PERSON
    if req.mode is Mode.ONLINE:
        return False
    if freed.kind is PlaceKind.BOOTH:
        return req.booth == freed.place_id
    return any(
        freed.place_id in problem.table_pools[p].tables
        for p in req.table_pools
        if p in problem.table_pools
    )


def propose_for_freed(
    problem: Problem,
    assignments: Iterable[Assignment],
    freed: Assignment,
    now_slot: int,
    limit: int = 5,
    exclude: Iterable[str] = (),
) -> list[Proposal]:
    """Rank waiting requests that could use `freed`'s slot and place right now.

    Args:
        problem: the fair.
        assignments: the current schedule (with or without `freed`; it is ignored).
        freed: the meeting that will not take place.
        now_slot: index of the current slot; only slots from here on are offered.
        limit: how many proposals to return.
        exclude: requests not to propose (say, those whose meeting was a no-show: their
            people are free again, but they had their slot).

    Returns:
        Up to `limit` proposals, best first: higher weight, then people with fewer
        meetings so far, then earlier arrival. Empty if the freed slots are past.
    """
    current = [a for a in assignments if a.request != freed.request]
    placed = {a.request for a in current} | set(exclude)
    busy: dict[str, set[int]] = {}
    count: Counter[str] = Counter()
    per_day: Counter[tuple[str, int]] = Counter()
    reqs = {r.id: r for r in problem.requests}
    for a in current:
        r = reqs.get(a.request)
        if r is None:
            continue
        seats = [*r.people, a.third_seat] if a.third_seat else list(r.people)
        for pid in seats:
            busy.setdefault(pid, set()).update(a.slots)
            count[pid] += 1
            per_day[(pid, problem.slots[a.start].day)] += 1
    first = max(freed.start, now_slot)
    end = freed.start + freed.length
    in_person = freed.kind is not PlaceKind.ONLINE
    people = problem.people

    def free(pid: str, span: range) -> bool:
        p = people.get(pid)
        if p is None or busy.get(pid, set()).intersection(span):
            return False
        day = problem.slots[span.start].day
        if p.max_total is not None and count[pid] >= p.max_total:
            return False
        if p.max_per_day is not None and per_day[(pid, day)] >= p.max_per_day:
            return False
        return all(available_at(p, problem.slots[t], in_person) for t in span)

    out: list[tuple[tuple[int, int, int], Proposal]] = []
    for req in problem.requests:
        if req.id in placed or req.id == freed.request or req.lock is not None:
            continue
        if not _place_fits(problem, req, freed):
            continue
        for start in range(first, end - req.length + 1):
            span = range(start, start + req.length)
            if problem.slots[span[-1]].block != problem.slots[start].block:
                continue
            if not all(free(pid, span) for pid in req.people):
                continue
            third = None
            if req.third_seat is not None:
                third = next(
                    (
                        pid
                        for pid in problem.third_seats.get(req.third_seat, ())
                        if pid not in req.people and free(pid, span)
                    ),
                    None,
                )
                if third is None:
                    continue
            least = min(count[p] for p in req.people)
            why = f"weight {req.weight}"
            if least == 0:
                why += "; gives someone their first meeting"
            a = Assignment(req.id, start, req.length, freed.kind, freed.place_id, third)
            out.append(((-req.weight, least, req.arrival), Proposal(req.id, a, req.weight, why)))
            break
    out.sort(key=lambda x: x[0])
    return [p for _, p in out[:limit]]
