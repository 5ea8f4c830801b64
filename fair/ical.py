"""Calendars (RFC 5545) of published meetings: a participant's own (with the roadshows
they present or registered to attend), the organiser's fair-wide one (all meetings or
one place), and single-event iTIP objects for e-mail.

DTSTART/DTEND are written in UTC (`...Z`), which every client places on the right instant
whatever its time-zone database; each side's local time is spelled out in DESCRIPTION.
A meeting's UID is its request's random UID (no names or e-mails), stable across
re-solves; SEQUENCE and DTSTAMP come from the meeting row, and in a participant's
calendar from what that person's calendar last showed (`fair.calendar_state`), so they
move exactly when what the person sees changes and an unchanged schedule gives a
byte-identical file. Meetings dropped by a later version stay as STATUS:CANCELLED (with
SEQUENCE one higher and DTSTAMP at the publication that dropped them) so that subscribed
clients remove them.

This module chooses the events of each calendar and writes the file; the events
themselves are built in `fair.calendar_events`, from rows loaded in a few batched
queries (people, companies and places by id), never one query per meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar
from sqlmodel import Session, col, or_, select

from fair import calendar_state
from fair.calendar_events import CalendarEvent, CalendarRows, meeting_event, roadshow_event
from fair.errors import NotFound
from fair.models import (
    Booth,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingTable,
    Participant,
    PlaceKind,
    RequestAttendee,
    ScheduleVersion,
    VersionStatus,
)
from fair.programme import calendar_roadshows, fair_calendar_roadshows
from fair.versions import get_version

PRODID = "-//Open Virtual Trade Fair//fair 0.1//EN"
DEFAULT_REMINDER_MINUTES = 15
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarFile:
    """A calendar's text and the newest change in it (for Last-Modified); `stale`: what
    the participant sees differs from what `fair.calendar_state` recorded (the caller
    should record it, `fair.notify.sync_calendars`, and build the file again)."""

    text: str
    last_modified: datetime | None
    stale: bool = False


def published_history(
    session: Session, fair_id: int
) -> tuple[ScheduleVersion | None, list[ScheduleVersion]]:
    """The published version and the earlier published ones (oldest first)."""
    published = session.exec(
        select(ScheduleVersion)
        .where(ScheduleVersion.fair_id == fair_id, col(ScheduleVersion.published_at).is_not(None))
        .order_by(col(ScheduleVersion.number))
    ).all()
    current = next((v for v in reversed(published) if v.status == VersionStatus.PUBLISHED), None)
    older = [v for v in published if v.status == VersionStatus.SUPERSEDED]
    if current is not None:
        older = [v for v in older if v.number < current.number]
    return current, older


def history(
    session: Session, fair_id: int, number: int | None = None
) -> tuple[ScheduleVersion | None, list[ScheduleVersion]]:
    """The version a calendar shows and the published ones before it (oldest first):
    the published version by default, or version `number` whatever its status (a draft,
    an older one) with the versions published before it."""
    if number is None:
        return published_history(session, fair_id)
    version = get_version(session, fair_id, number)
    older = session.exec(
        select(ScheduleVersion)
        .where(
            ScheduleVersion.fair_id == fair_id,
            col(ScheduleVersion.published_at).is_not(None),
            col(ScheduleVersion.number) < version.number,
        )
        .order_by(col(ScheduleVersion.number))
    ).all()
    return version, list(older)


def _cancelled(
    session: Session,
    current: ScheduleVersion,
    older: Sequence[ScheduleVersion],
    present: set[int],
    involves: object,
) -> list[tuple[Meeting, datetime]]:
    """Meetings of earlier published versions that are not in the current one: the last
    version of each, with the publication time of the version that dropped it."""
    if not older:
        return []
    order = {v.id: i for i, v in enumerate(older)}
    after = [*older, current]
    last: dict[int, tuple[int, Meeting]] = {}
    query = select(Meeting).where(col(Meeting.version_id).in_(list(order)))
    if involves is not None:
        query = query.where(involves)  # type: ignore[arg-type]
    for m in session.exec(query):
        if m.request_id in present:
            continue
        index = order[m.version_id]
        if m.request_id not in last or last[m.request_id][0] < index:
            last[m.request_id] = (index, m)
    out = []
    for index, m in last.values():
        following = after[index + 1]
        out.append((m, following.published_at or following.created_at))
    return out


def _header(name: str, zone: str, method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if method in (None, "PUBLISH"):
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", zone)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
    return cal


def roadshow_events(
    session: Session,
    fair: Fair,
    person: Participant,
    base_url: str,
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES,
) -> list[CalendarEvent]:
    """The roadshows `person` presents or registered to attend (`fair.programme`); a
    cancelled roadshow or a withdrawn registration stays as STATUS:CANCELLED."""
    return [
        roadshow_event(entry, fair, person.timezone, base_url, reminder_minutes)
        for entry in calendar_roadshows(session, person)
    ]


def _find(session: Session, fair_id: int, participant_key: str) -> tuple[Fair, Participant]:
    fair = session.get(Fair, fair_id)
    person = session.exec(
        select(Participant).where(
            Participant.fair_id == fair_id, Participant.key == participant_key
        )
    ).first()
    if fair is None or person is None:
        raise NotFound(f"no participant {participant_key!r} in this fair")
    return fair, person


def participant_events(
    session: Session,
    fair: Fair,
    person: Participant,
    base_url: str,
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES,
    version: int | None = None,
) -> list[CalendarEvent]:
    """Every published meeting of `person` (and the cancelled ones), by start time; or
    those of version `version` (`history`)."""
    assert fair.id is not None and person.id is not None
    current, older = history(session, fair.id, version)
    if current is None:
        return []
    attended = select(RequestAttendee.request_id).where(RequestAttendee.participant_id == person.id)
    own = {
        r.id: r
        for r in session.exec(
            select(MeetingRequest).where(
                MeetingRequest.fair_id == fair.id,
                or_(
                    col(MeetingRequest.from_id) == person.id,
                    col(MeetingRequest.to_id) == person.id,
                    col(MeetingRequest.id).in_(attended),
                ),
            )
        )
    }
    involves = or_(col(Meeting.request_id).in_(list(own)), col(Meeting.third_seat_id) == person.id)
    mine = session.exec(select(Meeting).where(Meeting.version_id == current.id, involves)).all()
    present = {m.request_id for m in mine}
    dropped = _cancelled(session, current, older, present, involves)
    missing = {m.request_id for m in mine} | {m.request_id for m, _ in dropped}
    missing -= set(own)
    if missing:
        for r in session.exec(select(MeetingRequest).where(col(MeetingRequest.id).in_(missing))):
            own[r.id] = r
    rows = CalendarRows(session, fair)
    rows.load(own.values(), [*mine, *(m for m, _ in dropped)])
    rows.people[person.id] = person
    events = [
        meeting_event(rows, m, own[m.request_id], person, base_url, reminder_minutes, None)
        for m in mine
    ] + [
        meeting_event(rows, m, own[m.request_id], person, base_url, reminder_minutes, at)
        for m, at in dropped
    ]
    starts = {m.request_id: m.start for m in mine} | {m.request_id: m.start for m, _ in dropped}
    events.sort(key=lambda e: (starts[e.request_id], e.uid))
    return events


def _file(
    cal: Calendar, events: Sequence[CalendarEvent], fallback: datetime | None
) -> CalendarFile:
    """A METHOD:PUBLISH calendar of `events`. RFC 5546 (3.2.1) has no ATTENDEE in a
    published event: the people are in DESCRIPTION, the requester stays as ORGANIZER,
    and only the iTIP messages (`itip`) carry ATTENDEEs, so no client offers to
    accept or decline a feed's events or mails replies to the others."""
    for e in events:
        e.component.pop("ATTENDEE", None)
        cal.add_component(e.component)
    stamps = [e.stamp for e in events]
    last = max(stamps) if stamps else fallback
    return CalendarFile(text=cal.to_ical().decode("utf-8"), last_modified=last)


def participant_calendar_file(
    session: Session,
    fair_id: int,
    participant_key: str,
    base_url: str,
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES,
    version: int | None = None,
    meetings: list[CalendarEvent] | None = None,
) -> CalendarFile:
    """The participant's calendar (METHOD:PUBLISH) and when it last changed. With
    `version`, that version's meetings as it describes them (SEQUENCE and DTSTAMP from
    its rows; what the person's calendar showed is left aside). `meetings`: the
    person's `participant_events` when the caller has them already."""
    fair, person = _find(session, fair_id, participant_key)
    assert person.id is not None
    cal = _header(f"{fair.name} — {person.name}", person.timezone, "PUBLISH")
    if meetings is None:
        meetings = participant_events(session, fair, person, base_url, reminder_minutes, version)
    if version is None:
        shown = calendar_state.show(meetings, calendar_state.load(session, person.id))
    else:
        shown = calendar_state.Shown(meetings, None, False)
    events = list(shown.events)
    # Roadshows presented or attended sit between the meetings, in start order.
    events += roadshow_events(session, fair, person, base_url, reminder_minutes)
    events.sort(key=lambda e: (e.component.decoded("dtstart"), e.uid))
    current, _ = history(session, fair_id, version)
    made = _file(cal, events, _when(current))
    last = max(
        (t for t in (made.last_modified, shown.last_modified) if t is not None), default=None
    )
    return CalendarFile(made.text, last, shown.stale)


def _when(version: ScheduleVersion | None) -> datetime | None:
    if version is None:
        return None
    return version.published_at or version.created_at


def participant_calendar(
    session: Session,
    fair_id: int,
    participant_key: str,
    base_url: str,
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES,
    version: int | None = None,
) -> str:
    """The participant's calendar as text (CRLF lines, folded at 75 octets)."""
    return participant_calendar_file(
        session, fair_id, participant_key, base_url, reminder_minutes, version
    ).text


def fair_calendar_file(
    session: Session,
    fair_id: int,
    base_url: str,
    place: str | None = None,
    reminder_minutes: int = 0,
    version: int | None = None,
) -> CalendarFile:
    """The organiser's calendar: every published meeting and every roadshow, or the
    meetings at one booth, table or video room (`place` is its key). Cancelled meetings
    and roadshows stay as STATUS:CANCELLED. `version`: that version's meetings instead
    of the published ones (`history`)."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    rows = CalendarRows(session, fair)
    place_filter = None
    if place:
        booth = session.exec(
            select(Booth).where(Booth.fair_id == fair_id, Booth.key == place)
        ).first()
        table = session.exec(
            select(MeetingTable).where(MeetingTable.fair_id == fair_id, MeetingTable.key == place)
        ).first()
        if booth is None and table is None:
            raise NotFound(f"no booth or table {place!r} in this fair")
        place_filter = (booth.id if booth else None, table.id if table else None)
    title = f"{fair.name} — {place}" if place else f"{fair.name} — all meetings"
    cal = _header(title, fair.timezone, "PUBLISH")
    shows = (
        []
        if place
        else [
            roadshow_event(entry, fair, None, base_url, reminder_minutes)
            for entry in fair_calendar_roadshows(session, fair_id)
        ]
    )
    current, older = history(session, fair_id, version)
    if current is None:
        return _file(cal, shows, None)
    meetings = session.exec(select(Meeting).where(Meeting.version_id == current.id)).all()
    dropped = _cancelled(session, current, older, {m.request_id for m in meetings}, None)
    if place_filter is not None:
        booth_id, table_id = place_filter

        def here(m: Meeting) -> bool:
            return (m.place_kind == PlaceKind.BOOTH and m.booth_id == booth_id) or (
                m.place_kind == PlaceKind.TABLE and m.table_id == table_id
            )

        meetings = [m for m in meetings if here(m)]
        dropped = [(m, at) for m, at in dropped if here(m)]
    ids = {m.request_id for m in meetings} | {m.request_id for m, _ in dropped}
    requests: dict[int, MeetingRequest] = {}
    id_list = sorted(ids)
    for chunk in range(0, len(id_list), 500):
        for r in session.exec(
            select(MeetingRequest).where(col(MeetingRequest.id).in_(id_list[chunk : chunk + 500]))
        ):
            assert r.id is not None
            requests[r.id] = r
    rows.load(requests.values(), [*meetings, *(m for m, _ in dropped)])
    events = [
        meeting_event(rows, m, requests[m.request_id], None, base_url, reminder_minutes, None)
        for m in meetings
    ] + [
        meeting_event(rows, m, requests[m.request_id], None, base_url, reminder_minutes, at)
        for m, at in dropped
    ]
    events += shows
    events.sort(key=lambda e: (e.component.decoded("dtstart"), e.uid))
    return _file(cal, events, _when(current))


def itip(event: CalendarEvent, method: str, text: str | None = None) -> bytes:
    """A one-event iTIP object (RFC 5546): METHOD:REQUEST for a new or changed meeting,
    METHOD:CANCEL (without the reminder) for a dropped one. `text`: the event already
    written out (`fair.calendar_state.Change.text`), so it is not written again."""
    head: bytes = _header("", "UTC", method).to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    body = text if text is not None else event.component.to_ical().decode("utf-8")
    if method == "CANCEL":
        kept, alarm = [], False
        for line in body.split("\r\n"):
            if line == "BEGIN:VALARM":
                alarm = True
            if not alarm:
                kept.append(line)
            if line == "END:VALARM":
                alarm = False
        body = "\r\n".join(kept)
    return head[: -len(end)] + body.encode("utf-8") + end
