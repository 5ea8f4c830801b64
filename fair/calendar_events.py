"""The VEVENTs of calendars: one per meeting or roadshow, as one reader sees it (a
participant, or the organiser with `viewer` None), built from rows loaded in batches.

Times are written in UTC; DESCRIPTION spells out each person's local time. SEQUENCE and
DTSTAMP come from the meeting (or roadshow) row, one higher and at the dropping
publication for a meeting a later version dropped, so an unchanged schedule gives
byte-identical events. Which events a calendar holds is `fair.ical`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Event
from sqlmodel import Session, col, select

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
)
from fair.programme import CalendarShow


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


class CalendarRows:
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


def _stamped(uid: str, stamp: datetime, sequence: int, start: datetime, end: datetime) -> Event:
    """A VEVENT with its identity, version and times: the properties every event starts with."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", start)
    event.add("dtend", end)
    return event


@dataclass(frozen=True)
class _Parties:
    """The people of one meeting: requester `a`, invitee `b`, their companies, the
    third seat, and everyone (both sides with their colleagues, then the third seat)."""

    a: Participant
    b: Participant
    ca: Company
    cb: Company
    third: Participant | None
    everyone: tuple[Participant, ...]

    @classmethod
    def of(cls, rows: CalendarRows, m: Meeting, req: MeetingRequest) -> _Parties:
        a, b = rows.people[req.from_id], rows.people[req.to_id]
        extra = [rows.people[x.participant_id] for x in rows.attendees.get(m.request_id, [])]
        third = rows.people.get(m.third_seat_id) if m.third_seat_id is not None else None
        everyone = (a, b, *extra, *([third] if third else []))
        return cls(
            a, b, rows.companies[a.company_id], rows.companies[b.company_id], third, everyone
        )

    def other(self, side: str) -> tuple[Participant, Company]:
        """The other side as seen from `side`; from the third seat or the organiser's
        view, the invitee."""
        return (self.a, self.ca) if side == "to" else (self.b, self.cb)


def meeting_event(
    rows: CalendarRows,
    m: Meeting,
    req: MeetingRequest,
    viewer: Participant | None,
    base_url: str,
    reminder_minutes: int,
    cancelled_at: datetime | None,
) -> CalendarEvent:
    """The VEVENT of meeting `m` for `viewer` (None: the organiser's fair-wide view);
    `cancelled_at`: when a later version dropped it (None: it is in the current one)."""
    cancelled = cancelled_at is not None or m.status == MeetingStatus.CANCELLED
    parties = _Parties.of(rows, m, req)
    uid = f"{req.uid}@fair" if viewer is not None else f"{req.uid}.all@fair"
    sequence = m.sequence + (1 if cancelled_at is not None else 0)
    stamp = cancelled_at or m.updated_at
    event = _stamped(uid, stamp, sequence, m.start, m.end)
    side = _viewer_side(rows, m, parties, viewer)
    summary = _summary(parties, req, viewer, side)
    event.add("summary", summary)
    location, room_url = _add_place(event, rows, m, req, base_url)
    lines = _description(rows.fair, m, req, parties, viewer, side)
    lines += _offers_and_place(parties.other(side)[1], location, room_url)
    if cancelled:
        lines.insert(0, "CANCELLED: this meeting is no longer in the schedule.")
    event.add("description", "\n".join(lines))
    _add_people(event, rows, parties)
    _status_and_reminder(event, summary, cancelled, reminder_minutes)
    return CalendarEvent(
        request_id=m.request_id,
        uid=uid,
        cancelled=cancelled,
        sequence=sequence,
        stamp=stamp,
        component=event,
    )


def _viewer_side(
    rows: CalendarRows, m: Meeting, parties: _Parties, viewer: Participant | None
) -> str:
    """The viewer's side of the meeting ("from" or "to"); "" for the third seat and the
    organiser."""
    if viewer is None:
        return ""
    if viewer.id == parties.a.id:
        return "from"
    if viewer.id == parties.b.id:
        return "to"
    for att in rows.attendees.get(m.request_id, []):
        if att.participant_id == viewer.id:
            return att.side
    return ""


def _summary(parties: _Parties, req: MeetingRequest, viewer: Participant | None, side: str) -> str:
    if side in ("from", "to"):
        return f"Meeting: {parties.other(side)[1].name}"
    # the third seat (interpreter, service provider) or the organiser
    verb = "Meeting"
    if viewer is not None:
        verb = "Interpreting" if req.third_seat.startswith("interpreter") else "Service"
    return f"{verb}: {parties.ca.name} – {parties.cb.name}"


def _add_place(
    event: Event, rows: CalendarRows, m: Meeting, req: MeetingRequest, base_url: str
) -> tuple[str, str]:
    """LOCATION, and for an online meeting URL and CONFERENCE; returns (location, room
    URL or "")."""
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
    return location, room_url


def _description(
    fair: Fair,
    m: Meeting,
    req: MeetingRequest,
    parties: _Parties,
    viewer: Participant | None,
    side: str,
) -> list[str]:
    """Who meets, and the meeting's time in every attendee's zone and the fair's."""
    lines: list[str] = []
    if viewer is not None and side:
        other, other_company = parties.other(side)
        lines.append(f"With {other.name} ({other_company.name}, {other_company.country}).")
        lines.append(f"Your time: {_span(m.start, m.end, viewer.timezone)}.")
        for p in parties.everyone:
            if p.id != viewer.id:
                lines.append(f"{p.name}'s time: {_span(m.start, m.end, p.timezone)}.")
    else:
        a, b, ca, cb = parties.a, parties.b, parties.ca, parties.cb
        lines.append(f"{a.name} ({ca.name}, {ca.country}) with {b.name} ({cb.name}, {cb.country}).")
        if parties.third is not None:
            lines.append(f"Third seat: {parties.third.name} ({req.third_seat}).")
        for p in parties.everyone:
            label = "Your time" if viewer is not None and p.id == viewer.id else f"{p.name}'s time"
            lines.append(f"{label}: {_span(m.start, m.end, p.timezone)}.")
    lines.append(f"Fair time: {_span(m.start, m.end, fair.timezone)}.")
    return lines


def _offers_and_place(other_company: Company, location: str, room_url: str) -> list[str]:
    """What the other company offers and seeks, and where to meet."""
    lines: list[str] = []
    if other_company.offers:
        lines.append(f"{other_company.name} offers: " + ", ".join(other_company.offers) + ".")
    if other_company.needs:
        lines.append(f"{other_company.name} seeks: " + ", ".join(other_company.needs) + ".")
    if room_url:
        lines.append(f"Join the video room: {room_url}")
    else:
        lines.append(f"Where: {location}.")
    return lines


def _add_people(event: Event, rows: CalendarRows, parties: _Parties) -> None:
    """ORGANIZER (the requester) and an ATTENDEE for everyone (the third seat optional)."""
    organiser_address, organiser_params = _address(parties.a, parties.ca)
    event.add("organizer", organiser_address, parameters=organiser_params)
    for p in parties.everyone:
        address, params = _address(p, rows.companies.get(p.company_id))
        role = "REQ-PARTICIPANT" if p is not parties.third else "OPT-PARTICIPANT"
        event.add(
            "attendee",
            address,
            parameters={**params, "ROLE": role, "PARTSTAT": "ACCEPTED", "CUTYPE": "INDIVIDUAL"},
        )


def _address(p: Participant, company: Company | None) -> tuple[str, dict[str, str]]:
    cn = f"{p.name} ({company.name})" if company else p.name
    return f"mailto:{p.email}", {"CN": cn}


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


def roadshow_event(
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
    uid = f"{show.uid}.roadshow@fair"
    sequence = show.sequence + (1 if withdrawn else 0)
    event = _stamped(uid, entry.stamp, sequence, show.start, show.end)
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
