"""The organiser's control room: every meeting room of the fair running now or starting
within the next slot, with its place, pavilion, countries and each member's presence.

Read from the database only (presence counts span every server process: `fair.presence`,
`fair.instances`), in a fixed number of queries whatever the fair's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from fair.models import (
    Booth,
    Company,
    Fair,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    MeetingStatus,
    MeetingTable,
    Participant,
    Pavilion,
    RequestAttendee,
)
from fair.versions import published_version_id

# A person's presence in a room, and a room's state (what the status filter picks).
PERSON_STATES = ("in", "left", "late", "no_show", "not_yet")
ROOM_STATES = ("in", "waiting", "late", "no_show", "empty", "next")


@dataclass(frozen=True)
class Person:
    participant_id: int
    name: str
    company: str
    country: str
    side: str  # "from", "to" or "third"
    state: str  # one of PERSON_STATES
    late_minutes: int | None = None


@dataclass(frozen=True)
class ControlRoom:
    uid: str
    when: str  # "now" or "next"
    start: datetime
    end: datetime
    place_kind: str
    place: str  # the booth's or table's key, or the online room
    pavilion_id: int | None
    pavilion: str
    countries: tuple[str, ...]
    people: tuple[Person, ...]
    state: str  # one of ROOM_STATES

    def title(self) -> str:
        companies = dict.fromkeys(p.company for p in self.people if p.side != "third")
        return " · ".join(companies)


@dataclass(frozen=True)
class Filters:
    pavilion: int | None = None
    country: str = ""
    status: str = ""

    def keep(self, room: ControlRoom) -> bool:
        return (
            (self.pavilion is None or room.pavilion_id == self.pavilion)
            and (not self.country or self.country in room.countries)
            and (not self.status or room.state == self.status)
        )


def _person_state(row: MeetingPresence | None) -> str:
    if row is None:
        return "not_yet"
    if row.connections > 0:
        return "in"
    if row.no_show_at is not None and row.first_joined_at is None:
        return "no_show"
    # A notice is sent from the room (`/meeting` `late`), so it holds once they left
    # after sending it, until they join again.
    joined = row.last_joined_at
    if row.late_at is not None and (joined is None or row.late_at > joined):
        return "late"
    return "left" if row.first_joined_at is not None else "not_yet"


def _room_state(when: str, status: str, people: list[Person]) -> str:
    if status == MeetingStatus.NO_SHOW:
        return "no_show"
    if when == "next":
        return "next"
    present = {p.side for p in people if p.state == "in"}
    if {"from", "to"} <= present:
        return "in"
    if any(p.state == "late" for p in people):
        return "late"
    return "waiting" if present else "empty"


def rooms_now_and_next(
    session: Session, fair_id: int, now: datetime, filters: Filters | None = None
) -> list[ControlRoom]:
    """The published meetings of `fair_id` running at `now` and those starting within
    one slot after it (cancelled ones left out), by start and place, filtered."""
    fair = session.get(Fair, fair_id)
    version_id = published_version_id(session, fair_id)
    if fair is None or version_id is None:
        return []
    horizon = now + timedelta(minutes=fair.slot_minutes)
    found = session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(
            Meeting.version_id == version_id,
            Meeting.status != MeetingStatus.CANCELLED,
            or_(
                (col(Meeting.start) <= now) & (col(Meeting.end) > now),
                (col(Meeting.start) > now) & (col(Meeting.start) <= horizon),
            ),
        )
        .order_by(col(Meeting.start), col(Meeting.id))
    ).all()
    if not found:
        return []
    request_ids = [r.id for _, r in found if r.id is not None]
    meeting_ids = [m.id for m, _ in found if m.id is not None]
    sides: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for m, r in found:
        assert r.id is not None
        sides[r.id] += [(r.from_id, "from"), (r.to_id, "to")]
        if m.third_seat_id is not None:
            sides[r.id].append((m.third_seat_id, "third"))
    for a in session.exec(
        select(RequestAttendee).where(col(RequestAttendee.request_id).in_(request_ids))
    ):
        sides[a.request_id].append((a.participant_id, a.side))
    people_ids = {pid for members in sides.values() for pid, _ in members}
    people = {
        p.id: (p, c)
        for p, c in session.exec(
            select(Participant, Company)
            .join(Company, col(Company.id) == col(Participant.company_id))
            .where(col(Participant.id).in_(people_ids))
        )
    }
    presence = {
        (row.meeting_id, row.participant_id): row
        for row in session.exec(
            select(MeetingPresence).where(col(MeetingPresence.meeting_id).in_(meeting_ids))
        )
    }
    pavilions = {
        p.id: p.name for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))
    }
    booths = {b.id: b for b in session.exec(select(Booth).where(Booth.fair_id == fair_id))}
    tables = {
        t.id: t for t in session.exec(select(MeetingTable).where(MeetingTable.fair_id == fair_id))
    }
    keep = filters or Filters()
    rooms = []
    for meeting, request in found:
        assert request.id is not None
        members: list[Person] = []
        seen: set[int] = set()
        company_pavilion: int | None = None
        for pid, side in sides[request.id]:
            if pid in seen or pid not in people:
                continue
            seen.add(pid)
            person, company = people[pid]
            row = presence.get((meeting.id or 0, pid))
            state = _person_state(row)
            late = row.late_minutes if row is not None and state == "late" else None
            members.append(
                Person(pid, person.name, company.name, company.country, side, state, late)
            )
            if side != "third" and company_pavilion is None:
                company_pavilion = company.pavilion_id
        place, pavilion_id = meeting.room, None
        if meeting.booth_id is not None and meeting.booth_id in booths:
            booth = booths[meeting.booth_id]
            place, pavilion_id = booth.key, booth.pavilion_id
        elif meeting.table_id is not None and meeting.table_id in tables:
            table = tables[meeting.table_id]
            place, pavilion_id = table.key, table.pavilion_id
        else:  # an online room belongs to the pavilion of its companies
            pavilion_id = company_pavilion
        when = "now" if meeting.start <= now else "next"
        room = ControlRoom(
            uid=request.uid,
            when=when,
            start=meeting.start,
            end=meeting.end,
            place_kind=str(meeting.place_kind),
            place=place,
            pavilion_id=pavilion_id,
            pavilion=pavilions.get(pavilion_id, "") if pavilion_id is not None else "",
            countries=tuple(sorted({p.country for p in members})),
            people=tuple(members),
            state=_room_state(when, meeting.status, members),
        )
        if keep.keep(room):
            rooms.append(room)
    return rooms


def choices(session: Session, fair_id: int) -> tuple[list[tuple[int, str]], list[str]]:
    """The pavilions (id, name) and the countries of the fair's companies, for the
    filters."""
    pavilions = [
        (p.id, p.name)
        for p in session.exec(
            select(Pavilion).where(Pavilion.fair_id == fair_id).order_by(col(Pavilion.name))
        )
        if p.id is not None
    ]
    countries = sorted(
        set(session.exec(select(Company.country).where(Company.fair_id == fair_id)).all())
    )
    return pavilions, countries
