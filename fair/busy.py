"""Busy times from a participant's own calendar export (.ics).

`parse_busy` reads an uploaded file defensively — a size cap, strict UTF-8, a nesting
limit, known time zones only, a cap on events, on the steps a recurrence takes to reach
the fair and on expanded occurrences — and expands
recurring events (RRULE, RDATE, EXDATE, overridden instances) with `recurring_ical_events`
over the fair's dates only. Times with a TZID use the file's VTIMEZONE or the IANA zone of
that name; floating times and all-day events are read in the participant's own zone.
Free (TRANSP:TRANSPARENT) and cancelled events block nothing.

`import_busy` replaces the participant's previous calendar import (`source="ics"`) with
the new busy times in the caller's transaction; a file that fails any check raises
`InvalidInput` naming the event (UID and SUMMARY) or the line, before anything changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from icalendar import Calendar, Event
from sqlmodel import Session, col, delete, select

from fair.errors import InvalidInput
from fair.models import BusyTime, Fair, Participant

SOURCE = "ics"
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 4  # VCALENDAR > VEVENT > VALARM, VCALENDAR > VTIMEZONE > STANDARD
MAX_COMPONENTS = 20_000
MAX_BUSY = 2_000  # busy intervals within the fair's dates
# Steps a recurrence may take from its DTSTART to the end of the fair's window: the
# expansion walks every step from DTSTART, so FREQ=SECONDLY from a month before would
# take minutes. Ten years of a daily rule is about 3,650.
MAX_STEPS = 50_000
PERIOD = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}
_BEGIN = re.compile(r"^BEGIN:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_END = re.compile(r"^END:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_TZID = re.compile(r";TZID=(\"[^\"]*\"|[^;:]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Busy:
    start: datetime  # aware UTC
    end: datetime
    label: str  # UID/SUMMARY of the event it came from (for messages, not stored)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"the calendar file is {len(data) / 1024 / 1024:.1f} MiB; the limit is "
            f"{MAX_BYTES // 1024 // 1024} MiB (export only the fair's weeks)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"line {line}: the calendar file is not UTF-8 text (byte {exc.start}); "
            "export it again as an .ics file"
        ) from None
    if "\x00" in text:
        raise InvalidInput("the file contains NUL bytes: it is not an .ics calendar")
    return text


def _check_structure(text: str) -> set[str]:
    """Nesting, balance and size of the component tree; returns the TZIDs defined by
    VTIMEZONEs. Done on the raw lines so a hostile file fails before the parser runs."""
    stack: list[str] = []
    components = 0
    defined: set[str] = set()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(line.strip() for line in lines):
        raise InvalidInput("the file is empty")
    first = next(line for line in lines if line.strip())
    if first.strip().upper() != "BEGIN:VCALENDAR":
        raise InvalidInput("line 1: not an iCalendar file (it must start with BEGIN:VCALENDAR)")
    for number, line in enumerate(lines, 1):
        if line.startswith((" ", "\t")):
            continue
        begin = _BEGIN.match(line)
        if begin:
            stack.append(begin.group(1).upper())
            components += 1
            if len(stack) > MAX_DEPTH:
                raise InvalidInput(
                    f"line {number}: components nested {len(stack)} deep "
                    f"(at most {MAX_DEPTH}): {' > '.join(stack[:6])}…"
                )
            if components > MAX_COMPONENTS:
                raise InvalidInput(f"line {number}: more than {MAX_COMPONENTS} components")
            continue
        end = _END.match(line)
        if end:
            name = end.group(1).upper()
            if not stack or stack[-1] != name:
                expected = stack[-1] if stack else "nothing"
                raise InvalidInput(f"line {number}: END:{name} but {expected} is open")
            stack.pop()
            continue
        if stack and stack[-1] == "VTIMEZONE" and line.upper().startswith("TZID"):
            defined.add(line.split(":", 1)[-1].strip())
    if stack:
        raise InvalidInput(f"the file ends inside {' > '.join(stack)} (missing END lines)")
    return defined


def _label(event: Event) -> str:
    uid = str(event.get("UID", "")).strip()
    summary = str(event.get("SUMMARY", "")).strip()
    parts = [f"UID {uid!r}" if uid else "", f"{summary!r}" if summary else ""]
    return "event " + (" ".join(p for p in parts if p) or "without UID or SUMMARY")


def _check_zones(event: Event, defined: set[str]) -> None:
    text = event.to_ical().decode("utf-8", "replace")
    for match in _TZID.finditer(text):
        tzid = match.group(1).strip('"')
        if tzid not in defined and _zone(tzid) is None:
            raise InvalidInput(
                f"{_label(event)}: unknown time zone {tzid!r} (no VTIMEZONE in the file "
                "and not an IANA name like Europe/Berlin)"
            )


def _instant(value: Any, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: the participant's wall clock
            value = value.replace(tzinfo=zone)
        instant: datetime = value.astimezone(UTC)
        return instant
    if isinstance(value, date):  # all-day: the whole day in the participant's zone
        return datetime.combine(value, time(0), zone).astimezone(UTC)
    raise TypeError(f"not a date or time: {value!r}")


def _check_steps(event: Event, zone: ZoneInfo, window_end: datetime) -> None:
    """Refuse a recurrence that would take more than `MAX_STEPS` steps to expand up to
    the end of the window (an upper bound: every BY-list multiplies the steps)."""
    rules = event.get("RRULE")
    if rules is None:
        return
    start = _instant(event.decoded("DTSTART"), zone)
    span = (window_end - start).total_seconds()
    if span <= 0:
        return
    for rule in rules if isinstance(rules, list) else [rules]:
        period = PERIOD.get(str((rule.get("FREQ") or [""])[0]).upper())
        if period is None:
            continue  # the expansion refuses an unknown FREQ itself
        interval = max(int((rule.get("INTERVAL") or [1])[0]), 1)
        steps = span / (period * interval)
        for key, values in rule.items():
            if key.upper().startswith("BY") and key.upper() != "BYSETPOS":
                steps *= max(len(values), 1)
        if steps > MAX_STEPS:
            raise InvalidInput(
                f"{_label(event)}: its RRULE repeats about {steps:,.0f} times before the "
                f"fair ends (at most {MAX_STEPS:,}); export only the fair's weeks"
            )


def parse_busy(data: bytes, window_start: datetime, window_end: datetime, zone: str) -> list[Busy]:
    """Busy intervals (UTC, clipped to the window) from an .ics file.

    Args:
        data: the uploaded file.
        window_start, window_end: aware instants; occurrences outside are ignored.
        zone: the participant's IANA zone, for floating times and all-day events.

    Raises InvalidInput with a message naming the event or line at fault.
    """
    text = _decode(data)
    defined = _check_structure(text)
    own_zone = ZoneInfo(zone)
    try:
        calendar = Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends on bad content
        raise InvalidInput(f"not a valid iCalendar file: {str(exc)[:200]}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise InvalidInput("not an iCalendar file (no VCALENDAR)")

    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list[Event]] = {}
    for n, component in enumerate(calendar.walk("VEVENT")):
        assert isinstance(component, Event)
        _check_zones(component, defined)
        if "DTSTART" not in component:
            raise InvalidInput(f"{_label(component)}: no DTSTART")
        by_uid.setdefault(str(component.get("UID", f"#{n}")), []).append(component)

    found: list[Busy] = []
    for group in by_uid.values():
        label = _label(group[0])
        # One event (with its overridden instances) at a time, so an error names it.
        single = Calendar()
        for tz in timezones:
            single.add_component(tz)
        for event in group:
            single.add_component(event)
        try:
            for event in group:
                _check_steps(event, own_zone, window_end)
            occurrences = recurring_ical_events.of(single).between(window_start, window_end)
            for occurrence in occurrences:
                if str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
                    continue
                if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
                    continue
                start = _instant(occurrence.decoded("DTSTART"), own_zone)
                if "DTEND" in occurrence:
                    end = _instant(occurrence.decoded("DTEND"), own_zone)
                elif "DURATION" in occurrence:
                    end = start + occurrence.decoded("DURATION")
                elif isinstance(occurrence.decoded("DTSTART"), datetime):
                    continue  # an instant blocks nothing
                else:
                    end = start + timedelta(days=1)
                start, end = max(start, window_start), min(end, window_end)
                if end <= start:
                    continue
                found.append(Busy(start, end, label))
                if len(found) > MAX_BUSY:
                    raise InvalidInput(
                        f"more than {MAX_BUSY} busy times fall on the fair's dates "
                        f"(last from {label}); export a shorter calendar"
                    )
        except InvalidInput:
            raise
        except Exception as exc:
            raise InvalidInput(f"{label}: cannot read its dates ({str(exc)[:200]})") from None
    found.sort(key=lambda b: (b.start, b.end))
    return found


def fair_window(fair: Fair) -> tuple[datetime, datetime]:
    """The fair's dates as UTC instants, a day wider on each side so every zone's
    working day on the fair's dates is covered."""
    zone = ZoneInfo(fair.timezone)
    first = datetime.combine(fair.start, time(0), zone) - timedelta(days=1)
    last = datetime.combine(fair.start + timedelta(days=fair.days + 1), time(0), zone)
    return first.astimezone(UTC), last.astimezone(UTC)


def import_busy(session: Session, person: Participant, data: bytes) -> list[BusyTime]:
    """Replace `person`'s imported busy times with those in `data` (the caller commits)."""
    assert person.id is not None
    fair = session.get(Fair, person.fair_id)
    assert fair is not None
    start, end = fair_window(fair)
    busy = parse_busy(data, start, end, person.timezone)
    session.exec(
        delete(BusyTime).where(
            col(BusyTime.participant_id) == person.id, col(BusyTime.source) == SOURCE
        )
    )
    rows = [
        BusyTime(participant_id=person.id, start=b.start, end=b.end, source=SOURCE) for b in busy
    ]
    session.add_all(rows)
    session.flush()
    return rows


def busy_times(session: Session, person: Participant) -> list[BusyTime]:
    return list(
        session.exec(
            select(BusyTime)
            .where(BusyTime.participant_id == person.id)
            .order_by(col(BusyTime.start))
        )
    )
