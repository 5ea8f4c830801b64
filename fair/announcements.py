"""Announcements: the organiser's messages to the whole fair, one pavilion or one meeting
room, kept in a list and sent live to every open page of the audience.

The audience of a pavilion is the participants whose company is in it; of a meeting room,
the members of that published meeting (`fair.presence`). Which socket.io rooms reach them
is decided here (`audience`, `listening_rooms`), with the names of `fair.rooms`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from fair.errors import InvalidInput, NotFound
from fair.models import (
    Announcement,
    AnnouncementScope,
    Company,
    Fair,
    MeetingRequest,
    Participant,
    Pavilion,
)
from fair.presence import load_room
from fair.rooms import notices_fair_room, notices_participant_room, notices_pavilion_room
from fair.rules import MAX_ID

MAX_TEXT = 500  # characters, as the meeting rooms' `announce` (docs/security.md)


def _pavilion(session: Session, fair_id: int, target: object) -> Pavilion:
    try:
        pavilion_id = int(str(target))
    except ValueError:
        raise InvalidInput("pavilion: choose one of the fair's pavilions") from None
    # an id no row can have is refused before the query (a huge one overflows the driver)
    pavilion = session.get(Pavilion, pavilion_id) if 1 <= pavilion_id <= MAX_ID else None
    if pavilion is None or pavilion.fair_id != fair_id:
        raise InvalidInput("pavilion: choose one of the fair's pavilions")
    return pavilion


def announce(
    session: Session,
    fair_id: int,
    scope: str,
    target: object,
    text: str,
    now: datetime,
    organiser_id: int | None = None,
    author: str = "Organiser",
) -> Announcement:
    """Store an announcement to `scope` ("fair", "pavilion" with a pavilion id as
    `target`, "meeting" with a published meeting's uid); the caller commits and sends it
    to `audience(...)`. Text: 1–500 characters once trimmed."""
    if session.get(Fair, fair_id) is None:
        raise NotFound("no such fair")
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput("text: 1–500 characters")
    if "\x00" in text:  # PostgreSQL cannot store it
        raise InvalidInput("text: no NUL characters")
    row = Announcement(
        fair_id=fair_id, organiser_id=organiser_id, author=author, text=text, sent_at=now
    )
    if scope == AnnouncementScope.FAIR:
        row.scope = AnnouncementScope.FAIR
    elif scope == AnnouncementScope.PAVILION:
        row.scope = AnnouncementScope.PAVILION
        row.pavilion_id = _pavilion(session, fair_id, target).id
    elif scope == AnnouncementScope.MEETING:
        try:
            if "\x00" in str(target):  # PostgreSQL cannot compare it; no uid has one
                raise NotFound("no such meeting")
            room = load_room(session, str(target or ""))
        except NotFound:
            raise InvalidInput("meeting: no such meeting in the published schedule") from None
        if room.fair_id != fair_id:
            raise InvalidInput("meeting: no such meeting in the published schedule")
        row.scope = AnnouncementScope.MEETING
        row.request_id = room.request_id
    else:
        raise InvalidInput("scope: fair, pavilion or meeting")
    session.add(row)
    session.flush()
    return row


def audience(session: Session, row: Announcement) -> list[str]:
    """The `/notices` rooms that reach every open page of the announcement's audience."""
    if row.scope == AnnouncementScope.PAVILION and row.pavilion_id is not None:
        return [notices_pavilion_room(row.pavilion_id)]
    if row.scope == AnnouncementScope.MEETING and row.request_id is not None:
        request = session.get(MeetingRequest, row.request_id)
        if request is None:
            return []
        try:
            members = load_room(session, request.uid).members
        except NotFound:  # the meeting left the published schedule since
            return []
        return [notices_participant_room(m.participant_id) for m in members]
    return [notices_fair_room(row.fair_id)]


def listening_rooms(session: Session, participant_id: int) -> list[str]:
    """The `/notices` rooms a participant's open pages are in."""
    person = session.get(Participant, participant_id)
    if person is None:
        return []
    rooms = [notices_fair_room(person.fair_id), notices_participant_room(participant_id)]
    company = session.get(Company, person.company_id)
    if company is not None and company.pavilion_id is not None:
        rooms.append(notices_pavilion_room(company.pavilion_id))
    return rooms


def view(session: Session, row: Announcement) -> dict[str, Any]:
    """What pages show of an announcement: `target` names the pavilion or the meeting
    room (its companies), empty for the whole fair."""
    target = ""
    meeting = None
    if row.pavilion_id is not None:
        pavilion = session.get(Pavilion, row.pavilion_id)
        target = pavilion.name if pavilion else ""
    if row.request_id is not None:
        request = session.get(MeetingRequest, row.request_id)
        if request is not None:
            meeting = request.uid
            target = _companies(session, request)
    return {
        "id": row.id,
        "scope": str(row.scope),
        "pavilion": row.pavilion_id,
        "meeting": meeting,
        "target": target,
        "text": row.text,
        "author": row.author,
        "at": row.sent_at.isoformat(),
    }


def _companies(session: Session, request: MeetingRequest) -> str:
    names = session.exec(
        select(Company.name)
        .join(Participant, col(Participant.company_id) == col(Company.id))
        .where(col(Participant.id).in_([request.from_id, request.to_id]))
    ).all()
    return " · ".join(sorted(set(names)))


def recent(session: Session, fair_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The fair's latest announcements, newest first."""
    rows = session.exec(
        select(Announcement)
        .where(Announcement.fair_id == fair_id)
        .order_by(col(Announcement.sent_at).desc(), col(Announcement.id).desc())
        .limit(limit)
    ).all()
    return [view(session, row) for row in rows]
