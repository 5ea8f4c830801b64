"""Meeting rooms in the domain: who may enter a meeting's room, who is in it, and
no-shows.

A room belongs to one meeting of a fair's published schedule and is named by the
request's stable `uid` (the one on the agenda and in calendars). Its members are the two
sides of the request (requester and invitee with their colleagues) and the third seat
(interpreter or service provider); organisers may observe any room. Presence is kept in
the database, so every server process sees the same people in the room; each connection
is also counted for the server process holding it (`fair.instances`), so a crashed
process leaves nobody "online". The room's chat is `fair.chat`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fair.errors import Forbidden, NotFound
from fair.instances import MEETING, hold_instance
from fair.models import (
    Company,
    Fair,
    LiveConnection,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    MeetingStatus,
    Participant,
    PlaceKind,
    RequestAttendee,
    Role,
    ScheduleVersion,
    VersionStatus,
)
from fair.tokens import live_tokens, token_is_live


@dataclass(frozen=True)
class Member:
    participant_id: int
    name: str
    company_id: int
    company: str
    country: str
    side: str  # "from" (requester's side), "to" (invitee's side) or "third"


@dataclass(frozen=True)
class Room:
    """Everything about a meeting room that does not change while it runs."""

    meeting_id: int
    uid: str
    fair_id: int
    fair_name: str
    currency: str
    start: datetime
    end: datetime
    place_kind: str
    status: str
    members: tuple[Member, ...]
    seller_company_id: int
    buyer_company_id: int
    request_id: int  # the room's identity across schedule versions (see same_room)

    def member(self, participant_id: int) -> Member | None:
        return next((m for m in self.members if m.participant_id == participant_id), None)

    def title(self) -> str:
        companies = dict.fromkeys(m.company for m in self.members if m.side != "third")
        return " · ".join(companies)


def load_room(session: Session, uid: str) -> Room:
    """The room of the published meeting with request `uid`, or NotFound. Three
    statements whatever the room: every person of a fair loads theirs at the slot change."""
    found = load_rooms(session, [uid]).get(uid)
    if isinstance(found, NotFound):
        raise found
    assert found is not None
    return found


def load_rooms(session: Session, uids: Collection[str]) -> dict[str, Room | NotFound]:
    """The rooms of the published meetings with these request uids (each uid: its room,
    or NotFound). Three statements however many rooms: the slot change loads a room for
    every person of the fair at once (`apply`)."""
    rooms: dict[str, Room | NotFound] = {
        uid: NotFound("no such meeting") for uid in uids if not uid or len(uid) > 64
    }
    wanted = sorted({uid for uid in uids if uid not in rooms})
    found: dict[str, tuple[Meeting, MeetingRequest, Fair]] = {}
    if wanted:
        for meeting, request, fair in session.exec(
            select(Meeting, MeetingRequest, Fair)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .join(Fair, col(Fair.id) == col(Meeting.fair_id))
            .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
            .where(
                col(MeetingRequest.uid).in_(wanted),
                ScheduleVersion.status == VersionStatus.PUBLISHED,
            )
            .order_by(col(ScheduleVersion.number).desc())
        ):
            found.setdefault(request.uid, (meeting, request, fair))  # the newest version's
    for uid in wanted:
        if uid not in found:
            rooms[uid] = NotFound("no such meeting in the published schedule")
    if not found:
        return rooms
    sides: dict[int, list[tuple[int, str]]] = {
        request.id or 0: [(request.from_id, "from"), (request.to_id, "to")]
        for _, request, _ in found.values()
    }
    for request_id, pid, side in session.exec(
        select(
            RequestAttendee.request_id, RequestAttendee.participant_id, RequestAttendee.side
        ).where(col(RequestAttendee.request_id).in_(sorted(sides)))
    ):
        sides[request_id].append((pid, side))
    for meeting, request, _ in found.values():
        if meeting.third_seat_id is not None:
            sides[request.id or 0].append((meeting.third_seat_id, "third"))
    columns = (Participant.id, Participant.name, Participant.company_id, Company.name)
    query = (
        sa.select(*(col(c) for c in columns), col(Company.country), col(Company.role))
        .join(Company, col(Company.id) == col(Participant.company_id))
        .where(col(Participant.id).in_(sorted({pid for s in sides.values() for pid, _ in s})))
    )
    people = {row[0]: tuple(row) for row in session.execute(query)}
    for uid, (meeting, request, fair) in found.items():
        assert fair.id is not None and meeting.id is not None and request.id is not None
        unique: list[Member] = []
        for pid, side in sides[request.id]:
            if pid in people and all(m.participant_id != pid for m in unique):
                _, name, company_id, company, country, _role = people[pid]
                unique.append(Member(pid, name, company_id, company, country, side))
        from_row, to_row = people[request.from_id], people[request.to_id]
        # The exhibitor sells; when neither or both are exhibitors the invitee is the seller.
        if from_row[5] == Role.EXHIBITOR and to_row[5] != Role.EXHIBITOR:
            seller, buyer = from_row[2], to_row[2]
        else:
            seller, buyer = to_row[2], from_row[2]
        rooms[uid] = Room(
            meeting_id=meeting.id,
            uid=uid,
            fair_id=fair.id,
            fair_name=fair.name,
            currency=fair.currency,
            start=meeting.start,
            end=meeting.end,
            place_kind=meeting.place_kind,
            status=meeting.status,
            members=tuple(unique),
            seller_company_id=seller,
            buyer_company_id=buyer,
            request_id=request.id,
        )
    return rooms


# A republish makes new meeting rows for the new version. A room stays the same room (its
# uid is the request's): its chat and deals are read over every meeting row of its request,
# and `fair.publishing.publish` moves who is in the room of a meeting that kept its time
# and place onto the new row. A connection that joined before the republish still holds
# the old row's `Room`; what it does is resolved through the request.


def room_meetings(meeting_id: int) -> Any:
    """The ids of every meeting row of the same request as `meeting_id` (a subquery)."""
    request = select(Meeting.request_id).where(Meeting.id == meeting_id).scalar_subquery()
    return select(Meeting.id).where(Meeting.request_id == request)


def same_room(session: Session, meeting_id: int | None, room: Room) -> bool:
    """Whether meeting row `meeting_id` (a deal's, say) belongs to `room`, in any version."""
    if meeting_id is None:
        return False
    if meeting_id == room.meeting_id:
        return True
    meeting = session.get(Meeting, meeting_id)
    return meeting is not None and meeting.request_id == room.request_id


def current_meeting_id(session: Session, room: Room) -> int:
    """The row of `room`'s meeting in the published version now (a republish may have
    replaced the one the room was loaded with)."""
    found = session.exec(
        select(Meeting.id)
        .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
        .where(
            col(Meeting.id).in_(room_meetings(room.meeting_id)),
            ScheduleVersion.status == VersionStatus.PUBLISHED,
        )
    ).first()
    return found if found is not None else room.meeting_id


def room_for(
    session: Session, uid: str, participant_id: int | None, token_hash: str = ""
) -> tuple[Room, Member | None]:
    """The room `uid` as seen by a participant (who must be a member and hold a live
    token) or, with `participant_id=None`, by an organiser observing it."""
    room = load_room(session, uid)
    if participant_id is None:
        return room, None
    return room, _admit(room, participant_id, token_is_live(session, participant_id, token_hash))


def _admit(room: Room, participant_id: int, link_live: bool) -> Member:
    """The participant as a member of `room`, or Forbidden saying why not."""
    if not link_live:
        raise Forbidden("your sign-in link was replaced, revoked or has expired; open the new link")
    member = room.member(participant_id)
    if member is None:
        raise Forbidden("this meeting is not on your agenda")
    return member


def _presence(
    session: Session, meeting_id: int, participant_id: int, lock: bool = False
) -> MeetingPresence:
    query = select(MeetingPresence).where(
        MeetingPresence.meeting_id == meeting_id,
        MeetingPresence.participant_id == participant_id,
    )
    # On PostgreSQL two processes counting the same person wait for each other.
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        row = MeetingPresence(meeting_id=meeting_id, participant_id=participant_id)
    return row


def _sides_present(session: Session, room: Room) -> set[str]:
    joined = set(
        session.exec(
            select(MeetingPresence.participant_id).where(
                MeetingPresence.meeting_id == room.meeting_id,
                col(MeetingPresence.first_joined_at).is_not(None),
            )
        ).all()
    )
    return {m.side for m in room.members if m.participant_id in joined}


@dataclass(frozen=True)
class Enter:
    """One connection enters a room: a participant's (a member holding a live sign-in
    link: `token_hash`) or, with `participant_id` None, an organiser's, who observes and is
    not counted. `room`: a room the caller loaded and checked (scripts, the sweeps), entered
    as it is, without the link check; its status is read again."""

    uid: str
    participant_id: int | None
    token_hash: str = ""
    room: Room | None = None


@dataclass(frozen=True)
class Leave:
    """One connection of `participant_id` leaves the room of meeting row `meeting_id`.
    `room`: answer with the room's presence after."""

    meeting_id: int
    participant_id: int
    room: Room | None = None


@dataclass(frozen=True)
class Entered:
    room: Room
    member: Member | None  # None: an organiser observing
    presence: list[dict[str, object]]


Outcome = Entered | list[dict[str, object]] | None | NotFound | Forbidden


def apply(
    session: Session,
    ops: Sequence[Enter | Leave],
    now: datetime,
    instance: str | None = None,
) -> list[Outcome]:
    """Enter and leave rooms, in this order, in one transaction (the caller commits),
    held by server process `instance` (None: by no process, as in scripts; such a
    connection is never taken off by a sweep). Each op's outcome, in the same order: an
    `Entered`, or the NotFound/Forbidden that refused the entry (the others go ahead);
    for a `Leave`, the room's presence after (None without a `room`).

    About fifteen statements however many ops: the slot change brings every person of a
    fair in at once, and `realtime.batch` hands in the joins and leaves that arrived
    while the previous batch was written. Locks are taken in the order every writer here
    takes them: the process's row, the presence rows (the totals), the live rows, each
    in key order, so two processes' batches wait for each other rather than deadlock.

    A side that arrives after being marked no-show revives the meeting once both sides
    are there."""
    enters = [op for op in ops if isinstance(op, Enter)]
    leaves = [op for op in ops if isinstance(op, Leave)]
    if any(op.participant_id is not None for op in enters):
        # First: on SQLite the insert takes the write lock at once (a transaction that
        # read first and then writes fails when another wrote meanwhile). Leaving needs
        # no row: a process that released its connections at shutdown is not registered
        # again by the disconnects that follow.
        hold_instance(session, instance, now)
    fresh = load_rooms(session, {op.uid for op in enters if op.room is None})
    holders = {(op.participant_id, op.token_hash) for op in enters if op.room is None}
    live_links = live_tokens(session, {(pid, h) for pid, h in holders if pid is not None})

    outcomes: list[Outcome] = [None] * len(ops)
    entries: dict[int, tuple[Room, Member | None, bool]] = {}  # op index -> room, member, fresh
    for i, op in enumerate(ops):
        if not isinstance(op, Enter):
            continue
        if op.room is not None:
            if op.participant_id is not None:
                entries[i] = (op.room, op.room.member(op.participant_id), False)
            continue
        found = fresh[op.uid]
        if isinstance(found, NotFound):
            outcomes[i] = found
        elif op.participant_id is None:
            entries[i] = (found, None, True)
        else:
            live = (op.participant_id, op.token_hash) in live_links
            try:
                entries[i] = (found, _admit(found, op.participant_id, live), True)
            except Forbidden as refused:
                outcomes[i] = refused

    # The meeting rows a leave may come off: a connection counted before a republish
    # moved the room onto a new meeting row comes off the row it was counted on.
    request_of = {op.room.meeting_id: op.room.request_id for op in leaves if op.room}
    request_of.update({room.meeting_id: room.request_id for room, _, _ in entries.values()})
    unknown = sorted({op.meeting_id for op in leaves} - request_of.keys())
    if unknown:
        for mid, rid in session.exec(
            select(Meeting.id, Meeting.request_id).where(col(Meeting.id).in_(unknown))
        ):
            request_of[mid or 0] = rid
    candidates: dict[tuple[int, int], set[int]] = {}  # (request, participant) -> meetings
    if instance is not None and leaves:
        for target, pid, rid in session.exec(
            select(LiveConnection.target_id, LiveConnection.participant_id, Meeting.request_id)
            .join(Meeting, col(Meeting.id) == col(LiveConnection.target_id))
            .where(
                LiveConnection.instance_id == instance,
                LiveConnection.kind == MEETING,
                col(LiveConnection.participant_id).in_(
                    sorted({op.participant_id for op in leaves})
                ),
                col(Meeting.request_id).in_(
                    sorted({request_of.get(op.meeting_id, 0) for op in leaves})
                ),
            )
        ):
            candidates.setdefault((rid, pid), set()).add(target)
            request_of[target] = rid

    pairs: set[tuple[int, int]] = set()
    for i, (room, _, _) in entries.items():
        who = ops[i].participant_id
        if who is not None:
            pairs.add((room.meeting_id, who))
    for op in leaves:
        key = (request_of.get(op.meeting_id, 0), op.participant_id)
        pairs |= {(m, op.participant_id) for m in candidates.get(key, {op.meeting_id})}
    totals = _locked(session, MeetingPresence, None, pairs)
    shares = _locked(session, LiveConnection, instance, pairs) if instance is not None else {}

    def total(meeting_id: int, pid: int) -> MeetingPresence:
        row = totals.get((meeting_id, pid))
        if row is None:
            row = totals[(meeting_id, pid)] = MeetingPresence(
                meeting_id=meeting_id, participant_id=pid
            )
        return row

    changed: set[tuple[int, int]] = set()
    for i, op in enumerate(ops):
        if isinstance(op, Enter):
            if i not in entries or op.participant_id is None:
                continue
            room, pid = entries[i][0], op.participant_id
            key = (room.meeting_id, pid)
            if instance is not None:
                share = shares.get(key)
                if share is None:
                    share = shares[key] = LiveConnection(
                        instance_id=instance,
                        kind=MEETING,
                        target_id=room.meeting_id,
                        participant_id=pid,
                    )
                share.connections = max(share.connections, 0) + 1
                candidates.setdefault((room.request_id, pid), set()).add(room.meeting_id)
            row = total(*key)
            row.connections = max(row.connections, 0) + 1
            row.first_joined_at = row.first_joined_at or now
            row.last_joined_at = now
            row.left_at = None
            changed.add(key)
            continue
        pid = op.participant_id
        if instance is not None:
            counted = [
                m
                for m in candidates.get((request_of.get(op.meeting_id, 0), pid), ())
                if (m, pid) in shares and shares[(m, pid)].connections > 0
            ]
            if not counted:  # a sweep already took it off: not taken off twice
                continue
            key = (max(counted), pid)
            shares[key].connections -= 1
        else:
            key = (op.meeting_id, pid)
        row = total(*key)
        row.connections = max(row.connections - 1, 0)
        if row.connections == 0:
            row.left_at = now
        changed.add(key)

    # Rows read are updated and deleted by the unit of work; new ones are inserted in one
    # statement per table (the ORM would insert them one by one to learn their ids).
    new_totals = [totals[key] for key in sorted(changed) if totals[key].id is None]
    new_shares = [s for _, s in sorted(shares.items()) if s.id is None and s.connections > 0]
    for share in shares.values():
        if share.id is not None and share.connections <= 0:
            session.delete(share)
    session.flush()
    for table, inserted in (
        (MeetingPresence.__table__, new_totals),  # type: ignore[attr-defined]
        (LiveConnection.__table__, new_shares),  # type: ignore[attr-defined]
    ):
        if inserted:
            session.execute(sa.insert(table), [r.model_dump(exclude={"id"}) for r in inserted])

    for room, member, loaded in {
        (r.uid, r.meeting_id): (r, m, f) for r, m, f in entries.values()
    }.values():
        if member is None or (loaded and room.status != MeetingStatus.NO_SHOW):
            continue  # `room` was read in this transaction: its status is the meeting's now
        meeting = session.get(Meeting, room.meeting_id)
        if (
            meeting is not None
            and meeting.status == MeetingStatus.NO_SHOW
            and {"from", "to"} <= _sides_present(session, room)
        ):
            meeting.status = MeetingStatus.SCHEDULED
            session.add(meeting)

    # The presence to answer with: of the entered rooms (read in this transaction, so on
    # their current meeting rows) and of the rooms left (their current rows looked up).
    shown: dict[int, int] = {}  # op index -> meeting row whose presence it answers with
    for i, (room, _, loaded) in entries.items():
        if loaded:
            shown[i] = room.meeting_id
    left = {i: op.room for i, op in enumerate(ops) if isinstance(op, Leave) and op.room}
    if left:
        current = _current_meetings(session, {room.request_id for room in left.values()})
        for i, room in left.items():
            shown[i] = current.get(room.request_id, room.meeting_id)
    rows: dict[int, dict[int, MeetingPresence]] = {}
    if shown:
        for row in session.exec(
            select(MeetingPresence).where(
                col(MeetingPresence.meeting_id).in_(sorted(set(shown.values())))
            )
        ):
            rows.setdefault(row.meeting_id, {})[row.participant_id] = row
    for i, meeting_id in shown.items():
        if i in entries:
            room, member, _ = entries[i]
            outcomes[i] = Entered(room, member, _view(room, rows.get(meeting_id, {})))
        else:
            outcomes[i] = _view(left[i], rows.get(meeting_id, {}))
    return outcomes


def _locked(
    session: Session, table: Any, instance: str | None, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], Any]:
    """The presence rows (`MeetingPresence`) or this process's live rows
    (`LiveConnection`) of these (meeting, participant) pairs, locked for update in key
    order (on PostgreSQL two processes counting the same person wait for each other),
    keyed by the pair."""
    if not pairs:
        return {}
    meeting: Any
    query: Any
    if table is MeetingPresence:
        meeting, person = col(MeetingPresence.meeting_id), col(MeetingPresence.participant_id)
        query = select(MeetingPresence)
    else:
        meeting, person = col(LiveConnection.target_id), col(LiveConnection.participant_id)
        query = select(LiveConnection).where(
            LiveConnection.instance_id == instance, LiveConnection.kind == MEETING
        )
    query = query.where(sa.tuple_(meeting, person).in_(sorted(pairs))).order_by(meeting, person)
    found: dict[tuple[int, int], Any] = {}
    for row in session.exec(query.with_for_update()):
        target = row.meeting_id if table is MeetingPresence else row.target_id
        found[(target, row.participant_id)] = row
    return found


def _current_meetings(session: Session, request_ids: set[int]) -> dict[int, int]:
    """Request id -> its meeting row in the published version now."""
    return {
        rid: mid or 0
        for mid, rid in session.exec(
            select(Meeting.id, Meeting.request_id)
            .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
            .where(
                col(Meeting.request_id).in_(sorted(request_ids)),
                ScheduleVersion.status == VersionStatus.PUBLISHED,
            )
        )
    }


def enter(
    session: Session,
    room: Room,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
) -> None:
    """Count one more connection of `participant_id` in `room` (the caller commits): a
    batch of one (`apply`)."""
    apply(session, [Enter(room.uid, participant_id, room=room)], now, instance)


def leave(
    session: Session,
    meeting_id: int,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
) -> None:
    """Count one connection less (the caller commits): a batch of one (`apply`)."""
    apply(session, [Leave(meeting_id, participant_id)], now, instance)


def presence(session: Session, room: Room, fresh: bool = False) -> list[dict[str, object]]:
    """Every member with whether they are in the room now, when they joined and left.
    `fresh`: `room` was loaded in this transaction, so its meeting row is the current one."""
    meeting_id = room.meeting_id if fresh else current_meeting_id(session, room)
    rows = {
        p.participant_id: p
        for p in session.exec(
            select(MeetingPresence).where(MeetingPresence.meeting_id == meeting_id)
        )
    }
    return _view(room, rows)


def _view(room: Room, rows: dict[int, MeetingPresence]) -> list[dict[str, object]]:
    result: list[dict[str, object]] = []
    for m in room.members:
        row = rows.get(m.participant_id)
        result.append(
            {
                "participant": m.participant_id,
                "name": m.name,
                "company": m.company,
                "country": m.country,
                "side": m.side,
                "online": bool(row and row.connections > 0),
                "joined_at": _iso(row.first_joined_at) if row else None,
                "left_at": _iso(row.left_at) if row else None,
                "no_show": bool(row and row.no_show_at and not row.first_joined_at),
            }
        )
    return result


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def mark_no_shows(session: Session, now: datetime, minutes: int) -> list[tuple[int, str]]:
    """Mark running online meetings where a side has not joined `minutes` after the
    start: its members get `no_show_at` and the meeting becomes NO_SHOW. Only meetings
    whose slot is still running are looked at, so a server that was down does not rewrite
    history. Idempotent; returns (fair id, uid) of the meetings marked now."""
    due = session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
        .where(
            ScheduleVersion.status == VersionStatus.PUBLISHED,
            Meeting.place_kind == PlaceKind.ONLINE,
            Meeting.status == MeetingStatus.SCHEDULED,
            col(Meeting.start) <= now - timedelta(minutes=minutes),
            col(Meeting.end) > now,
        )
    ).all()
    # Most running meetings have both sides in: found with two more queries for them
    # all, so a pass costs what there is to mark, not what runs (it was ~8 queries per
    # running meeting, 3-4 s over a thousand, every 30 s on every process).
    joined = _joined(session, [m.id for m, _ in due if m.id is not None])
    colleagues = _colleagues(session, [r.id for _, r in due if r.id is not None])
    marked = []
    for meeting, request in due:
        sides = {"from": {request.from_id}, "to": {request.to_id}}
        for pid, side in colleagues.get(request.id or 0, ()):
            sides.setdefault(side, set()).add(pid)
        if all(joined.get(meeting.id or 0, set()) & sides[s] for s in ("from", "to")):
            continue
        room = load_room(session, request.uid)
        present = _sides_present(session, room)
        absent = {"from", "to"} - present
        if not absent:
            continue
        for m in room.members:
            if m.side in absent:
                row = _presence(session, room.meeting_id, m.participant_id)
                row.no_show_at = row.no_show_at or now
                session.add(row)
        meeting.status = MeetingStatus.NO_SHOW
        session.add(meeting)
        marked.append((room.fair_id, room.uid))
    return marked


def joined_requests(session: Session, fair_id: int) -> set[int]:
    """The fair's meeting requests someone joined at least once, over every version (a
    republish makes new meeting rows and leaves who joined with the rows before)."""
    return set(
        session.exec(
            select(Meeting.request_id)
            .join(MeetingPresence, col(MeetingPresence.meeting_id) == col(Meeting.id))
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(
                MeetingRequest.fair_id == fair_id,
                col(MeetingPresence.first_joined_at).is_not(None),
            )
        ).all()
    )


def _joined(session: Session, meeting_ids: list[int]) -> dict[int, set[int]]:
    """Meeting id → the people who have joined it at least once."""
    found: dict[int, set[int]] = {}
    for start in range(0, len(meeting_ids), 1000):
        chunk = meeting_ids[start : start + 1000]
        for meeting_id, pid in session.exec(
            select(MeetingPresence.meeting_id, MeetingPresence.participant_id).where(
                col(MeetingPresence.meeting_id).in_(chunk),
                col(MeetingPresence.first_joined_at).is_not(None),
            )
        ):
            found.setdefault(meeting_id, set()).add(pid)
    return found


def _colleagues(session: Session, request_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Request id → the colleagues attending it, with their side."""
    found: dict[int, list[tuple[int, str]]] = {}
    for start in range(0, len(request_ids), 1000):
        chunk = request_ids[start : start + 1000]
        for rid, pid, side in session.exec(
            select(
                RequestAttendee.request_id, RequestAttendee.participant_id, RequestAttendee.side
            ).where(col(RequestAttendee.request_id).in_(chunk))
        ):
            found.setdefault(rid, []).append((pid, side))
    return found


def note_late(
    session: Session, room: Room, participant_id: int, minutes: int, now: datetime
) -> None:
    """Keep a member's "running late" notice (the caller commits), so the organiser's
    control room shows it on every process; joining the room supersedes it."""
    row = _presence(session, current_meeting_id(session, room), participant_id, lock=True)
    row.late_minutes = minutes
    row.late_at = now
    session.add(row)
