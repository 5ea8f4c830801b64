"""Figures of a schedule that the levels optimise and the benchmark prints.

Computed from assignments alone (plus the problem), so any method's output is measured the
same way: total weight, participants left with none although they had a feasible request,
idle slots between a person's meetings on a day, meetings at the edges of a person's
local day, and table changes between a person's consecutive in-person meetings.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduler.candidates import Catalog, build_catalog
from scheduler.problem import Assignment, PlaceKind, Problem

DAY_START_H, DAY_END_H = 9, 18  # a comfortable local day (edges are outside it)


@dataclass(frozen=True)
class Figures:
    """Quality figures of one schedule."""

    scheduled: int
    weight: int
    people_with_none: int  # participants with a feasible request but no meeting
    participants: int  # participants with a feasible request
    idle_slots: int
    edge_meetings: int
    table_changes: int
    min_meetings: int  # fewest meetings of a served participant

    @property
    def idle_per_person(self) -> float:
        served = self.participants - self.people_with_none
        return self.idle_slots / served if served else 0.0


def figures(
    problem: Problem, assignments: Iterable[Assignment], catalog: Catalog | None = None
) -> Figures:
    """Measure a schedule.

    Args:
        problem: the fair.
        assignments: the schedule.
        catalog: the problem's catalogue if already built (to know who had a feasible request).

    Returns:
        The `Figures`.
    """
    cat = catalog or build_catalog(problem)
    reqs = {r.id: r for r in problem.requests}
    given = list(assignments)
    eligible = {p for rid, idx in cat.by_request.items() if idx for p in reqs[rid].people}
    count: defaultdict[str, int] = defaultdict(int)
    busy: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    places: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)
    edges = 0
    zones: dict[str, ZoneInfo] = {}
    for a in given:
        req = reqs[a.request]
        first, last = problem.slots[a.start], problem.slots[a.start + a.length - 1]
        seats = list(req.people) + ([a.third_seat] if a.third_seat else [])
        for pid in seats:
            tz = problem.people[pid].timezone
            zone = zones.setdefault(tz, ZoneInfo(tz))
            lo, hi = first.start.astimezone(zone), last.end.astimezone(zone)
            end_h = hi.hour + hi.minute / 60
            if lo.hour < DAY_START_H or end_h > DAY_END_H or hi.date() != lo.date():
                edges += 1
            busy[(pid, first.day)].extend(a.slots)
            if a.kind is not PlaceKind.ONLINE:
                places[pid].append((a.start, a.place_id))
        for pid in req.people:
            count[pid] += 1
    idle = 0
    for ts in busy.values():
        idle += (max(ts) - min(ts) + 1) - len(set(ts))
    changes = 0
    for seq in places.values():
        seq.sort()
        changes += sum(1 for x, y in itertools.pairwise(seq) if x[1] != y[1])
    served = [count[p] for p in eligible if count[p] > 0]
    return Figures(
        scheduled=len(given),
        weight=sum(reqs[a.request].weight for a in given),
        people_with_none=sum(1 for p in eligible if count[p] == 0),
        participants=len(eligible),
        idle_slots=idle,
        edge_meetings=edges,
        table_changes=changes,
        min_meetings=min(served, default=0),
    )
