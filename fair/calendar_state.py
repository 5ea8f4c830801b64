"""What each participant's calendar last showed of each meeting, so that SEQUENCE,
DTSTAMP and LAST-MODIFIED move exactly when what that person sees changes.

A meeting's event differs from person to person (the counterpart, the attendees, the
local times), and it can change without a new schedule version: a colleague added to or
removed from a request, a company renamed. So the state is per person and event
(`CalendarEntry`): a fingerprint of the event's content (everything but DTSTAMP,
LAST-MODIFIED, SEQUENCE and the reminder), its SEQUENCE and DTSTAMP, and the event as
shown. One more row per person (uid "") stands for the calendar as a whole; its stamp is
when the calendar's content last changed, so Last-Modified moves also when an event
only left it.

`plan` compares a person's current events with the state: an unchanged event keeps its
SEQUENCE and DTSTAMP; a changed one gets SEQUENCE one higher (at least the meeting's) and
DTSTAMP = the moment of the change; an event the calendar showed and no longer holds (the
person was taken off the request) stays as STATUS:CANCELLED with SEQUENCE one higher.
Each of these is a `Change` for an iTIP message (`fair.notify`). The first time a
person's calendar is planned, its events are recorded as they are (no change), except
those of requests the caller names (new in a publication). `show` applies the state
without writing, and says when it is stale (a `plan` would change something).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from icalendar import Event, vDDDTypes, vInt, vText
from sqlmodel import Session, col, select

from fair.calendar_events import CalendarEvent
from fair.models import CalendarEntry

CALENDAR = ""  # the uid of the row that stands for the whole calendar
_VOLATILE = {"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"}
GONE = "CANCELLED: you are no longer on this meeting."


def fingerprint(component: Event) -> str:
    """What a person sees of an event: its content without DTSTAMP, LAST-MODIFIED,
    SEQUENCE and the reminder (a setting, not a change of the meeting)."""
    return _digest(component.to_ical().decode("utf-8"))


def _digest(text: str) -> str:
    """`fingerprint` of an event already written out."""
    kept: list[str] = []
    alarm = 0
    for line in text.replace("\r\n ", "").split("\r\n"):
        upper = line.upper()
        if upper.startswith("BEGIN:VALARM"):
            alarm += 1
        elif upper.startswith("END:VALARM"):
            alarm -= 1
        elif not alarm and upper.split(":", 1)[0].split(";", 1)[0] not in _VOLATILE:
            kept.append(line)
    return hashlib.sha256("\n".join(kept).encode("utf-8")).hexdigest()


def restamp(event: CalendarEvent, sequence: int, stamp: datetime) -> CalendarEvent:
    """`event` with another SEQUENCE and DTSTAMP/LAST-MODIFIED (properties keep their
    place, so the file stays byte-stable)."""
    component = event.component
    component["SEQUENCE"] = vInt(sequence)
    component["DTSTAMP"] = vDDDTypes(stamp)
    component["LAST-MODIFIED"] = vDDDTypes(stamp)
    return replace(event, sequence=sequence, stamp=stamp)


def _gone(entry: CalendarEntry, sequence: int, stamp: datetime) -> CalendarEvent:
    """The event as last shown, cancelled: the person is no longer on the meeting."""
    parsed = Event.from_ical(entry.event)
    assert isinstance(parsed, Event)
    parsed.subcomponents = []
    parsed["STATUS"] = vText("CANCELLED")
    parsed["TRANSP"] = vText("TRANSPARENT")
    description = str(parsed.get("DESCRIPTION", ""))
    if not description.startswith(GONE):
        parsed["DESCRIPTION"] = vText(f"{GONE}\n{description}".rstrip("\n"))
    event = CalendarEvent(
        request_id=entry.request_id or 0,
        uid=entry.uid,
        cancelled=True,
        sequence=sequence,
        stamp=stamp,
        component=parsed,
    )
    return restamp(event, sequence, stamp)


def _shown(entry: CalendarEntry) -> CalendarEvent:
    parsed = Event.from_ical(entry.event)
    assert isinstance(parsed, Event)
    return CalendarEvent(
        request_id=entry.request_id or 0,
        uid=entry.uid,
        cancelled=entry.cancelled,
        sequence=entry.sequence,
        stamp=entry.stamp,
        component=parsed,
    )


@dataclass
class State:
    """A person's rows: one per event shown, and the calendar's (None before the first
    plan)."""

    entries: dict[str, CalendarEntry]
    calendar: CalendarEntry | None

    def newest(self) -> datetime | None:
        stamps = [e.stamp for e in self.entries.values()]
        if self.calendar is not None:
            stamps.append(self.calendar.stamp)
        return max(stamps) if stamps else None


def load(session: Session, participant_id: int) -> State:
    entries: dict[str, CalendarEntry] = {}
    calendar = None
    for row in session.exec(
        select(CalendarEntry).where(CalendarEntry.participant_id == participant_id)
    ):
        if row.uid == CALENDAR:
            calendar = row
        else:
            entries[row.uid] = row
    return State(entries, calendar)


@dataclass(frozen=True)
class Shown:
    events: list[CalendarEvent]
    last_modified: datetime | None
    stale: bool


def show(events: Sequence[CalendarEvent], state: State) -> Shown:
    """The person's meeting events as their calendar shows them (read only); `stale`
    when what they see differs from what was recorded (a `plan` is due)."""
    out: list[CalendarEvent] = []
    stale = state.calendar is None
    left = dict(state.entries)
    for event in events:
        entry = left.pop(event.uid, None)
        if entry is None:
            stale = True
            out.append(event)
        elif entry.fingerprint == fingerprint(event.component):
            out.append(restamp(event, entry.sequence, entry.stamp))
        else:
            stale = True
            sequence = max(event.sequence, entry.sequence + 1)
            out.append(restamp(event, sequence, max(event.stamp, entry.stamp)))
    for entry in left.values():
        if entry.cancelled:
            out.append(_shown(entry))
        else:
            stale = True
            out.append(_gone(entry, entry.sequence + 1, entry.stamp))
    stamps = [e.stamp for e in out]
    if state.calendar is not None:
        stamps.append(state.calendar.stamp)
    return Shown(out, max(stamps) if stamps else None, stale)


@dataclass(frozen=True)
class Change:
    """One event a person should be told about: "new", "changed" or "cancelled";
    `text`: the event written out (for its iTIP message)."""

    kind: str
    event: CalendarEvent
    text: str


@dataclass
class Plan:
    participant_id: int
    changes: list[Change] = field(default_factory=list)
    rows: list[CalendarEntry] = field(default_factory=list)  # to add or update

    @property
    def request_ids(self) -> set[int]:
        return {c.event.request_id for c in self.changes}


def _moment(now: datetime, state: State) -> datetime:
    """When a change happens: `now` to the second, and after everything recorded, so
    Last-Modified (whole seconds) moves."""
    moment = now.astimezone(UTC).replace(microsecond=0)
    newest = state.newest()
    if newest is not None and moment <= newest:
        moment = newest.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _record(
    entry: CalendarEntry | None,
    participant_id: int,
    event: CalendarEvent,
    digest: str,
    text: str,
) -> CalendarEntry:
    row = entry or CalendarEntry(participant_id=participant_id, uid=event.uid)
    row.request_id = event.request_id or None
    row.fingerprint = digest
    row.sequence = event.sequence
    row.stamp = event.stamp
    row.cancelled = event.cancelled
    row.event = text
    return row


def plan(
    participant_id: int,
    events: Iterable[CalendarEvent],
    state: State,
    now: datetime,
    announce: frozenset[int] = frozenset(),
) -> Plan:
    """What to record for a person whose meeting events are now `events`, and what to
    tell them. `announce`: request ids whose events count as new even on a calendar
    planned for the first time (the meetings a publication added, moved or dropped)."""
    result = Plan(participant_id)
    moment = _moment(now, state)
    left = dict(state.entries)
    first = state.calendar is None
    touched = False
    for event in events:
        text = event.component.to_ical().decode("utf-8")
        digest = _digest(text)
        entry = left.pop(event.uid, None)
        if entry is not None and entry.fingerprint == digest:
            continue
        kind: str | None
        if entry is None:
            told = not first or event.request_id in announce
            if told:
                event = restamp(event, event.sequence, moment)
            kind = ("cancelled" if event.cancelled else "new") if told else None
        else:
            event = restamp(event, max(event.sequence, entry.sequence + 1), moment)
            if event.cancelled:
                kind = None if entry.cancelled else "cancelled"
            else:
                kind = "new" if entry.cancelled else "changed"
        if entry is not None or kind is not None:  # restamped: write it out again
            touched = True
            text = event.component.to_ical().decode("utf-8")
        result.rows.append(_record(entry, participant_id, event, digest, text))
        if kind is not None:
            result.changes.append(Change(kind, event, text))
    for entry in left.values():
        if entry.cancelled:
            continue
        event = _gone(entry, entry.sequence + 1, moment)
        text = event.component.to_ical().decode("utf-8")
        result.rows.append(_record(entry, participant_id, event, _digest(text), text))
        result.changes.append(Change("cancelled", event, text))
        touched = True
    calendar = state.calendar
    if calendar is None:
        stamps = [e.stamp for e in events] if not touched else [moment]
        calendar = CalendarEntry(
            participant_id=participant_id, uid=CALENDAR, stamp=max(stamps, default=moment)
        )
        result.rows.append(calendar)
    elif touched:
        calendar.stamp = moment
        result.rows.append(calendar)
    return result


def apply(session: Session, plans: Iterable[Plan]) -> None:
    for p in plans:
        session.add_all(p.rows)
    session.flush()


def people_on(session: Session, request_ids: Iterable[int]) -> set[int]:
    """Everyone whose calendar showed an event of these requests."""
    ids = list(request_ids)
    if not ids:
        return set()
    return set(
        session.exec(
            select(CalendarEntry.participant_id).where(col(CalendarEntry.request_id).in_(ids))
        ).all()
    )
