"""Calendars (RFC 5545) of a participant's published meetings.

DTSTART/DTEND are written in UTC (`...Z`), which every client places on the right instant
whatever its time-zone database; each side's local time is spelled out in DESCRIPTION.
A meeting's UID is its request's random UID (no names or e-mails), stable across
re-solves; SEQUENCE and DTSTAMP come from the meeting row, so an unchanged schedule gives
a byte-identical file. Meetings dropped by a later version stay as STATUS:CANCELLED so
that subscribed clients remove them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from fair.errors import NotFound
from fair.models import (
    Booth,
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
    RequestAttendee,
    ScheduleVersion,
    VersionStatus,
)
from fair.planning import published_version

PRODID = "-//Open Virtual Trade Fair//fair 0.1//EN"


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def participant_calendar(
    session: Session, fair_id: int, participant_key: str, base_url: str
) -> str:
    """The participant's calendar as text (CRLF lines, folded by `icalendar`)."""
    fair = session.get(Fair, fair_id)
    person = session.exec(
        select(Participant).where(
            Participant.fair_id == fair_id, Participant.key == participant_key
        )
    ).first()
    if fair is None or person is None:
        raise NotFound(f"no participant {participant_key!r} in this fair")
    assert person.id is not None
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{fair.name} — {person.name}")
    cal.add("x-wr-timezone", person.timezone)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")

    current = published_version(session, fair_id)
    if current is None:
        return str(cal.to_ical().decode("utf-8"))
    own_requests = {
        r.id: r
        for r in session.exec(
            select(MeetingRequest).where(
                MeetingRequest.fair_id == fair_id,
                (col(MeetingRequest.from_id) == person.id)
                | (col(MeetingRequest.to_id) == person.id),
            )
        )
    }
    for att in session.exec(
        select(RequestAttendee).where(RequestAttendee.participant_id == person.id)
    ):
        req = session.get(MeetingRequest, att.request_id)
        if req is not None:
            own_requests[req.id] = req
    meetings = session.exec(
        select(Meeting).where(Meeting.version_id == current.id).order_by(col(Meeting.start))
    ).all()
    mine = [m for m in meetings if m.request_id in own_requests or m.third_seat_id == person.id]
    for m in mine:
        if m.request_id not in own_requests:
            req = session.get(MeetingRequest, m.request_id)
            if req is not None:
                own_requests[m.request_id] = req
    # Meetings published before but absent now: keep them, cancelled.
    older = session.exec(
        select(ScheduleVersion).where(
            ScheduleVersion.fair_id == fair_id,
            ScheduleVersion.status == VersionStatus.SUPERSEDED,
            col(ScheduleVersion.published_at).is_not(None),
        )
    ).all()
    present = {m.request_id for m in mine}
    cancelled: dict[int, Meeting] = {}
    for version in sorted(older, key=lambda v: v.number):
        for m in session.exec(
            select(Meeting).where(
                Meeting.version_id == version.id,
                col(Meeting.request_id).in_(list(own_requests)),
            )
        ):
            if m.request_id not in present:
                cancelled[m.request_id] = m

    for m, is_cancelled in [(m, False) for m in mine] + [(m, True) for m in cancelled.values()]:
        req = own_requests[m.request_id]
        a = session.get(Participant, req.from_id)
        b = session.get(Participant, req.to_id)
        assert a is not None and b is not None
        other = b if a.id == person.id else a
        if person.id not in (a.id, b.id):
            other = b
        company = session.get(Company, other.company_id)
        assert company is not None
        event = Event()
        event.add("uid", f"{req.uid}@fair")
        event.add("dtstamp", m.updated_at)
        event.add("last-modified", m.updated_at)
        event.add("sequence", m.sequence + (1 if is_cancelled else 0))
        event.add("dtstart", m.start)
        event.add("dtend", m.end)
        event.add("summary", f"Meeting: {company.name}")
        location = "Online"
        if m.place_kind == PlaceKind.BOOTH and m.booth_id is not None:
            booth = session.get(Booth, m.booth_id)
            assert booth is not None
            pavilion = session.get(Pavilion, booth.pavilion_id)
            location = f"{pavilion.name if pavilion else ''}, booth {booth.key}"
        elif m.place_kind == PlaceKind.TABLE and m.table_id is not None:
            table = session.get(MeetingTable, m.table_id)
            assert table is not None
            pavilion = session.get(Pavilion, table.pavilion_id)
            location = f"{pavilion.name if pavilion else ''}, table {table.key}"
        room_url = f"{base_url}/rooms/{req.uid}" if m.place_kind == PlaceKind.ONLINE else ""
        if room_url:
            location = f"Online: {room_url}"
            event.add("url", room_url)
            event.add(
                "conference",
                room_url,
                parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": "Video room"},
            )
        event.add("location", location)
        lines = [
            f"With {other.name} ({company.name}, {company.country}).",
            f"Your time: {_local(m.start, person.timezone)}–"
            f"{m.end.astimezone(ZoneInfo(person.timezone)):%H:%M} ({person.timezone}).",
            f"Their time: {_local(m.start, other.timezone)} ({other.timezone}).",
            f"Fair time: {_local(m.start, fair.timezone)} ({fair.timezone}).",
        ]
        if company.offers:
            lines.append("They offer: " + ", ".join(company.offers) + ".")
        if company.needs:
            lines.append("They seek: " + ", ".join(company.needs) + ".")
        if room_url:
            lines.append(f"Join: {room_url}")
        event.add("description", "\n".join(lines))
        event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))
