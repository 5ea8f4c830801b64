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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fair.errors import Forbidden, NotFound
from fair.instances import MEETING, count_in, count_out, hold_instance
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
from fair.tokens import token_is_live


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


def _published_meeting(session: Session, uid: str) -> tuple[Meeting, MeetingRequest, Fair]:
    if not uid or len(uid) > 64:
        raise NotFound("no such meeting")
    row = session.exec(
        select(Meeting, MeetingRequest, Fair)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .join(Fair, col(Fair.id) == col(Meeting.fair_id))
        .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
        .where(
            MeetingRequest.uid == uid,
            ScheduleVersion.status == VersionStatus.PUBLISHED,
        )
        .order_by(col(ScheduleVersion.number).desc())
    ).first()
    if row is None:
        raise NotFound("no such meeting in the published schedule")
    return row[0], row[1], row[2]


def load_room(session: Session, uid: str) -> Room:
    """The room of the published meeting with request `uid`, or NotFound. Three
    statements whatever the room: every person of a fair loads theirs at the slot change."""
    meeting, request, fair = _published_meeting(session, uid)
    assert fair.id is not None and meeting.id is not None and request.id is not None
    sides: list[tuple[int, str]] = [(request.from_id, "from"), (request.to_id, "to")]
    sides += [
        (row[0], row[1])
        for row in session.exec(
            select(RequestAttendee.participant_id, RequestAttendee.side).where(
                RequestAttendee.request_id == request.id
            )
        )
    ]
    if meeting.third_seat_id is not None:
        sides.append((meeting.third_seat_id, "third"))
    columns = (Participant.id, Participant.name, Participant.company_id, Company.name)
    query = (
        sa.select(*(col(c) for c in columns), col(Company.country), col(Company.role))
        .join(Company, col(Company.id) == col(Participant.company_id))
        .where(col(Participant.id).in_({pid for pid, _ in sides}))
    )
    people = {row[0]: tuple(row) for row in session.execute(query)}
    unique: list[Member] = []
    for pid, side in sides:
        if pid in people and all(m.participant_id != pid for m in unique):
            _, name, company_id, company, country, _role = people[pid]
            unique.append(Member(pid, name, company_id, company, country, side))
    from_row, to_row = people[request.from_id], people[request.to_id]
    # The exhibitor sells; when neither or both are exhibitors the invitee is the seller.
    if from_row[5] == Role.EXHIBITOR and to_row[5] != Role.EXHIBITOR:
        seller, buyer = from_row[2], to_row[2]
    else:
        seller, buyer = to_row[2], from_row[2]
    return Room(
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
    if not token_is_live(session, participant_id, token_hash):
        raise Forbidden("your sign-in link was replaced, revoked or has expired; open the new link")
    member = room.member(participant_id)
    if member is None:
        raise Forbidden("this meeting is not on your agenda")
    return room, member


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


def enter(
    session: Session,
    room: Room,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
    fresh: bool = False,
) -> None:
    """Count one more connection of `participant_id` in the room (the caller commits),
    held by server process `instance` (None: by no process, as in scripts; such a
    connection is never taken off by a sweep).

    A side that arrives after being marked no-show revives the meeting once both sides
    are there. `fresh`: `room` was loaded in this transaction (its status is current)."""
    hold_instance(session, instance, now)
    row = _presence(session, room.meeting_id, participant_id, lock=True)
    count_in(session, instance, MEETING, room.meeting_id, participant_id)
    row.connections = max(row.connections, 0) + 1
    row.first_joined_at = row.first_joined_at or now
    row.last_joined_at = now
    row.left_at = None
    session.add(row)
    session.flush()
    if fresh and room.status != MeetingStatus.NO_SHOW:
        return  # `room` was read in this transaction: its status is the meeting's now
    meeting = session.get(Meeting, room.meeting_id)
    if (
        meeting is not None
        and meeting.status == MeetingStatus.NO_SHOW
        and {"from", "to"} <= _sides_present(session, room)
    ):
        meeting.status = MeetingStatus.SCHEDULED
        session.add(meeting)


def leave(
    session: Session,
    meeting_id: int,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
) -> None:
    """Count one connection less (the caller commits). A connection of `instance` that
    a sweep already took off (the process was taken for dead) is not taken off twice. A
    connection counted before a republish moved the room onto a new meeting row comes
    off that row."""
    if instance is not None:
        counted = session.exec(
            select(LiveConnection.target_id)
            .where(
                LiveConnection.instance_id == instance,
                LiveConnection.kind == MEETING,
                LiveConnection.participant_id == participant_id,
                col(LiveConnection.target_id).in_(room_meetings(meeting_id)),
            )
            .order_by(col(LiveConnection.target_id).desc())
        ).first()
        meeting_id = counted if counted is not None else meeting_id
    row = _presence(session, meeting_id, participant_id, lock=True)
    if not count_out(session, instance, MEETING, meeting_id, participant_id):
        return
    row.connections = max(row.connections - 1, 0)
    if row.connections == 0:
        row.left_at = now
    session.add(row)


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
