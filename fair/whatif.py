"""What-if on a schedule version: which extra capacity would schedule the most of what it
left out, and applying one such lever to the fair before a re-solve.

`version_levers` runs `scheduler.whatif.what_if` on the fair as it is now
(`fair.planning.build_problem`) and the version's meetings. The levers are a lower bound
(greedy insertion into the unchanged schedule), so a re-solve with the lever applied
schedules at least the promised number more, as long as the fair has not changed
otherwise.

`apply_lever` changes the fair's rows; the caller then starts the usual re-solve (the
published grid as its start, moves priced, see docs/scheduler.md), which stores a new
draft. Two levers are broader than their promise, because the fair has no finer rows:
tables are added to the pavilion for the whole fair (not only the block the lever
names), and the extra slot ends every day one slot later (the fair has one closing time).
More capacity never lowers what the re-solve can reach.
"""

from __future__ import annotations

import hashlib
import time as clock
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.errors import NotFound
from fair.importer import parse_window
from fair.models import Company, Fair, Meeting, MeetingTable, Participant, Pavilion, PlaceKind
from fair.planning import Planning, build_problem, problem_digest
from fair.requests import FieldError
from fair.versions import get_version
from scheduler.whatif import Lever, what_if

KINDS = ("tables", "slot", "hours")
MAX_EXTRA_TABLES = 20  # a lever offers 1 or 2; more by hand is a typo, not a plan
CACHE_SIZE = 8  # versions whose levers a process keeps


@dataclass(frozen=True)
class WhatIf:
    """A version's levers, most meetings gained first, how long they took, and the
    names a page shows for them: the levers' people (key → (name and company, time
    zone)) and pavilions (key → name)."""

    version: int
    left_out: int
    levers: tuple[Lever, ...]
    seconds: float
    people: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    pavilions: Mapping[str, str] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class Change:
    """One lever to apply, as the organiser chose it: `kind` and what it needs
    (`pool` and `tables` for "tables"; `person` and `earlier` for "hours")."""

    kind: str
    pool: str = ""
    tables: int = 0
    person: str = ""
    earlier: bool = False


def version_assignments(
    session: Session, planning: Planning, version_id: int
) -> tuple[sp.Assignment, ...]:
    """A version's meetings as the scheduler's assignments on `planning`'s grid (meetings
    of requests no longer accepted, off the grid, or at a booth or table that is gone
    are left out)."""
    request_key = {v: k for k, v in planning.request_ids.items()}
    planned = {r.id for r in planning.problem.requests}
    slot_at = {s.start: s.index for s in planning.slots}
    table_key = {v: k for k, v in planning.table_ids.items()}
    booth_key = {v: k for k, v in planning.booth_ids.items()}
    person_key = {v: k for k, v in planning.person_ids.items()}
    minutes = planning.fair.slot_minutes
    out = []
    for m in session.exec(
        select(Meeting).where(Meeting.version_id == version_id).order_by(col(Meeting.id))
    ):
        key = request_key.get(m.request_id)
        if key not in planned or m.start not in slot_at:
            continue
        assert key is not None
        if m.place_kind == PlaceKind.BOOTH:
            place = booth_key.get(m.booth_id, "") if m.booth_id is not None else ""
        elif m.place_kind == PlaceKind.TABLE:
            place = table_key.get(m.table_id, "") if m.table_id is not None else ""
        else:
            place = m.room
        if not place:  # its booth or table is gone: the meeting no longer holds a place
            continue
        out.append(
            sp.Assignment(
                request=key,
                start=slot_at[m.start],
                length=round((m.end - m.start).total_seconds() / 60 / minutes),
                kind=sp.PlaceKind(m.place_kind),
                place_id=place,
                third_seat=person_key.get(m.third_seat_id) if m.third_seat_id else None,
            )
        )
    return tuple(out)


def _cache_key(version_id: int, planning: Planning, assignments: tuple[sp.Assignment, ...]) -> str:
    """The levers depend on the fair as the solver sees it and on the version's meetings
    (a draft may still be edited by hand), nothing else."""
    text = problem_digest(planning.problem) + repr(sorted(assignments, key=lambda a: a.request))
    return f"{version_id}:{hashlib.sha256(text.encode()).hexdigest()}"


def _names(session: Session, fair_id: int, levers: list[Lever]) -> dict[str, Any]:
    keys = {lv.person for lv in levers if lv.person}
    people = {
        p.key: (f"{p.name}, {c.name}", p.timezone)
        for p, c in session.exec(
            select(Participant, Company)
            .join(Company, col(Company.id) == col(Participant.company_id))
            .where(Participant.fair_id == fair_id, col(Participant.key).in_(keys))
        )
    }
    pavilions = {
        p.key: p.name for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))
    }
    return {"people": people, "pavilions": pavilions}


def version_levers(
    session: Session,
    fair_id: int,
    number: int,
    limit: int = 5,
    cache: MutableMapping[str, WhatIf] | None = None,
) -> WhatIf:
    """The levers for schedule version `number`, most meetings gained first.

    Blocking and CPU-bound (seconds on an expo-sized fair): run it off the event loop.
    With `cache`, a version whose fair and meetings are unchanged is answered from it.
    """
    version = get_version(session, fair_id, number)
    assert version.id is not None
    planning = build_problem(session, fair_id)
    assignments = version_assignments(session, planning, version.id)
    key = _cache_key(version.id, planning, assignments)
    if cache is not None and key in cache:
        return replace(cache[key], cached=True)
    began = clock.perf_counter()
    result = sp.Result(status=sp.Status.FEASIBLE, assignments=assignments)
    levers = what_if(planning.problem, result, zone=planning.fair.timezone, limit=limit)
    placed = {a.request for a in assignments}
    answer = WhatIf(
        version=version.number,
        left_out=sum(1 for r in planning.problem.requests if r.id not in placed),
        levers=tuple(levers),
        seconds=round(clock.perf_counter() - began, 3),
        **_names(session, fair_id, levers),
    )
    if cache is not None:
        while len(cache) >= CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = answer
    return answer


def _fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _add_tables(session: Session, fair: Fair, pool: str, count: int) -> str:
    if not 1 <= count <= MAX_EXTRA_TABLES:
        raise FieldError("tables", f"between 1 and {MAX_EXTRA_TABLES}")
    # NUL: PostgreSQL cannot compare it, and no key has one
    pavilion = (
        None
        if "\x00" in pool
        else session.exec(
            select(Pavilion).where(Pavilion.fair_id == fair.id, Pavilion.key == pool)
        ).first()
    )
    if pavilion is None:
        raise FieldError("pool", f"no pavilion {pool!r}")
    taken = set(session.exec(select(MeetingTable.key).where(MeetingTable.fair_id == fair.id)))
    added: list[str] = []
    n = 1
    while len(added) < count:
        key = f"{pool}-X{n:02d}"
        if key not in taken:
            assert fair.id is not None and pavilion.id is not None
            session.add(MeetingTable(fair_id=fair.id, pavilion_id=pavilion.id, key=key))
            added.append(key)
        n += 1
    return f"added {', '.join(added)} to the {pool} pavilion"


def _add_slot(session: Session, fair: Fair) -> str:
    end = datetime.combine(fair.start, fair.day_end) + timedelta(minutes=fair.slot_minutes)
    if end.date() != fair.start or end.time() == time(0):
        raise FieldError("kind", "one more slot would run past midnight")
    fair.day_end = end.time()
    session.add(fair)
    return f"every day now ends at {fair.day_end:%H:%M}"


def _hhmm(t: time) -> str:
    return "24:00" if t == time.max else f"{t:%H:%M}"


def _widen(session: Session, fair: Fair, key: str, earlier: bool) -> str:
    person = (
        None
        if "\x00" in key  # as for a pool's key
        else session.exec(
            select(Participant).where(Participant.fair_id == fair.id, Participant.key == key)
        ).first()
    )
    if person is None:
        raise FieldError("person", f"no participant {key!r}")
    if not person.windows:
        raise FieldError("person", f"{key} has no working hours to widen")
    day = datetime(2000, 1, 2)
    wider = []
    for text in person.windows:
        lo, hi = parse_window(text)
        if earlier:
            lo = max(datetime.combine(day, lo) - timedelta(hours=1), day).time()
        elif hi != time.max:
            later = datetime.combine(day, hi) + timedelta(hours=1)
            hi = (
                later.time() if later.date() == day.date() and later.time() != time(0) else time.max
            )
        wider.append((lo, hi))
    merged: list[tuple[time, time]] = []
    for lo, hi in sorted(wider):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    windows = [f"{_hhmm(lo)}-{_hhmm(hi)}" for lo, hi in merged]
    if windows == person.windows:
        raise FieldError("person", f"{key}'s hours cannot grow that way")
    person.windows = windows
    session.add(person)
    return f"{key} is now available {', '.join(windows)} ({person.timezone})"


def apply_lever(session: Session, fair_id: int, change: Change) -> str:
    """Change the fair as `change` says (the caller commits, then starts a re-solve);
    returns what was changed, in words.

    Raises `FieldError` naming `kind`, `pool`, `tables` or `person` when it cannot apply.
    """
    fair = _fair(session, fair_id)
    if change.kind == "tables":
        done = _add_tables(session, fair, change.pool, change.tables)
    elif change.kind == "slot":
        done = _add_slot(session, fair)
    elif change.kind == "hours":
        done = _widen(session, fair, change.person, change.earlier)
    else:
        raise FieldError("kind", f"one of {', '.join(KINDS)}")
    session.flush()
    return done
