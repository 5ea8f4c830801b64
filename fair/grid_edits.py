"""The organiser's hand edits of the meeting grid, on a working draft version.

Move a meeting to another slot or place, swap two, unschedule one, add one for an
accepted request, lock or unlock one, and undo the last edit. Every edit goes into the
fair's working draft (the newest version when it is a draft; otherwise a copy of the
newest, so a published version never changes), is checked first for the meeting itself
(`scheduler.edits`, which names who or what is in the way) and then on the whole
resulting schedule by the independent validator (`scheduler.validate`): an edit that
adds a violation is refused. Each edit is recorded in the draft's figures with what it
replaced, so it can be undone. A locked meeting is kept in place by every later solve
(`fair.planning` turns it into the scheduler's lock).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair import problem_cache
from fair.errors import Conflict, NotFound
from fair.grid_view import diff_places, draft_diff
from fair.models import (
    Meeting,
    MeetingStatus,
    PlaceKind,
    ScheduleVersion,
    VersionStatus,
    utcnow,
)
from fair.planning import Planning
from fair.publishing import VersionDiff
from fair.requests import FieldError
from fair.versions import latest_version, latest_version_held
from scheduler.edits import Checker, Target, Verdict
from scheduler.reasons import N_
from scheduler.validate import validate


class EditRefused(Conflict):
    """An edit the schedule cannot take, with every reason (who or what is in the way)."""

    def __init__(self, reasons: Sequence[sp.Reason]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(r.text for r in self.reasons))


@dataclass(frozen=True)
class EditOutcome:
    """The draft after an edit: its number, the meetings the edit touched (request keys),
    and how the draft now differs from the published version (None: nothing published)."""

    draft: int
    changed: tuple[str, ...]
    diff: VersionDiff | None


@dataclass
class _Workspace:
    """A version with the scheduler's view of the fair and of its meetings: the cached
    workspace of `fair.problem_cache` (its meetings indexed and kept validated), which
    this edit holds alone until `_release`."""

    version: ScheduleVersion
    cached: problem_cache.Workspace
    dirty: bool = False  # its index no longer holds the meetings as they are
    released: bool = False

    @property
    def planning(self) -> Planning:
        return self.cached.planning

    @property
    def problem(self) -> sp.Problem:
        return self.cached.planning.problem

    @property
    def current(self) -> Mapping[str, sp.Assignment]:
        """Request key → where it is now."""
        return self.cached.meetings.assignments

    def request(self, key: str) -> sp.Request:
        for r in self.problem.requests:
            if r.id == key:
                return r
        folded = self.planning.folded.get(key)
        if folded is not None:
            raise Conflict(f"request {key} is planned as {folded} (mutual interest)")
        raise NotFound(f"no accepted request {key}")

    def checker(self, leave_out: Sequence[str]) -> Checker:
        """A checker against every meeting but `leave_out`'s: they are taken out of the
        cached index (`_release` with the edit's outcome puts the index right again)."""
        occupancy = self.cached.occupancy
        self.dirty = True
        for key in leave_out:
            a = self.current.get(key)
            if a is not None:
                occupancy.remove(a)
        cw = self.cached
        return Checker(occupancy, self.planning.fair.timezone, cw.names, cw.labels)

    def target(self, start: datetime, place: str) -> Target:
        """The cell at `start` (UTC) and `place` (a booth, a table, a video room, or
        "online" for any free video room)."""
        slot = next((s.index for s in self.problem.slots if s.start == start), None)
        if slot is None:
            raise FieldError("start", f"no slot of the grid starts at {start.isoformat()}")
        if place in self.problem.booths:
            return Target(slot, sp.PlaceKind.BOOTH, place)
        if any(place in pool.tables for pool in self.problem.table_pools.values()):
            return Target(slot, sp.PlaceKind.TABLE, place)
        if place == "online" or place.startswith("online-"):
            return Target(slot, sp.PlaceKind.ONLINE, "" if place == "online" else place)
        raise FieldError("place", f"no place {place}")


def working_draft(session: Session, fair_id: int) -> ScheduleVersion:
    """The version edits go into: the newest when it is a draft, else a new draft copied
    from the newest (its meetings, locks included), so a published version never changes."""
    # Held: two first edits at once would each copy the published version into a draft
    # of the same number; the second now waits and then finds the first's draft.
    latest = latest_version_held(session, fair_id)
    if latest is None:
        raise NotFound("this fair has no schedule yet; run `fair schedule` first")
    if latest.status == VersionStatus.DRAFT:
        return _hold(session, latest)
    source = problem_cache.read_key(session, fair_id)
    draft = ScheduleVersion(
        fair_id=fair_id,
        number=latest.number + 1,
        status=VersionStatus.DRAFT,
        method="edit",
        seed=latest.seed,
        workers=latest.workers,
        time_limit=latest.time_limit,
        figures={**latest.figures, "edits": [], "edited_from": latest.number},
        inputs=dict(latest.inputs),
    )
    session.add(draft)
    session.flush()
    assert draft.id is not None
    # one statement, not thousands of rows through the session: the expo has ~6,000
    copied = sa.select(
        sa.literal(fair_id),
        sa.literal(draft.id),
        *(col(getattr(Meeting, f)) for f in _COPIED),
    ).where(col(Meeting.version_id) == latest.id)
    session.execute(sa.insert(Meeting).from_select(["fair_id", "version_id", *_COPIED], copied))
    session.flush()
    problem_cache.carry_over(session, source, draft.id)
    return draft


_COPIED = tuple(f for f in Meeting.model_fields if f not in {"id", "fair_id", "version_id"})


def _hold(session: Session, version: ScheduleVersion) -> ScheduleVersion:
    """The draft's row, locked until the transaction ends (PostgreSQL; SQLite writes one
    at a time anyway): two organisers editing at once take turns, so neither saves an
    edit checked against a schedule the other has just changed, nor loses the other's
    undo record."""
    query = select(ScheduleVersion).where(ScheduleVersion.id == version.id).with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def _snapshot(m: Meeting) -> dict[str, Any]:
    """A meeting's own fields, to copy it into a draft or restore it on undo."""
    return {f: getattr(m, f) for f in _COPIED}


@contextmanager
def _open(session: Session, fair_id: int, draft: bool = True) -> Iterator[_Workspace]:
    """The version edits go into (`working_draft`, or the newest one when `draft` is
    False) with its cached workspace, given back when the edit did not `_release` it
    and left its index as it was (an edit refused before any check), else dropped."""
    version = working_draft(session, fair_id) if draft else latest_version(session, fair_id)
    if version is None:
        raise NotFound("this fair has no schedule yet; run `fair schedule` first")
    assert version.id is not None
    key = problem_cache.read_key(session, fair_id)  # after the draft: its locks are read
    if key is None or key.latest is None or key.latest[0] != version.id:
        # no tokens, or a solve stored a newer version since the draft was held
        cached = problem_cache.uncached_workspace(session, fair_id, version.id)
    else:
        cached = problem_cache.take_workspace(session, key)
    ws = _Workspace(version, cached)
    try:
        yield ws
    finally:
        if not ws.released and not ws.dirty:
            problem_cache.put_workspace(ws.cached)


def _release(
    session: Session, ws: _Workspace, written: Sequence[int] | None, follow: bool = False
) -> Mapping[str, sp.Assignment]:
    """Give the workspace back to the cache and return the meetings as they are now.

    `written`: the request ids whose meetings the edit wrote (flushed), None for none.
    The index and the ledger already hold the edit's meetings, or `follow` them here
    from what was written. An edit that changed a lock changed the problem: then the
    workspace is dropped and the next edit builds it anew."""
    cw = ws.cached
    ws.released = True
    if written is not None:
        key, meetings = problem_cache.advance(session, cw, written)
        if key is None or meetings.locked != cw.meetings.locked:
            return meetings.assignments
        if follow:
            touched = [cw.planning.keys.request.get(rid) for rid in written]
            _follow(cw, {k: meetings.assignments.get(k) for k in touched if k is not None})
        cw.meetings, cw.key = meetings, key
    problem_cache.put_workspace(cw)
    return cw.meetings.assignments


def _follow(cw: problem_cache.Workspace, changed: Mapping[str, sp.Assignment | None]) -> None:
    """Make the index and the ledger follow `changed` (request key → new place, None:
    off the schedule) from where the meetings are in `cw.meetings`."""
    for key, a in changed.items():
        before = cw.meetings.assignments.get(key)
        if before == a:
            continue
        if before is not None:
            cw.occupancy.remove(before)
        if a is not None:
            cw.occupancy.add(a)
        cw.ledger.set(key, a)


def _online_room(checker: Checker, req: sp.Request, target: Target) -> Target:
    """ "online" (any video room) becomes the lowest room free for the whole meeting."""
    if target.kind is sp.PlaceKind.ONLINE and not target.place:
        return replace(target, place=checker.occ.free_room(target.slot, req.length))
    return target


def _apply(
    session: Session,
    ws: _Workspace,
    kind: str,
    changes: Mapping[str, Target | None],
    locks: Mapping[str, bool] | None = None,
) -> EditOutcome:
    """Check `changes` (request key → new target, None to unschedule) and save them."""
    checker = ws.checker(list(changes))
    placed: dict[str, sp.Assignment | None] = {}
    validated = False
    try:
        reasons: list[sp.Reason] = []
        for key, target in changes.items():
            req = ws.request(key)
            if target is None:
                if req.lock is not None:
                    reasons.append(
                        sp.Reason.of("locked", N_("This meeting is locked; unlock it first."))
                    )
                placed[key] = None
                continue
            target = _online_room(checker, req, target)
            before = ws.current.get(key)
            verdict: Verdict = checker.check(req, target, before.third_seat if before else None)
            reasons += verdict.reasons
            a = sp.Assignment(
                key, target.slot, req.length, target.kind, target.place, verdict.third_seat
            )
            checker.occ.add(a)
            placed[key] = a
        if not reasons:
            validated = True
            reasons += _validation(ws, placed, locks)
        if reasons:
            raise EditRefused(reasons)
    except BaseException:
        # nothing was written: the index and the ledger go back to the meetings as
        # they are, and the workspace back to the cache
        for done in placed.values():
            if done is not None:
                checker.occ.remove(done)
        for key in changes:
            before = ws.current.get(key)
            if before is not None:
                checker.occ.add(before)
            if validated and not locks:
                ws.cached.ledger.set(key, before)
        _release(session, ws, None)
        raise
    _save(session, ws, kind, placed, locks or {})
    _release(session, ws, [ws.planning.request_ids[key] for key in placed])
    return EditOutcome(ws.version.number, tuple(changes), _diff(session, ws))


def _validation(
    ws: _Workspace, placed: Mapping[str, sp.Assignment | None], locks: Mapping[str, bool] | None
) -> list[sp.Reason]:
    """What the independent validator refuses in the whole schedule after the edit.

    Only what the edit adds counts: a fair changed since the draft was made (a new busy
    time, say) may already break it elsewhere, and that must not block edits. The
    workspace's `Ledger` answers as `validate` on the whole schedule (it is kept up to
    date with every edit); a lock changes the problem itself, so it is validated in full.
    """
    if locks:
        after = {**ws.current, **placed}
        schedule = [a for a in after.values() if a is not None]
        locked = {k for k, v in locks.items() if v}
        problem = replace(
            ws.problem,
            requests=tuple(
                replace(r, lock=after[r.id]) if r.id in locked and after.get(r.id) else r
                for r in ws.problem.requests
            ),
        )
        errors = validate(problem, schedule)
        known = set(validate(ws.problem, ws.current.values())) if errors else set()
    else:
        ledger = ws.cached.ledger
        known = set(ledger.errors())
        for key, a in placed.items():
            ledger.set(key, a)
        errors = ledger.errors()
    return [
        sp.Reason.of("invalid", N_("The schedule check refuses it: %(error)s"), error=e)
        for e in errors
        if e not in known
    ]


def _diff(session: Session, ws: _Workspace) -> VersionDiff | None:
    """How the draft differs from the published version (`fair.grid_view.draft_diff`'s
    answer, from the cached meetings)."""
    key = ws.cached.key
    if not key.fair:
        return draft_diff(session, ws.version)
    published = problem_cache.published_places(session, key)
    if published is None or (key.published and key.published[0] == ws.version.id):
        return None
    return diff_places(published, ws.cached.meetings.places)


def _meeting_fields(ws: _Workspace, a: sp.Assignment) -> dict[str, Any]:
    planning = ws.planning
    return {
        "start": planning.slots[a.start].start,
        "end": planning.slots[a.start + a.length - 1].end,
        "place_kind": PlaceKind(a.kind),
        "booth_id": planning.booth_ids[a.place_id] if a.kind is sp.PlaceKind.BOOTH else None,
        "table_id": planning.table_ids[a.place_id] if a.kind is sp.PlaceKind.TABLE else None,
        "room": a.place_id if a.kind is sp.PlaceKind.ONLINE else "",
        "third_seat_id": planning.person_ids[a.third_seat] if a.third_seat else None,
    }


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, StrEnum) else v
        for k, v in values.items()
    }


def _save(
    session: Session,
    ws: _Workspace,
    kind: str,
    placed: Mapping[str, sp.Assignment | None],
    locks: Mapping[str, bool],
) -> None:
    """Write the edit into the draft and record what it replaced, for undo."""
    ids = {key: ws.planning.request_ids[key] for key in placed}
    rows = {
        m.request_id: m
        for m in session.exec(
            select(Meeting).where(
                Meeting.version_id == ws.version.id, col(Meeting.request_id).in_(ids.values())
            )
        )
    }
    figures = dict(ws.version.figures)
    unscheduled = dict(figures.get("unscheduled", {}))
    entry: dict[str, Any] = {
        "kind": kind,
        "requests": list(placed),
        "at": utcnow().isoformat(),
        "before": {
            str(rid): _json_safe(_snapshot(rows[rid])) if rid in rows else None
            for rid in ids.values()
        },
        "unscheduled": {key: unscheduled.get(key) for key in placed},
    }
    for key, a in placed.items():
        row = rows.get(ids[key])
        if a is None:
            if row is not None:
                session.delete(row)
            unscheduled[key] = {
                "code": "organiser",
                "text": "Unscheduled by the organiser.",
                "template": N_("Unscheduled by the organiser."),
                "params": {},
            }
            continue
        unscheduled.pop(key, None)
        if row is None:
            assert ws.version.id is not None
            row = Meeting(fair_id=ws.version.fair_id, version_id=ws.version.id, request_id=ids[key])
        for field, value in _meeting_fields(ws, a).items():
            setattr(row, field, value)
        row.locked = locks.get(key, row.locked)
        row.updated_at = utcnow()
        session.add(row)
    figures["unscheduled"] = unscheduled
    figures["edits"] = [*figures.get("edits", []), entry]
    ws.version.figures = _recount(ws, figures, {**ws.current, **placed})
    session.add(ws.version)
    session.flush()


def _recount(
    ws: _Workspace, figures: dict[str, Any], schedule: Mapping[str, sp.Assignment | None]
) -> dict[str, Any]:
    met = {k for k, a in schedule.items() if a is not None}
    figures["scheduled"] = len(met)
    figures["weight"] = sum(r.weight for r in ws.problem.requests if r.id in met)
    return figures


# --------------------------------------------------------------------------- the edits


def move(session: Session, fair_id: int, key: str, start: datetime, place: str) -> EditOutcome:
    """Move request `key`'s meeting to the slot starting at `start` and to `place`."""
    with _open(session, fair_id) as ws:
        if key not in ws.current:
            raise Conflict(f"request {key} is not scheduled; add it instead")
        return _apply(session, ws, "move", {key: ws.target(start, place)})


def add(session: Session, fair_id: int, key: str, start: datetime, place: str) -> EditOutcome:
    """Schedule accepted request `key` (not in the draft yet) at `start` and `place`."""
    with _open(session, fair_id) as ws:
        ws.request(key)
        if key in ws.current:
            raise Conflict(f"request {key} is already scheduled; move it instead")
        return _apply(session, ws, "add", {key: ws.target(start, place)})


def swap(session: Session, fair_id: int, first: str, second: str) -> EditOutcome:
    """Exchange the times and places of two scheduled meetings."""
    with _open(session, fair_id) as ws:
        for key in (first, second):
            if key not in ws.current:
                raise Conflict(f"request {key} is not scheduled")
        if first == second:
            raise FieldError("with", "swap needs two different meetings")
        a, b = ws.current[first], ws.current[second]
        return _apply(
            session,
            ws,
            "swap",
            {
                first: Target(b.start, b.kind, b.place_id),
                second: Target(a.start, a.kind, a.place_id),
            },
        )


def unschedule(session: Session, fair_id: int, key: str) -> EditOutcome:
    """Take request `key`'s meeting off the draft."""
    with _open(session, fair_id) as ws:
        if key not in ws.current:
            raise Conflict(f"request {key} is not scheduled")
        return _apply(session, ws, "unschedule", {key: None})


def set_lock(session: Session, fair_id: int, key: str, locked: bool) -> EditOutcome:
    """Lock request `key`'s meeting where it is (every later solve keeps it), or unlock
    it. A lock is checked like a move to the same place, so a meeting that no longer
    fits is not locked in."""
    with _open(session, fair_id) as ws:
        a = ws.current.get(key)
        if a is None:
            raise Conflict(f"request {key} is not scheduled")
        return _apply(
            session,
            ws,
            "lock" if locked else "unlock",
            {key: Target(a.start, a.kind, a.place_id)},
            {key: locked},
        )


def undo(session: Session, fair_id: int) -> EditOutcome:
    """Take back the draft's last edit: its meetings return to what they were."""
    version = latest_version(session, fair_id)
    edits = list(version.figures.get("edits", [])) if version is not None else []
    if version is None or version.status != VersionStatus.DRAFT or not edits:
        raise Conflict("there is no edit to undo")
    with _open(session, fair_id) as ws:  # holds the draft
        version = ws.version
        edits = list(version.figures.get("edits", []))
        if not edits:
            raise Conflict("there is no edit to undo")
        assert version.id is not None
        entry = edits.pop()
        ids = [int(rid) for rid in entry["before"]]
        ws.dirty = True
        for m in session.exec(
            select(Meeting).where(
                Meeting.version_id == version.id, col(Meeting.request_id).in_(ids)
            )
        ):
            session.delete(m)
        session.flush()
        for rid, before in entry["before"].items():
            if before is None:
                continue
            values = {
                **before,
                "start": datetime.fromisoformat(before["start"]),
                "end": datetime.fromisoformat(before["end"]),
                "updated_at": datetime.fromisoformat(before["updated_at"]),
                "place_kind": PlaceKind(before["place_kind"]),
                "status": MeetingStatus(before["status"]),
            }
            session.add(Meeting(**{**values, "fair_id": fair_id, "version_id": version.id}))
            assert int(rid) == values["request_id"]
        figures = dict(version.figures)
        unscheduled = dict(figures.get("unscheduled", {}))
        for key, reason in entry["unscheduled"].items():
            if reason is None:
                unscheduled.pop(key, None)
            else:
                unscheduled[key] = reason
        figures["unscheduled"] = unscheduled
        figures["edits"] = edits
        session.flush()
        current = _release(session, ws, ids, follow=True)
        version.figures = _recount(ws, figures, current)
        session.add(version)
        session.flush()
        diff = _diff(session, ws)
    return EditOutcome(version.number, tuple(entry["requests"]), diff)


@dataclass(frozen=True)
class Targets:
    """A meeting's targets with their verdicts, and the grid's slot start times (UTC)."""

    verdicts: list[Verdict]
    starts: list[datetime]


def check_targets(session: Session, fair_id: int, key: str) -> Targets:
    """Every slot and place request `key`'s meeting could go to in the newest version,
    each valid or refused with its reasons (what the grid marks while dragging)."""
    with _open(session, fair_id, draft=False) as ws:
        req = ws.request(key)
        before = ws.current.get(key)
        verdicts = ws.checker([key]).targets(req, before.third_seat if before else None)
        if before is not None:
            ws.cached.occupancy.add(before)
        ws.dirty = False  # the index holds every meeting again
        return Targets(verdicts, [s.start for s in ws.problem.slots])
