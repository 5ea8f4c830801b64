"""Why each request was left out, in words a person understands.

Two cases. A request with *no* candidate could never be met: we find which rule closes
every door (working hours in different time zones, on-site days, busy times, attending
days, caps, a missing interpreter, no place for its mode). A request *with* candidates
lost to the rest of the schedule: for each candidate we look at what blocks it in the
final schedule, and report the most telling reason (a free pair but no free place, a
free pair and place but no free interpreter, a cap reached, or one side fully booked
with higher-priority meetings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from scheduler.availability import inside_windows, local_wall
from scheduler.candidates import (
    Catalog,
    build_catalog,
    candidate_of,
    meeting_starts,
    place_classes,
)
from scheduler.ledger import Ledger
from scheduler.problem import Assignment, Mode, Person, PlaceKind, Problem, Reason, Request


def N_(template: str) -> str:
    """Marks a reason's template for the translation catalogues (`./dev messages`); the
    scheduler itself stays free of any translation machinery."""
    return template


def _hours_text(pid: str, person: Person) -> str:
    """A person's hours for a reason: their first window and zone, and how many dates
    have hours of their own ("p1 09:00–12:00 Asia/Seoul, 2 dates apart")."""
    text = pid
    if person.windows:
        text += f" {person.windows[0][0]:%H:%M}–{person.windows[0][1]:%H:%M}"
    if person.dates:
        text += f" ({len(person.dates)} dates apart)"
    return f"{text} {person.timezone}"


def _fmt(moment: datetime, zone: str) -> str:
    return f"{local_wall(moment, zone):%a %H:%M}"


def _never(problem: Problem, cat: Catalog, req: Request) -> Reason:
    """Reason for a request with no candidate at all."""
    people = problem.people
    missing = [p for p in req.people if p not in people]
    if missing:
        return Reason.of(
            "unknown_person",
            N_("%(people)s is not registered for the fair."),
            people=", ".join(missing),
        )
    for pid in req.people:
        p = people[pid]
        if p.max_total == 0 or p.max_per_day == 0:
            return Reason.of("cap", N_("%(person)s accepts no meetings (cap of 0)."), person=pid)
    if not place_classes(problem, req):
        template = {
            Mode.IN_PERSON: N_("There is no booth or table this meeting could use."),
            Mode.ONLINE: N_("There is no video room this meeting could use."),
        }.get(req.mode, N_("There is no place this meeting could use."))
        return Reason.of("no_place", template)
    slots = problem.slots
    starts = set(meeting_starts(problem, req.length))
    if not starts:
        return Reason.of(
            "no_common_time", N_("The grid has no %(length)s consecutive slots."), length=req.length
        )
    modes = [
        m
        for m in (True, False)
        if any((k is not PlaceKind.ONLINE) == m for k, _ in place_classes(problem, req))
    ]
    # the tests below relax one rule at a time to find the one that closes every door
    hours = [{s.index for s in slots if inside_windows(people[pid], s)} for pid in req.people]
    if not set.intersection(*hours):
        desc = "; ".join(
            _hours_text(pid, people[pid])
            for pid in req.people
            if people[pid].windows or people[pid].dates
        )
        return Reason.of(
            "no_common_time",
            N_("No common time: working hours in their time zones do not overlap (%(hours)s)."),
            hours=desc,
        )
    days = [
        {s.index for s in slots if people[pid].days is None or s.day in (people[pid].days or ())}
        for pid in req.people
    ]
    if not set.intersection(*hours, *days):
        return Reason.of(
            "no_common_time", N_("No common time: they attend the fair on different days.")
        )
    if modes == [True]:
        onsite = [
            {s.index for s in slots if s.day in people[pid].onsite_days} for pid in req.people
        ]
        if not set.intersection(*hours, *days, *onsite):
            return Reason.of(
                "no_common_time",
                N_("No common time on site: their on-site days do not match (in-person only)."),
            )
    avail = cat.avail
    common = set.intersection(
        *[set(avail[pid].online if modes != [True] else avail[pid].onsite) for pid in req.people]
    )
    if not common:
        return Reason.of(
            "no_common_time",
            N_("No common time: busy (calendar or roadshow) whenever both are free."),
        )
    if not any(all(t in common for t in range(s, s + req.length)) for s in starts):
        return Reason.of(
            "no_common_time",
            N_("No common run of %(length)s consecutive free slots for a %(length)s-slot meeting."),
            length=req.length,
        )
    if req.third_seat is not None:
        pool = problem.third_seats.get(req.third_seat, ())
        if not pool:
            return Reason.of(
                "no_third_seat", N_("Nobody can act as %(role)s."), role=req.third_seat
            )
        return Reason.of(
            "no_third_seat",
            N_("No %(role)s is available at any time both sides are free."),
            role=req.third_seat,
        )
    return Reason.of("no_common_time", N_("No common available time."))


def _lost(
    cat: Catalog,
    led: Ledger,
    req: Request,
    by_person: dict[str, list[Assignment]],
) -> Reason:
    """Reason for a request that had candidates but did not make it into the schedule."""
    problem = cat.problem
    blockers: Counter[str] = Counter()
    who: Counter[str] = Counter()
    higher = True
    any_cap: Reason | None = None
    for i in cat.by_request[req.id]:
        c = cat.candidates[i]
        people_free = True
        for pid in req.people:
            if not led.person_ok(pid, c):
                people_free = False
                who[pid] += 1
                p = problem.people[pid]
                if p.max_total is not None and led.total_count[pid] >= p.max_total:
                    any_cap = Reason.of(
                        "cap",
                        N_("%(person)s has reached their cap of %(cap)s meetings."),
                        person=pid,
                        cap=p.max_total,
                    )
                elif (
                    p.max_per_day is not None
                    and led.day_count[(pid, problem.slots[c.start].day)] >= p.max_per_day
                ):
                    any_cap = Reason.of(
                        "cap",
                        N_("%(person)s has reached their cap of %(cap)s meetings that day."),
                        person=pid,
                        cap=p.max_per_day,
                    )
        if not people_free:
            continue
        if not all(led.place_use[(c.place, t)] < led.capacity(c, t) for t in c.slots):
            blockers["place"] += 1
            continue
        blockers["third"] += 1
    if blockers["place"]:
        return Reason.of(
            "no_place",
            N_(
                "Both sides were free at some time, but no booth, table or video room was "
                "free then."
            ),
        )
    if blockers["third"]:
        return Reason.of(
            "no_third_seat",
            N_("Both sides and a place were free, but no %(role)s was available then."),
            role=req.third_seat,
        )
    if any_cap is not None:
        return any_cap
    requester = any(p in who for p in req.side_a)
    busiest = who.most_common(1)[0][0] if who else "?"
    for a in by_person.get(busiest, []):
        if cat.requests[a.request].weight < req.weight:
            higher = False
    template = {
        (True, True): N_(
            "The requester side (%(person)s) is fully booked at every common time with "
            "higher-priority meetings."
        ),
        (True, False): N_("The requester side (%(person)s) is fully booked at every common time."),
        (False, True): N_(
            "The exhibitor side (%(person)s) is fully booked at every common time with "
            "higher-priority meetings."
        ),
        (False, False): N_("The exhibitor side (%(person)s) is fully booked at every common time."),
    }[(requester, higher)]
    return Reason.of("fully_booked", template, person=busiest)


def explain(
    problem: Problem, assignments: Iterable[Assignment], catalog: Catalog | None = None
) -> dict[str, Reason]:
    """A `Reason` for every request not in `assignments`.

    Args:
        problem: the fair.
        assignments: the schedule (any method).
        catalog: the problem's catalogue, if already built.

    Returns:
        request id → `Reason`.
    """
    cat = catalog or build_catalog(problem)
    placed = {a.request: a for a in assignments}
    led = Ledger(cat)
    by_person: dict[str, list[Assignment]] = {}
    for a in placed.values():
        req = cat.requests.get(a.request)
        if req is None:
            continue
        led.add(candidate_of(cat, a), a.third_seat)
        for pid in req.people:
            by_person.setdefault(pid, []).append(a)
    out: dict[str, Reason] = {}
    for req in problem.requests:
        if req.id in placed:
            continue
        if not cat.by_request.get(req.id):
            out[req.id] = _never(problem, cat, req)
        else:
            out[req.id] = _lost(cat, led, req, by_person)
    return out
