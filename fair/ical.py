"""Calendars (RFC 5545) of published meetings: a participant's own (with the roadshows
they present or registered to attend), the organiser's fair-wide one (all meetings or
one place), and single-event iTIP objects for e-mail.

DTSTART/DTEND are written in UTC (`...Z`), which every client places on the right instant
whatever its time-zone database; each side's local time is spelled out in DESCRIPTION.
A meeting's UID is its request's random UID (no names or e-mails), stable across
re-solves; SEQUENCE and DTSTAMP come from the meeting row, so an unchanged schedule gives
a byte-identical file. Meetings dropped by a later version stay as STATUS:CANCELLED (with
SEQUENCE one higher and DTSTAMP at the publication that dropped them) so that subscribed
clients remove them.

Rows are loaded in a few batched queries (people, companies and places by id), never
one query per meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from sqlmodel import Session, col, or_, select

from fair.errors import NotFound
from fair.models import (
    Booth,
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
    RequestAttendee,
    ScheduleVersion,
    VersionStatus,
)
from fair.programme import CalendarShow, calendar_roadshows, fair_calendar_roadshows

PRODID = "-//Open Virtual Trade Fair//fair 0.1//EN"
DEFAULT_REMINDER_MINUTES = 15
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarFile:
    """A calendar's text and the newest change in it (for Last-Modified)."""

    text: str
    last_modified: datetime | None


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as seen by one reader, ready to go into a calendar."""

    request_id: int
    uid: str
    cancelled: bool
    sequence: int
    stamp: datetime
    component: Event


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M")


def _span(start: datetime, end: datetime, zone: str) -> str:
    return f"{_local(start, zone)}–{end.astimezone(ZoneInfo(zone)):%H:%M} ({zone})"


class _Rows:
    """Batch-loaded rows for one fair: places up front, people and companies on demand."""

    def __init__(self, session: Session, fair: Fair) -> None:
        self.session = session
        self.fair = fair
        self.pavilions: dict[int | None, Pavilion] = {}
        self.booths: dict[int | None, Booth] = {}
        self.tables: dict[int | None, MeetingTable] = {}
        self.people: dict[int, Participant] = {}
        self.companies: dict[int, Company] = {}
        self.attendees: dict[int, list[RequestAttendee]] = {}

    def load(self, requests: Iterable[MeetingRequest], meetings: Iterable[Meeting]) -> None:
        request_ids = [r.id for r in requests if r.id is not None]
        booths = {m.booth_id for m in meetings if m.booth_id is not None} - set(self.booths)
        if booths:
            self.booths.update(
                (b.id, b) for b in self.session.exec(select(Booth).where(col(Booth.id).in_(booths)))
            )
        tables = {m.table_id for m in meetings if m.table_id is not None} - set(self.tables)
        if tables:
            self.tables.update(
                (t.id, t)
                for t in self.session.exec(
                    select(MeetingTable).where(col(MeetingTable.id).in_(tables))
                )
            )
        pavilions = {b.pavilion_id for b in self.booths.values()}
        pavilions |= {t.pavilion_id for t in self.tables.values()}
        pavilions -= {k for k in self.pavilions if k is not None}
        if pavilions:
            self.pavilions.update(
                (p.id, p)
                for p in self.session.exec(select(Pavilion).where(col(Pavilion.id).in_(pavilions)))
            )
        for att in self.session.exec(
            select(RequestAttendee).where(col(RequestAttendee.request_id).in_(request_ids))
        ):
            self.attendees.setdefault(att.request_id, []).append(att)
        wanted = {r.from_id for r in requests} | {r.to_id for r in requests}
        wanted |= {m.third_seat_id for m in meetings if m.third_seat_id is not None}
        wanted |= {a.participant_id for atts in self.attendees.values() for a in atts}
        missing = sorted(wanted - set(self.people))
        for chunk in range(0, len(missing), 500):
            for p in self.session.exec(
                select(Participant).where(col(Participant.id).in_(missing[chunk : chunk + 500]))
            ):
                assert p.id is not None
                self.people[p.id] = p
        companies = sorted({p.company_id for p in self.people.values()} - set(self.companies))
        for chunk in range(0, len(companies), 500):
            for c in self.session.exec(
                select(Company).where(col(Company.id).in_(companies[chunk : chunk + 500]))
            ):
                assert c.id is not None
                self.companies[c.id] = c

    def place(self, m: Meeting) -> tuple[str, str]:
        """(place key, human location) of a meeting."""
        if m.place_kind == PlaceKind.BOOTH and m.booth_id in self.booths:
            booth = self.booths[m.booth_id]
            pavilion = self.pavilions.get(booth.pavilion_id)
            name = pavilion.name if pavilion else ""
            return booth.key, f"{name}, booth {booth.key}".lstrip(", ")
        if m.place_kind == PlaceKind.TABLE and m.table_id in self.tables:
            table = self.tables[m.table_id]
            pavilion = self.pavilions.get(table.pavilion_id)
            name = pavilion.name if pavilion else ""
            return table.key, f"{name}, table {table.key}".lstrip(", ")
        return m.room, "Online"


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
        dropped_at = after[index + 1].published_at
        assert dropped_at is not None
        out.append((m, dropped_at))
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


def _address(p: Participant, company: Company | None) -> tuple[str, dict[str, str]]:
    cn = f"{p.name} ({company.name})" if company else p.name
    return f"mailto:{p.email}", {"CN": cn}


def _event(
    rows: _Rows,
    m: Meeting,
    req: MeetingRequest,
    viewer: Participant | None,
    base_url: str,
    reminder_minutes: int,
    cancelled_at: datetime | None,
) -> CalendarEvent:
    """The VEVENT of meeting `m` for `viewer` (None: the organiser's fair-wide view)."""
    cancelled = cancelled_at is not None or m.status == MeetingStatus.CANCELLED
    a, b = rows.people[req.from_id], rows.people[req.to_id]
    ca, cb = rows.companies[a.company_id], rows.companies[b.company_id]
    extra = [rows.people[x.participant_id] for x in rows.attendees.get(m.request_id, [])]
    third = rows.people.get(m.third_seat_id) if m.third_seat_id is not None else None
    everyone = [a, b, *extra, *([third] if third else [])]

    event = Event()
    uid = f"{req.uid}@fair" if viewer is not None else f"{req.uid}.all@fair"
    sequence = m.sequence + (1 if cancelled_at is not None else 0)
    stamp = cancelled_at or m.updated_at
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", m.start)
    event.add("dtend", m.end)

    side = ""
    if viewer is not None:
        side = (
            "from" if viewer.id == a.id else "to" if viewer.id == b.id else _side(rows, m, viewer)
        )
    if side == "from":
        other, other_company = b, cb
        summary = f"Meeting: {cb.name}"
    elif side == "to":
        other, other_company = a, ca
        summary = f"Meeting: {ca.name}"
    else:  # the third seat (interpreter, service provider) or the organiser
        other, other_company = b, cb
        verb = "Meeting"
        if viewer is not None:
            verb = "Interpreting" if req.third_seat.startswith("interpreter") else "Service"
        summary = f"{verb}: {ca.name} – {cb.name}"
    event.add("summary", summary)

    _, location = rows.place(m)
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

    lines: list[str] = []
    if viewer is not None and side:
        lines.append(f"With {other.name} ({other_company.name}, {other_company.country}).")
        lines.append(f"Your time: {_span(m.start, m.end, viewer.timezone)}.")
        for p in everyone:
            if p.id != viewer.id:
                lines.append(f"{p.name}'s time: {_span(m.start, m.end, p.timezone)}.")
    else:
        lines.append(f"{a.name} ({ca.name}, {ca.country}) with {b.name} ({cb.name}, {cb.country}).")
        if third is not None:
            lines.append(f"Third seat: {third.name} ({req.third_seat}).")
        for p in everyone:
            label = "Your time" if viewer is not None and p.id == viewer.id else f"{p.name}'s time"
            lines.append(f"{label}: {_span(m.start, m.end, p.timezone)}.")
    lines.append(f"Fair time: {_span(m.start, m.end, rows.fair.timezone)}.")
    if other_company.offers:
        lines.append(f"{other_company.name} offers: " + ", ".join(other_company.offers) + ".")
    if other_company.needs:
        lines.append(f"{other_company.name} seeks: " + ", ".join(other_company.needs) + ".")
    if room_url:
        lines.append(f"Join the video room: {room_url}")
    else:
        lines.append(f"Where: {location}.")
    if cancelled:
        lines.insert(0, "CANCELLED: this meeting is no longer in the schedule.")
    event.add("description", "\n".join(lines))

    organiser_address, organiser_params = _address(a, ca)
    event.add("organizer", organiser_address, parameters=organiser_params)
    for p in everyone:
        address, params = _address(p, rows.companies.get(p.company_id))
        role = "REQ-PARTICIPANT" if p is not third else "OPT-PARTICIPANT"
        event.add(
            "attendee",
            address,
            parameters={**params, "ROLE": role, "PARTSTAT": "ACCEPTED", "CUTYPE": "INDIVIDUAL"},
        )
    _status_and_reminder(event, summary, cancelled, reminder_minutes)
    return CalendarEvent(
        request_id=m.request_id,
        uid=uid,
        cancelled=cancelled,
        sequence=sequence,
        stamp=stamp,
        component=event,
    )


def _side(rows: _Rows, m: Meeting, viewer: Participant) -> str:
    for att in rows.attendees.get(m.request_id, []):
        if att.participant_id == viewer.id:
            return att.side
    return ""


def _status_and_reminder(
    event: Event, summary: str, cancelled: bool, reminder_minutes: int
) -> None:
    """STATUS and TRANSP, and a display alarm `reminder_minutes` before a live event."""
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if reminder_minutes > 0 and not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(minutes=-reminder_minutes))
        event.add_component(alarm)


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
        _roadshow_event(entry, fair, person.timezone, base_url, reminder_minutes)
        for entry in calendar_roadshows(session, person)
    ]


def _roadshow_event(
    entry: CalendarShow,
    fair: Fair,
    viewer_timezone: str | None,
    base_url: str,
    reminder_minutes: int,
) -> CalendarEvent:
    """The VEVENT of one roadshow; `viewer_timezone` None: the organiser's view."""
    show = entry.show
    url = f"{base_url}/fair/{show.fair_id}/roadshows/{show.id}"
    withdrawn = entry.cancelled and show.status != "cancelled"
    event = Event()
    uid = f"{show.uid}.roadshow@fair"
    sequence = show.sequence + (1 if withdrawn else 0)
    event.add("uid", uid)
    event.add("dtstamp", entry.stamp)
    event.add("last-modified", entry.stamp)
    event.add("sequence", sequence)
    event.add("dtstart", show.start)
    event.add("dtend", show.end)
    verb = "Presenting" if entry.role == "presenter" else "Roadshow"
    summary = f"{verb}: {show.title} ({entry.company})"
    event.add("summary", summary)
    event.add("location", f"{entry.pavilion} stage (online: {url})")
    event.add("url", url)
    lines = [f"{entry.company}, presented by {entry.presenter}, on the {entry.pavilion} stage."]
    if viewer_timezone is not None:
        lines.append(f"Your time: {_span(show.start, show.end, viewer_timezone)}.")
    lines += [f"Fair time: {_span(show.start, show.end, fair.timezone)}.", f"Watch live: {url}"]
    if show.description:
        lines.insert(1, show.description)
    if entry.cancelled:
        lines.insert(
            0,
            "CANCELLED: this roadshow was cancelled."
            if viewer_timezone is None
            else "CANCELLED: this roadshow is no longer on your calendar.",
        )
    event.add("description", "\n".join(lines))
    _status_and_reminder(event, summary, entry.cancelled, reminder_minutes)
    return CalendarEvent(
        request_id=0,
        uid=uid,
        cancelled=entry.cancelled,
        sequence=sequence,
        stamp=entry.stamp,
        component=event,
    )


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
) -> list[CalendarEvent]:
    """Every published meeting of `person` (and the cancelled ones), by start time."""
    assert fair.id is not None and person.id is not None
    current, older = published_history(session, fair.id)
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
    rows = _Rows(session, fair)
    rows.load(own.values(), [*mine, *(m for m, _ in dropped)])
    rows.people[person.id] = person
    events = [
        _event(rows, m, own[m.request_id], person, base_url, reminder_minutes, None) for m in mine
    ] + [
        _event(rows, m, own[m.request_id], person, base_url, reminder_minutes, at)
        for m, at in dropped
    ]
    starts = {m.request_id: m.start for m in mine} | {m.request_id: m.start for m, _ in dropped}
    events.sort(key=lambda e: (starts[e.request_id], e.uid))
    return events


def _file(
    cal: Calendar, events: Sequence[CalendarEvent], fallback: datetime | None
) -> CalendarFile:
    for e in events:
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
) -> CalendarFile:
    """The participant's calendar (METHOD:PUBLISH) and when it last changed."""
    fair, person = _find(session, fair_id, participant_key)
    cal = _header(f"{fair.name} — {person.name}", person.timezone, "PUBLISH")
    events = participant_events(session, fair, person, base_url, reminder_minutes)
    # Roadshows presented or attended sit between the meetings, in start order.
    events += roadshow_events(session, fair, person, base_url, reminder_minutes)
    events.sort(key=lambda e: (e.component.decoded("dtstart"), e.uid))
    current, _ = published_history(session, fair_id)
    return _file(cal, events, current.published_at if current else None)


def participant_calendar(
    session: Session,
    fair_id: int,
    participant_key: str,
    base_url: str,
    reminder_minutes: int = DEFAULT_REMINDER_MINUTES,
) -> str:
    """The participant's calendar as text (CRLF lines, folded at 75 octets)."""
    return participant_calendar_file(
        session, fair_id, participant_key, base_url, reminder_minutes
    ).text


def fair_calendar_file(
    session: Session,
    fair_id: int,
    base_url: str,
    place: str | None = None,
    reminder_minutes: int = 0,
) -> CalendarFile:
    """The organiser's calendar: every published meeting and every roadshow, or the
    meetings at one booth, table or video room (`place` is its key). Cancelled meetings
    and roadshows stay as STATUS:CANCELLED."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    rows = _Rows(session, fair)
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
            _roadshow_event(entry, fair, None, base_url, reminder_minutes)
            for entry in fair_calendar_roadshows(session, fair_id)
        ]
    )
    current, older = published_history(session, fair_id)
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
        _event(rows, m, requests[m.request_id], None, base_url, reminder_minutes, None)
        for m in meetings
    ] + [
        _event(rows, m, requests[m.request_id], None, base_url, reminder_minutes, at)
        for m, at in dropped
    ]
    events += shows
    events.sort(key=lambda e: (e.component.decoded("dtstart"), e.uid))
    return _file(cal, events, current.published_at)


def itip(event: CalendarEvent, method: str) -> bytes:
    """A one-event iTIP object (RFC 5546): METHOD:REQUEST for a new or moved meeting,
    METHOD:CANCEL for a dropped one."""
    cal = _header("", "UTC", method)
    component = Event.from_ical(event.component.to_ical())
    assert isinstance(component, Event)
    if method == "CANCEL":
        component.subcomponents = []
    cal.add_component(component)
    data: bytes = cal.to_ical()
    return data
