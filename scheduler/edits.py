"""Why a meeting can or cannot go to a given slot and place: the organiser's hand edits.

`scheduler.validate` is the authority on a whole schedule but speaks in slot numbers; this
module answers the organiser's question about *one* meeting against the others, naming who
or what is in the way (busy with which meeting, outside whose hours in their zone, which
place is full, no interpreter free), and lists every target of a meeting with its verdict
so the grid can mark them while dragging. It indexes what the other meetings occupy once
(`Occupancy`), so checking every cell of a fair's grid stays fast at expo scale.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.availability import inside_windows
from scheduler.problem import Assignment, Mode, PlaceKind, Problem, Reason, Request, Slot
from scheduler.reasons import N_
from scheduler.tables import online_room


def _local(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%a %H:%M}"


@dataclass(frozen=True)
class Target:
    """One place a meeting could go: its first slot, the kind of place and its id."""

    slot: int
    kind: PlaceKind
    place: str


@dataclass(frozen=True)
class Verdict:
    """A target with the reasons it is refused (none: the meeting may go there), and the
    third seat it would get."""

    target: Target
    reasons: tuple[Reason, ...]
    third_seat: str | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons


class Occupancy:
    """What a set of meetings occupies: people and places per slot, video rooms, and
    meetings per person per day and in total."""

    def __init__(self, problem: Problem, assignments: Iterable[Assignment] = ()) -> None:
        self.problem = problem
        self.requests = {r.id: r for r in problem.requests}
        self.capacity: dict[tuple[PlaceKind, str], int] = {}
        for pool in problem.table_pools.values():
            caps = pool.capacity or (1,) * len(pool.tables)
            for table, cap in zip(pool.tables, caps, strict=True):
                self.capacity[(PlaceKind.TABLE, table)] = cap
        for booth in problem.booths.values():
            self.capacity[(PlaceKind.BOOTH, booth.id)] = booth.tables
        self.person_slot: dict[tuple[str, int], str] = {}
        self._all_at: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        self.place_slot: defaultdict[tuple[PlaceKind, str, int], list[str]] = defaultdict(list)
        self.online_slot: Counter[int] = Counter()
        self.per_day: Counter[tuple[str, int]] = Counter()
        self.total: Counter[str] = Counter()
        for a in assignments:
            self.add(a)

    def people_of(self, a: Assignment) -> tuple[str, ...]:
        req = self.requests[a.request]
        return req.people + ((a.third_seat,) if a.third_seat else ())

    def add(self, a: Assignment) -> None:
        day = self.problem.slots[a.start].day
        for pid in self.people_of(a):
            self.per_day[(pid, day)] += 1
            self.total[pid] += 1
            for t in a.slots:
                self.person_slot[(pid, t)] = a.request
                self._all_at[(pid, t)].append(a.request)
        for t in a.slots:
            self.place_slot[(a.kind, a.place_id, t)].append(a.request)
            if a.kind is PlaceKind.ONLINE:
                self.online_slot[t] += 1

    def remove(self, a: Assignment) -> None:
        """Take back `add(a)`: afterwards the index is as if `a` had never been added
        (a cached index follows a schedule edit by edit instead of being rebuilt)."""
        day = self.problem.slots[a.start].day
        for pid in self.people_of(a):
            self.per_day[(pid, day)] -= 1
            self.total[pid] -= 1
            for t in a.slots:
                here = self._all_at[(pid, t)]
                here.remove(a.request)
                if here:
                    self.person_slot[(pid, t)] = here[-1]
                else:
                    del self.person_slot[(pid, t)], self._all_at[(pid, t)]
        for t in a.slots:
            places = self.place_slot[(a.kind, a.place_id, t)]
            places.remove(a.request)
            if not places:
                del self.place_slot[(a.kind, a.place_id, t)]
            if a.kind is PlaceKind.ONLINE:
                self.online_slot[t] -= 1

    def free_room(self, start: int, length: int) -> str:
        """The lowest-numbered video room free for the whole meeting."""
        n = 0
        while any(
            self.place_slot.get((PlaceKind.ONLINE, online_room(n), t))
            for t in range(start, start + length)
        ):
            n += 1
        return online_room(n)


class Checker:
    """Reasons one meeting cannot be at a target, given the other meetings.

    `names` turns a person's id into the words shown (their name); `labels` a request id
    into the words for a meeting ("Hanse Feinkost ↔ 부산해양식품"); `zone` is the fair's
    time zone for the times in the reasons.
    """

    def __init__(
        self,
        occupancy: Occupancy,
        zone: str,
        names: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.occ = occupancy
        self.problem = occupancy.problem
        self.zone = zone
        self.names = names or {}
        self.labels = labels or {}

    def _who(self, pid: str) -> str:
        return self.names.get(pid, pid)

    def _what(self, rid: str) -> str:
        return self.labels.get(rid, rid)

    def _at(self, slot: Slot) -> str:
        return _local(slot.start, self.zone)

    def _where(self, req: Request, target: Target) -> list[Reason]:
        """The slots (one block, on the grid) and the place (mode, the request's own)."""
        slots = self.problem.slots
        end = target.slot + req.length
        if target.slot < 0 or end > len(slots):
            return [Reason.of("off_grid", N_("The meeting does not fit in the grid there."))]
        first = slots[target.slot]
        if any(s.block != first.block or s.day != first.day for s in slots[target.slot : end]):
            return [
                Reason.of(
                    "break",
                    N_("%(length)s slots from %(time)s run into a break or the end of the day."),
                    length=req.length,
                    time=self._at(first),
                )
            ]
        in_person = target.kind is not PlaceKind.ONLINE
        if req.mode is Mode.IN_PERSON and not in_person:
            return [Reason.of("mode", N_("This meeting is in person only."))]
        if req.mode is Mode.ONLINE and in_person:
            return [Reason.of("mode", N_("This meeting is online only."))]
        if target.kind is PlaceKind.BOOTH and target.place != req.booth:
            return [
                Reason.of(
                    "place", N_("Booth %(place)s is not the host's booth."), place=target.place
                )
            ]
        if target.kind is PlaceKind.TABLE:
            pool = next(
                (p for p in self.problem.table_pools.values() if target.place in p.tables), None
            )
            if pool is None or pool.id not in req.table_pools:
                return [
                    Reason.of(
                        "place",
                        N_("Table %(place)s is not in a meeting area this meeting can use."),
                        place=target.place,
                    )
                ]
        return []

    def person(self, pid: str, req: Request, target: Target) -> list[Reason]:
        """Why `pid` cannot attend at the target: days, hours in their zone, busy times,
        another meeting, caps."""
        person = self.problem.people.get(pid)
        who = self._who(pid)
        if person is None:
            return [
                Reason.of(
                    "unknown_person", N_("%(people)s is not registered for the fair."), people=who
                )
            ]
        out: list[Reason] = []
        in_person = target.kind is not PlaceKind.ONLINE
        slots = self.problem.slots[target.slot : target.slot + req.length]
        day = slots[0].day
        if person.days is not None and day not in person.days:
            out.append(
                Reason.of(
                    "days",
                    N_("%(person)s does not attend on day %(day)s."),
                    person=who,
                    day=day + 1,
                )
            )
        elif in_person and day not in person.onsite_days:
            out.append(
                Reason.of(
                    "onsite",
                    N_("%(person)s is not on site on day %(day)s."),
                    person=who,
                    day=day + 1,
                )
            )
        for s in slots:
            if not inside_windows(person, s):
                out.append(
                    Reason.of(
                        "hours",
                        N_("%(time)s is outside %(person)s's hours (%(local)s in %(zone)s)."),
                        time=self._at(s),
                        person=who,
                        local=_local(s.start, person.timezone),
                        zone=person.timezone,
                    )
                )
                break
        for s in slots:
            if any(lo < s.end and s.start < hi for lo, hi in person.busy):
                out.append(
                    Reason.of(
                        "busy", N_("%(person)s is busy at %(time)s."), person=who, time=self._at(s)
                    )
                )
                break
        for s in slots:
            other = self.occ.person_slot.get((pid, s.index))
            if other is not None and other != req.id:
                out.append(
                    Reason.of(
                        "booked",
                        N_("%(person)s is in another meeting at %(time)s (%(meeting)s)."),
                        person=who,
                        time=self._at(s),
                        meeting=self._what(other),
                    )
                )
                break
        if person.max_per_day is not None and self.occ.per_day[(pid, day)] >= person.max_per_day:
            out.append(
                Reason.of(
                    "cap",
                    N_("%(person)s already has %(count)s meetings that day (cap %(cap)s)."),
                    person=who,
                    count=self.occ.per_day[(pid, day)],
                    cap=person.max_per_day,
                )
            )
        if person.max_total is not None and self.occ.total[pid] >= person.max_total:
            out.append(
                Reason.of(
                    "cap",
                    N_("%(person)s already has %(count)s meetings (cap %(cap)s)."),
                    person=who,
                    count=self.occ.total[pid],
                    cap=person.max_total,
                )
            )
        return out

    def _room(self, req: Request, target: Target) -> list[Reason]:
        """The place and the video rooms have room for one more meeting."""
        for t in range(target.slot, target.slot + req.length):
            here = self.occ.place_slot.get((target.kind, target.place, t), [])
            cap = self.occ.capacity.get((target.kind, target.place), 1)
            if len(here) >= cap:
                return [
                    Reason.of(
                        "full",
                        N_("%(place)s is full at %(time)s (%(meetings)s)."),
                        place=target.place,
                        time=self._at(self.problem.slots[t]),
                        meetings="; ".join(self._what(r) for r in here),
                    )
                ]
            rooms = self.problem.online_capacity
            if (
                target.kind is PlaceKind.ONLINE
                and rooms is not None
                and self.occ.online_slot[t] >= rooms
            ):
                return [
                    Reason.of(
                        "full",
                        N_("All %(rooms)s video rooms are taken at %(time)s."),
                        rooms=rooms,
                        time=self._at(self.problem.slots[t]),
                    )
                ]
        return []

    def check(self, req: Request, target: Target, third_seat: str | None = None) -> Verdict:
        """The verdict for `req` at `target`. A meeting that needs an interpreter or a
        service provider keeps `third_seat` when they are free, else gets the first free
        one of its pool; none free is a reason of its own."""
        if req.lock is not None and (
            req.lock.start,
            req.lock.kind,
            req.lock.place_id,
        ) != (target.slot, target.kind, target.place):
            return Verdict(
                target, (Reason.of("locked", N_("This meeting is locked; unlock it first.")),)
            )
        where = self._where(req, target)
        if where:
            return Verdict(target, tuple(where))
        reasons = self._room(req, target)
        for pid in req.people:
            reasons += self.person(pid, req, target)
        seat = None
        if req.third_seat is not None:
            pool = self.problem.third_seats.get(req.third_seat, ())
            order = ([third_seat] if third_seat in pool else []) + [
                p for p in pool if p != third_seat
            ]
            seat = next(
                (p for p in order if p not in req.people and not self.person(p, req, target)), None
            )
            if seat is None:
                reasons.append(
                    Reason.of(
                        "no_third_seat",
                        N_("No one for %(seat)s is free then."),
                        seat=req.third_seat.split(":", 1)[-1],
                    )
                )
        return Verdict(target, tuple(reasons), seat)

    def targets(self, req: Request, third_seat: str | None = None) -> list[Verdict]:
        """Every target of `req` (each slot it may start at, each place of its kind) with
        its verdict, in slot then place order. Video rooms: the lowest free one per slot,
        or every room when the fair has a fixed number."""
        places: list[tuple[PlaceKind, str]] = []
        if req.mode is not Mode.ONLINE:
            if req.booth is not None and req.booth in self.problem.booths:
                places.append((PlaceKind.BOOTH, req.booth))
            for pool_id in req.table_pools:
                pool = self.problem.table_pools.get(pool_id)
                if pool is not None:
                    places += [(PlaceKind.TABLE, t) for t in pool.tables]
        out: list[Verdict] = []
        rooms = self.problem.online_capacity
        for slot in range(len(self.problem.slots) - req.length + 1):
            here = list(places)
            if req.mode is not Mode.IN_PERSON:
                if rooms is None:
                    here.append((PlaceKind.ONLINE, self.occ.free_room(slot, req.length)))
                else:
                    here += [(PlaceKind.ONLINE, online_room(i)) for i in range(rooms)]
            out += [self.check(req, Target(slot, kind, place), third_seat) for kind, place in here]
        return out
