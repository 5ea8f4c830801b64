"""Translation between the database and the pure `scheduler`.

`build_problem` reads a fair and turns it into a `scheduler.problem.Problem` (people by
their organiser id, requests by their request id, pools per pavilion), one small step per
part: people with their busy times, places, requests (mutual ones folded), and the
published schedule as the starting point; `store_result`
writes a solver `Result` as a new draft `ScheduleVersion` with its meetings, inputs and
figures, so a run can be reproduced or rolled back.

Weights (level 1 of the objective, see docs/scheduler.md): a request is worth the
requester's priority plus the other side's (3 when they have not rated it), plus 3 when
the interest is mutual (both companies asked each other; only the earlier request is
planned, the later one is folded into it).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.errors import NotFound
from fair.models import (
    Booth,
    BusyTime,
    Company,
    Fair,
    FairBreak,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
    RequestAttendee,
    RequestStatus,
    Roadshow,
    RoadshowStatus,
    Role,
    ScheduleVersion,
    VersionStatus,
)
from fair.rules import DEFAULT_TO_PRIORITY
from fair.slots import GridSlot, build_slots
from fair.versions import latest_version, latest_version_held, published_version

MUTUAL_BONUS = 3


@dataclass(frozen=True)
class Planning:
    """A problem plus what is needed to map the solver's answer back to rows."""

    fair: Fair
    problem: sp.Problem
    slots: tuple[GridSlot, ...]
    request_ids: Mapping[str, int]  # request key → MeetingRequest.id
    person_ids: Mapping[str, int]  # participant key → Participant.id
    booth_ids: Mapping[str, int]
    table_ids: Mapping[str, int]
    folded: Mapping[str, str]  # mutual request key → key of the request it was folded into
    keys: MeetingKeys  # reads stored meetings back as assignments


def fair_slots(session: Session, fair: Fair) -> list[GridSlot]:
    breaks = session.exec(select(FairBreak).where(FairBreak.fair_id == fair.id)).all()
    return build_slots(
        fair.timezone,
        fair.start,
        fair.days,
        fair.day_start,
        fair.day_end,
        fair.slot_minutes,
        [(b.start, b.end) for b in breaks],
    )


def _window(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    end_time = time.max if end == "24:00" else time.fromisoformat(end)
    return time.fromisoformat(start), end_time


def person_dates(
    dates: Mapping[str, list[str]],
) -> tuple[tuple[date, tuple[tuple[time, time], ...]], ...]:
    """A participant's own hours per local date (`Participant.dates`) for the scheduler."""
    return tuple(
        (date.fromisoformat(day), tuple(_window(w) for w in windows))
        for day, windows in sorted(dates.items())
    )


def _away(slots: list[GridSlot], p: Participant) -> list[tuple[datetime, datetime]]:
    """Busy intervals before the participant arrives and after they leave: no meeting of
    any kind then (the grid's own span bounds them)."""
    if not slots:
        return []
    first, last = slots[0].start, slots[-1].end
    out = []
    if p.arrives is not None and p.arrives > first:
        out.append((first, p.arrives))
    if p.departs is not None and p.departs < last:
        out.append((p.departs, last))
    return out


@dataclass(frozen=True)
class _FairRows:
    """The rows of a fair that the problem is built from, read once."""

    fair: Fair
    slots: list[GridSlot]
    pavilions: dict[int | None, Pavilion]
    booths: dict[int | None, Booth]
    tables: list[MeetingTable]  # by key, so pools list their tables in a stable order
    companies: dict[int | None, Company]
    participants: dict[int | None, Participant]


def _read_fair(session: Session, fair_id: int) -> _FairRows:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return _FairRows(
        fair=fair,
        slots=fair_slots(session, fair),
        pavilions={
            p.id: p for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))
        },
        booths={b.id: b for b in session.exec(select(Booth).where(Booth.fair_id == fair_id))},
        tables=list(
            session.exec(
                select(MeetingTable)
                .where(MeetingTable.fair_id == fair_id)
                .order_by(col(MeetingTable.key))
            )
        ),
        companies={
            c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))
        },
        participants={
            p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
        },
    )


def _busy_times(session: Session, rows: _FairRows) -> dict[int, list[tuple[datetime, datetime]]]:
    """Imported busy times per participant id, and the presenters' roadshows."""
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for bt in session.exec(
        select(BusyTime).where(col(BusyTime.participant_id).in_(list(rows.participants)))
    ):
        busy.setdefault(bt.participant_id, []).append((bt.start, bt.end))
    # A presenter is busy for their roadshows (fair.roadshows), like for imported busy times.
    for show in session.exec(
        select(Roadshow).where(
            Roadshow.fair_id == rows.fair.id, col(Roadshow.status) != RoadshowStatus.CANCELLED
        )
    ):
        busy.setdefault(show.presenter_id, []).append((show.start, show.end))
    return busy


def _people(
    rows: _FairRows, busy: Mapping[int, list[tuple[datetime, datetime]]]
) -> tuple[dict[str, sp.Person], dict[str, tuple[str, ...]]]:
    """The scheduler's people by participant key, and who can take each third seat."""
    people: dict[str, sp.Person] = {}
    third_seats: dict[str, list[str]] = {}
    for p in rows.participants.values():
        assert p.id is not None
        people[p.key] = sp.Person(
            id=p.key,
            company=rows.companies[p.company_id].name,
            timezone=p.timezone,
            windows=tuple(_window(w) for w in p.windows),
            dates=person_dates(p.dates),
            onsite_days=frozenset(d - 1 for d in p.onsite_days),
            busy=tuple(sorted(busy.get(p.id, []) + _away(rows.slots, p))),
            max_per_day=p.max_per_day,
            max_total=p.max_total,
            languages=tuple(p.languages),
        )
        for pair in p.interprets:
            third_seats.setdefault(f"interpreter:{pair}", []).append(p.key)
        if p.service:
            third_seats.setdefault(f"service:{p.service}", []).append(p.key)
    return people, {k: tuple(sorted(v)) for k, v in third_seats.items()}


def _places(rows: _FairRows) -> tuple[dict[str, sp.TablePool], dict[str, sp.Booth]]:
    """One table pool per pavilion with tables (by pavilion key), and the booths."""
    pools: dict[str, sp.TablePool] = {}
    by_pavilion: dict[int, list[MeetingTable]] = {}
    for t in rows.tables:
        by_pavilion.setdefault(t.pavilion_id, []).append(t)
    for pav_id, items in by_pavilion.items():
        key = rows.pavilions[pav_id].key
        pools[key] = sp.TablePool(
            id=key,
            pavilion=key,
            tables=tuple(t.key for t in items),
            capacity=tuple(t.capacity for t in items),
        )
    booths = {
        b.key: sp.Booth(id=b.key, pavilion=rows.pavilions[b.pavilion_id].key, tables=b.tables)
        for b in rows.booths.values()
    }
    return pools, booths


def _accepted_requests(
    session: Session, rows: _FairRows
) -> tuple[list[MeetingRequest], dict[int, dict[str, list[str]]]]:
    """Accepted requests in arrival order, and their extra attendees' keys per side."""
    requests = list(
        session.exec(
            select(MeetingRequest)
            .where(
                MeetingRequest.fair_id == rows.fair.id,
                MeetingRequest.status == RequestStatus.ACCEPTED,
            )
            .order_by(col(MeetingRequest.created_at), col(MeetingRequest.id))
        )
    )
    attendees: dict[int, dict[str, list[str]]] = {}
    for att in session.exec(
        select(RequestAttendee).where(col(RequestAttendee.request_id).in_([r.id for r in requests]))
    ):
        attendees.setdefault(att.request_id, {}).setdefault(att.side, []).append(
            rows.participants[att.participant_id].key
        )
    return requests, attendees


def _fold_mutual(
    requests: list[MeetingRequest], participants: Mapping[int | None, Participant]
) -> tuple[list[MeetingRequest], set[int], dict[str, str]]:
    """The requests to plan, the ids of those whose interest is mutual, and each folded
    request's key → the key of the earlier request it was folded into."""
    by_company_pair: dict[tuple[int, int], MeetingRequest] = {}
    folded: dict[str, str] = {}
    mutual: set[int] = set()
    planned: list[MeetingRequest] = []
    for r in requests:
        company_a = participants[r.from_id].company_id
        company_b = participants[r.to_id].company_id
        earlier = by_company_pair.get((company_b, company_a))
        if earlier is not None and earlier.from_id == r.to_id and earlier.to_id == r.from_id:
            assert earlier.id is not None
            mutual.add(earlier.id)
            folded[r.key] = earlier.key
            continue
        by_company_pair.setdefault((company_a, company_b), r)
        planned.append(r)
    return planned, mutual, folded


def _scheduler_requests(
    rows: _FairRows,
    planned: list[MeetingRequest],
    mutual: set[int],
    attendees: Mapping[int, dict[str, list[str]]],
    pools: dict[str, sp.TablePool],
) -> list[sp.Request]:
    """The planned requests as the scheduler sees them, weighted (see the module's
    docstring) and placed at the host's booth or their pavilion's tables."""

    def place_for(company: Company) -> tuple[str | None, tuple[str, ...]]:
        booth = rows.booths[company.booth_id].key if company.booth_id is not None else None
        pavilion_id = company.pavilion_id
        pool = rows.pavilions[pavilion_id].key if pavilion_id is not None else None
        return booth, ((pool,) if pool in pools else ())

    out: list[sp.Request] = []
    for arrival, r in enumerate(planned):
        assert r.id is not None
        sender, receiver = rows.participants[r.from_id], rows.participants[r.to_id]
        ca, cb = rows.companies[sender.company_id], rows.companies[receiver.company_id]
        host = cb if cb.role == Role.EXHIBITOR or ca.role != Role.EXHIBITOR else ca
        booth, table_pools = place_for(host)
        if not table_pools and not booth:
            table_pools = tuple(pools)
        extra = attendees.get(r.id, {})
        weight = r.priority + (r.to_priority or DEFAULT_TO_PRIORITY)
        if r.id in mutual:
            weight += MUTUAL_BONUS
        out.append(
            sp.Request(
                id=r.key,
                company_a=ca.name,
                company_b=cb.name,
                side_a=(sender.key, *sorted(extra.get("from", []))),
                side_b=(receiver.key, *sorted(extra.get("to", []))),
                weight=weight,
                mode=sp.Mode(r.mode),
                length=r.length,
                booth=booth,
                table_pools=table_pools,
                third_seat=r.third_seat or None,
                arrival=arrival,
            )
        )
    return out


@dataclass(frozen=True)
class MeetingKeys:
    """Row ids → the scheduler's keys, to read stored meetings back as assignments."""

    slot_at: Mapping[datetime, int]
    request: Mapping[int, str]
    booth: Mapping[int, str]
    table: Mapping[int, str]
    person: Mapping[int, str]
    slot_minutes: int

    @classmethod
    def of(cls, rows: _FairRows, requests: list[MeetingRequest]) -> MeetingKeys:
        return cls(
            slot_at={s.start: s.index for s in rows.slots},
            request={r.id: r.key for r in requests if r.id is not None},
            booth={i: b.key for i, b in rows.booths.items() if i is not None},
            table={t.id: t.key for t in rows.tables if t.id is not None},
            person={i: p.key for i, p in rows.participants.items() if i is not None},
            slot_minutes=rows.fair.slot_minutes,
        )

    def assignment(self, m: Any) -> sp.Assignment | None:
        """The meeting as the scheduler's assignment (None: its request is no longer
        accepted, or it is off the grid)."""
        if m.request_id not in self.request or m.start not in self.slot_at:
            return None
        length = round((m.end - m.start).total_seconds() / 60 / self.slot_minutes)
        if m.place_kind == PlaceKind.BOOTH and m.booth_id is not None:
            place = self.booth[m.booth_id]
        elif m.place_kind == PlaceKind.TABLE and m.table_id is not None:
            place = self.table[m.table_id]
        else:
            place = m.room
        third = self.person[m.third_seat_id] if m.third_seat_id is not None else None
        kind = sp.PlaceKind(m.place_kind)
        start = self.slot_at[m.start]
        return sp.Assignment(self.request[m.request_id], start, length, kind, place, third)


_READ = ("request_id", "start", "end", "place_kind", "booth_id", "table_id", "room")


def version_assignments(
    session: Session, keys: MeetingKeys, version: ScheduleVersion | None, locked_only: bool = False
) -> dict[str, sp.Assignment]:
    """The meetings of `version` (only the locked ones, if asked) by request key."""
    if version is None:
        return {}
    # the columns only, not whole rows: a fair's meetings are read on every hand edit
    columns = [col(getattr(Meeting, c)) for c in (*_READ, "third_seat_id")]
    query = sa.select(*columns).where(col(Meeting.version_id) == version.id)
    if locked_only:
        query = query.where(col(Meeting.locked).is_(True))
    found: dict[str, sp.Assignment] = {}
    for m in session.execute(query):
        a = keys.assignment(m)
        if a is not None:
            found[a.request] = a
    return found


def build_problem(session: Session, fair_id: int) -> Planning:
    """The scheduler's view of the fair: accepted requests, people, places, the grid,
    and the published schedule as `previous` (for a re-solve with few moves).

    Read fresh from the database; `fair.problem_cache.planning_for` gives the same
    answer from a cache that follows every change (for live features and hand edits)."""
    planning = build_base(session, fair_id)
    assert planning.fair.id is not None
    # The organiser's locks live on the newest version's meetings (fair.grid_edits);
    # the published schedule is where a re-solve starts from.
    keys = planning.keys
    locks = version_assignments(
        session, keys, latest_version(session, planning.fair.id), locked_only=True
    )
    previous = version_assignments(session, keys, published_version(session, planning.fair.id))
    return with_schedules(planning, locks, previous)


def build_base(session: Session, fair_id: int) -> Planning:
    """`build_problem` without what comes from schedule versions: no locks, and no
    previous schedule (`with_schedules` adds them)."""
    rows = _read_fair(session, fair_id)
    people, third_seats = _people(rows, _busy_times(session, rows))
    pools, booths = _places(rows)
    requests, attendees = _accepted_requests(session, rows)
    planned, mutual, folded = _fold_mutual(requests, rows.participants)
    keys = MeetingKeys.of(rows, requests)
    problem = sp.Problem(
        slots=tuple(
            sp.Slot(index=s.index, start=s.start, end=s.end, day=s.day, block=s.block)
            for s in rows.slots
        ),
        people=people,
        requests=tuple(_scheduler_requests(rows, planned, mutual, attendees, pools)),
        booths=booths,
        table_pools=pools,
        online_capacity=rows.fair.online_rooms or None,
        third_seats=third_seats,
    )
    return Planning(
        fair=rows.fair,
        problem=problem,
        slots=tuple(rows.slots),
        request_ids={r.key: r.id for r in requests if r.id is not None},
        person_ids={p.key: p.id for p in rows.participants.values() if p.id is not None},
        booth_ids={b.key: b.id for b in rows.booths.values() if b.id is not None},
        table_ids={t.key: t.id for t in rows.tables if t.id is not None},
        folded=folded,
        keys=keys,
    )


def with_schedules(
    planning: Planning, locks: Mapping[str, sp.Assignment], previous: Mapping[str, sp.Assignment]
) -> Planning:
    """`planning` (from `build_base`) with the organiser's locks (the newest version's
    locked meetings) on its requests and `previous` (the published schedule)."""
    requests = tuple(
        replace(r, lock=locks[r.id]) if r.id in locks else r for r in planning.problem.requests
    )
    return replace(
        planning, problem=replace(planning.problem, requests=requests, previous=dict(previous))
    )


def problem_digest(problem: sp.Problem) -> str:
    """A stable fingerprint of the solver's input, recorded with each version."""
    payload = json.dumps(
        {
            "slots": [(s.start.isoformat(), s.block) for s in problem.slots],
            "people": sorted(repr(p) for p in problem.people.values()),
            "requests": [repr(r) for r in problem.requests],
            "booths": sorted(repr(b) for b in problem.booths.values()),
            "pools": sorted(repr(p) for p in problem.table_pools.values()),
            "online": problem.online_capacity,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _finite(x: float) -> float | None:
    """JSON (and PostgreSQL) have no NaN or infinity: an unknown figure is null."""
    return x if math.isfinite(x) else None


def store_result(
    session: Session,
    planning: Planning,
    result: sp.Result,
    options: sp.Options,
    figures: Mapping[str, Any] | None = None,
) -> ScheduleVersion:
    """Write `result` as the fair's next draft version (the caller commits)."""
    fair = planning.fair
    assert fair.id is not None
    latest = latest_version_held(session, fair.id)  # an edit making a draft: take turns
    version = ScheduleVersion(
        fair_id=fair.id,
        number=(latest.number + 1) if latest else 1,
        status=VersionStatus.DRAFT,
        method=result.method,
        seed=options.seed,
        workers=options.workers,
        time_limit=options.time_limit,
        figures={
            "status": str(result.status),
            "seconds": round(result.seconds, 3),
            "requests": len(planning.problem.requests),
            "scheduled": len(result.assignments),
            "weight": sum(
                r.weight
                for r in planning.problem.requests
                if r.id in {a.request for a in result.assignments}
            ),
            "levels": [
                {
                    "level": lv.level,
                    "name": lv.name,
                    "value": _finite(lv.value),
                    "bound": _finite(lv.bound),
                    "status": str(lv.status),
                    "seconds": round(lv.seconds, 3),
                }
                for lv in result.levels
            ],
            "unscheduled": {
                k: {
                    "code": v.code,
                    "text": v.text,
                    "template": v.template,
                    "params": dict(v.params),
                }
                for k, v in result.unscheduled.items()
            },
            "folded": dict(planning.folded),
            **(figures or {}),
        },
        inputs={
            "digest": problem_digest(planning.problem),
            "slots": len(planning.problem.slots),
            "people": len(planning.problem.people),
            "requests": len(planning.problem.requests),
        },
    )
    session.add(version)
    session.flush()
    assert version.id is not None
    locked = {r.id for r in planning.problem.requests if r.lock is not None}
    for a in result.assignments:
        first = planning.slots[a.start]
        last = planning.slots[a.start + a.length - 1]
        session.add(
            Meeting(
                fair_id=fair.id,
                version_id=version.id,
                request_id=planning.request_ids[a.request],
                start=first.start,
                end=last.end,
                place_kind=PlaceKind(a.kind),
                booth_id=planning.booth_ids[a.place_id] if a.kind == sp.PlaceKind.BOOTH else None,
                table_id=planning.table_ids[a.place_id] if a.kind == sp.PlaceKind.TABLE else None,
                room=a.place_id if a.kind == sp.PlaceKind.ONLINE else "",
                third_seat_id=planning.person_ids[a.third_seat] if a.third_seat else None,
                locked=a.request in locked,
            )
        )
    session.flush()
    return version
