"""Reading busy times from an uploaded calendar file (.ics), under a budget.

`parse_busy` reads a file defensively — a size cap, strict UTF-8, a nesting limit, known
time zones only, a cap on components and on busy times — and expands every recurrence
(RRULE, RDATE, EXDATE, EXRULE and overridden instances, in VEVENTs with
`recurring_ical_events`, in VTIMEZONE observances with icalendar) over the fair's
window only. Recurrences are paid for from one budget per file (`Budget.instances`):
each rule costs the steps it takes from its DTSTART to the end of what is expanded (the
window, or 2038 for a time zone's observances, as far as icalendar goes), each RDATE and
EXDATE value one, each occurrence one. A rule with INTERVAL below 1, an unknown FREQ or a
month and day that never meet is refused before anything runs.

Steps are only an estimate: a rule whose BY-parts rarely or never match makes the
expansion scan far ahead without producing anything. So the server never runs
`parse_busy` in its own process: `python -m fair.busy_reader` is the worker that
`fair.busy.read_busy` starts for each upload, under a budget of wall-clock time and
memory, and kills when it runs over. The worker tells which event it is expanding, so a
refusal names it (UID and SUMMARY).

This module imports neither the database nor the web layer, so the worker starts fast.
"""

from __future__ import annotations

import calendar as months
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import recurring_ical_events
from icalendar import Calendar, Event, Timezone, vDuration

from fair.errors import InvalidInput

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 4  # VCALENDAR > VEVENT > VALARM, VCALENDAR > VTIMEZONE > STANDARD
MAX_COMPONENTS = 20_000
MAX_BUSY = 2_000  # busy intervals within the fair's dates
LABEL_CHARS = 120
PERIOD = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}
# icalendar turns a VTIMEZONE into transitions up to this date (Timezone.to_tz).
TZ_LAST = datetime.combine(Timezone.DEFAULT_LAST_DATE, time(0))
_BEGIN = re.compile(r"^BEGIN:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_END = re.compile(r"^END:([A-Za-z0-9-]+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Budget:
    """What reading one file may cost. `instances`: recurrence steps, listed dates and
    occurrences together (ten years of a daily rule is about 3,650); `seconds`: wall
    time of the worker once it has started; `memory`: the worker's address space."""

    instances: int = 200_000
    seconds: float = 20.0
    memory: int = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Busy:
    start: datetime  # aware UTC
    end: datetime
    label: str  # UID/SUMMARY of the event it came from (for messages, not stored)


class _Meter:
    """The file's instance budget, and which event is being read (for messages)."""

    def __init__(self, budget: Budget, progress: Callable[[str], None] | None) -> None:
        self.left = budget.instances
        self.limit = budget.instances
        self.label = "the file"
        self.progress = progress

    def reading(self, label: str) -> None:
        self.label = label
        if self.progress is not None:
            self.progress(label)

    def spend(self, amount: float, what: str) -> None:
        self.left -= math.ceil(amount)
        if self.left < 0:
            raise InvalidInput(
                f"{self.label}: {what} goes past the budget of {self.limit:,} repetitions "
                "for one file; export only the fair's weeks"
            )


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


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _label(event: Event) -> str:
    uid = _short(str(event.get("UID", "")).strip())
    summary = _short(str(event.get("SUMMARY", "")).strip())
    parts = [f"UID {uid!r}" if uid else "", f"{summary!r}" if summary else ""]
    return "event " + (" ".join(p for p in parts if p) or "without UID or SUMMARY")


def _check_zones(event: Event, defined: set[str]) -> None:
    for _, value in event.property_items(recursive=True, sorted=False):
        params = getattr(value, "params", None)
        if not params or "TZID" not in params:
            continue
        tzid = str(params["TZID"]).strip('"')
        if tzid not in defined and _zone(tzid) is None:
            raise InvalidInput(
                f"{_label(event)}: unknown time zone {_short(tzid)!r} (no VTIMEZONE in the "
                "file and not an IANA name like Europe/Berlin)"
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


def _rules(component: Any, name: str) -> list[Any]:
    rules = component.get(name)
    if rules is None:
        return []
    return list(rules) if isinstance(rules, list) else [rules]


def _listed(component: Any, name: str) -> int:
    """How many dates an RDATE or EXDATE property lists (all its lines)."""
    values = component.get(name)
    if values is None:
        return 0
    count = 0
    for value in values if isinstance(values, list) else [values]:
        count += len(getattr(value, "dts", None) or [value])
    return count


def _never(rule: Any) -> bool:
    """A rule whose BYMONTH and BYMONTHDAY never meet (30 February): the expansion
    would scan to the year 9999 for it."""
    by_month = [int(m) for m in rule.get("BYMONTH") or []]
    by_day = [int(d) for d in rule.get("BYMONTHDAY") or []]
    if not by_month or not by_day:
        return False
    longest = max(months.monthrange(2024, m)[1] for m in by_month if 1 <= m <= 12)
    return all(abs(d) > longest for d in by_day)


def _rule_cost(rule: Any, start: datetime, until: datetime, kind: str) -> float:
    """Checks one RRULE or EXRULE and returns the steps it takes from `start` to
    `until` (an upper bound: every BY-list multiplies the steps)."""
    freq = str((rule.get("FREQ") or [""])[0]).upper()
    period = PERIOD.get(freq)
    if period is None:
        raise InvalidInput(f"its {kind} has an unknown FREQ {_short(freq)!r}")
    try:
        interval = int((rule.get("INTERVAL") or [1])[0])
    except (TypeError, ValueError):
        raise InvalidInput(f"its {kind} has an INTERVAL that is not a number") from None
    if interval < 1:
        raise InvalidInput(f"its {kind} has INTERVAL={interval} (it must be 1 or more)")
    try:
        never = _never(rule)
    except (TypeError, ValueError):
        raise InvalidInput(f"its {kind} has a BYMONTH or BYMONTHDAY that is not a number") from None
    if never:
        raise InvalidInput(f"its {kind} asks for a day that no month has, so it never happens")
    span = (until - start).total_seconds()
    if span <= 0:
        return 1
    steps = span / (period * interval)
    for key, values in rule.items():
        if key.upper().startswith("BY") and key.upper() != "BYSETPOS":
            steps *= max(len(values), 1)
    return max(steps, 1)


def _pay_for(meter: _Meter, component: Any, start: datetime, until: datetime) -> None:
    """Charge the meter for a component's RRULEs, EXRULEs, RDATEs and EXDATEs."""
    for kind in ("RRULE", "EXRULE"):
        for rule in _rules(component, kind):
            try:
                cost = _rule_cost(rule, start, until, kind)
            except InvalidInput as exc:
                raise InvalidInput(f"{meter.label}: {exc}") from None
            meter.spend(cost, f"its {kind} (about {cost:,.0f} steps before the fair ends)")
    listed = _listed(component, "RDATE") + _listed(component, "EXDATE")
    if listed:
        meter.spend(listed, f"its {listed:,} RDATE and EXDATE values")


def _read_timezones(calendar: Calendar, meter: _Meter) -> None:
    """Pay for and build each VTIMEZONE (icalendar expands its observances up to 2038
    the first time a time in that zone is read), so a hostile observance is named."""
    for tz in calendar.walk("VTIMEZONE"):
        meter.reading(f"time zone {_short(str(tz.get('TZID', '')))!r}")
        try:
            for observance in tz.subcomponents:
                if "DTSTART" not in observance:
                    raise InvalidInput(f"{meter.label}: an observance without DTSTART")
                start = observance.decoded("DTSTART")
                if not isinstance(start, datetime):
                    start = datetime.combine(start, time(0))
                _pay_for(meter, observance, start.replace(tzinfo=None), TZ_LAST)
            assert isinstance(tz, Timezone)
            tz.to_tz()
        except InvalidInput:
            raise
        except Exception as exc:
            raise InvalidInput(f"{meter.label}: cannot be read ({_short(str(exc))})") from None


def _excluded(
    event: Event, timezones: list[Any], zone: ZoneInfo, window: tuple[datetime, datetime]
) -> set[datetime]:
    """The instants an EXRULE removes from the series, inside the window (as UTC).
    `recurring_ical_events` ignores EXRULE (RFC 5545 deprecates it but files carry it),
    so each EXRULE is expanded as the RRULE of a copy of the event."""
    out: set[datetime] = set()
    for rule in _rules(event, "EXRULE"):
        shadow = Event()
        shadow.add("uid", "exrule")
        shadow["DTSTART"] = event["DTSTART"]
        shadow["DURATION"] = vDuration(timedelta(0))
        shadow["RRULE"] = rule
        holder = Calendar()
        for tz in timezones:
            holder.add_component(tz)
        holder.add_component(shadow)
        for moment in recurring_ical_events.of(holder).between(*window):
            out.add(_instant(moment.decoded("DTSTART"), zone))
    return out


def _occurrences(
    single: Calendar,
    timezones: list[Any],
    group: list[Event],
    zone: ZoneInfo,
    window: tuple[datetime, datetime],
    meter: _Meter,
) -> list[Event]:
    """The occurrences of one event (with its overridden instances) in the window."""
    plain = len(group) == 1 and not any(
        k in group[0] for k in ("RRULE", "RDATE", "RECURRENCE-ID", "EXRULE")
    )
    if plain:  # nothing to expand: the event itself (the window clips it)
        return group
    found: list[Event] = []
    for occurrence in recurring_ical_events.of(single).between(*window):
        meter.spend(1, "its occurrences")
        found.append(occurrence)
    excluded: set[datetime] = set()
    for event in group:
        if "EXRULE" in event:
            excluded |= _excluded(event, timezones, zone, window)
    if excluded:
        found = [o for o in found if _instant(o.decoded("DTSTART"), zone) not in excluded]
    return found


def _check_order(event: Event, zone: ZoneInfo, label: str) -> None:
    """Refuse an event that ends before it starts (a DTEND before DTSTART, a negative
    DURATION) rather than guess: the expansion would swap the two, the clipping drop it."""
    start_value = event.decoded("DTSTART")
    start = _instant(start_value, zone)
    if "DTEND" in event:
        end_value = event.decoded("DTEND")
        if _instant(end_value, zone) < start:
            raise InvalidInput(
                f"{label}: it ends before it starts (DTEND {_shown_time(end_value)} is before "
                f"DTSTART {_shown_time(start_value)}); fix the event in your calendar"
            )
    elif "DURATION" in event:
        length = event.decoded("DURATION")
        if isinstance(length, timedelta) and length < timedelta(0):
            raw = event["DURATION"].to_ical()
            written = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            raise InvalidInput(
                f"{label}: it ends before it starts (DURATION {written} is negative); fix "
                "the event in your calendar"
            )


def _shown_time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + (
            " UTC" if value.utcoffset() == timedelta(0) else ""
        )
    return str(value)


def _busy_of(occurrence: Event, zone: ZoneInfo, label: str) -> tuple[datetime, datetime] | None:
    """The busy interval of one occurrence (None: it blocks nothing)."""
    if str(occurrence.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = _instant(occurrence.decoded("DTSTART"), zone)
    if "DTEND" in occurrence:
        end = _instant(occurrence.decoded("DTEND"), zone)
    elif "DURATION" in occurrence:
        end = start + occurrence.decoded("DURATION")
    elif isinstance(occurrence.decoded("DTSTART"), datetime):
        return None  # an instant blocks nothing
    else:
        end = start + timedelta(days=1)
    return start, end


def parse_busy(
    data: bytes,
    window_start: datetime,
    window_end: datetime,
    zone: str,
    budget: Budget | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Busy]:
    """Busy intervals (UTC, clipped to the window) from an .ics file, in this process.

    Args:
        data: the uploaded file.
        window_start, window_end: aware instants; occurrences outside are ignored.
        zone: the participant's IANA zone, for floating times and all-day events.
        budget: the instance budget of the file (`Budget.seconds` and `memory` are for
            the worker, `fair.busy.read_busy`).
        progress: told the label of each event (or time zone) before it is read.

    Raises InvalidInput with a message naming the event or line at fault.
    """
    meter = _Meter(budget or Budget(), progress)
    text = _decode(data)
    defined = _check_structure(text)
    own_zone = ZoneInfo(zone)
    try:
        calendar = Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends on bad content
        raise InvalidInput(f"not a valid iCalendar file: {_short(str(exc))}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise InvalidInput("not an iCalendar file (no VCALENDAR)")

    _read_timezones(calendar, meter)
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list[Event]] = {}
    for n, component in enumerate(calendar.walk("VEVENT")):
        assert isinstance(component, Event)
        _check_zones(component, defined)
        if "DTSTART" not in component:
            raise InvalidInput(f"{_label(component)}: no DTSTART")
        by_uid.setdefault(str(component.get("UID", f"#{n}")), []).append(component)

    window = (window_start, window_end)
    found: list[Busy] = []
    for group in by_uid.values():
        label = _label(group[0])
        meter.reading(label)
        # One event (with its overridden instances) at a time, so an error names it.
        single = Calendar()
        for tz in timezones:
            single.add_component(tz)
        for event in group:
            single.add_component(event)
        try:
            for event in group:
                _check_order(event, own_zone, label)
                _pay_for(meter, event, _instant(event.decoded("DTSTART"), own_zone), window_end)
            for occurrence in _occurrences(single, timezones, group, own_zone, window, meter):
                interval = _busy_of(occurrence, own_zone, label)
                if interval is None:
                    continue
                start, end = max(interval[0], window_start), min(interval[1], window_end)
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
            raise InvalidInput(f"{label}: cannot read its dates ({_short(str(exc))})") from None
    found.sort(key=lambda b: (b.start, b.end))
    return found


# ---------------------------------------------------------------------------- the worker


def _say(kind: str, value: object) -> None:
    sys.stdout.write(json.dumps([kind, value]) + "\n")
    sys.stdout.flush()


def main() -> int:
    """The worker: a JSON header line on stdin (window, zone, budget), then the file.
    Writes JSON lines: ["ready", null], ["event", label] for each event, then
    ["done", [[start, end, label], ...]] or ["refused", message]."""
    import resource

    header = json.loads(sys.stdin.buffer.readline())
    budget = Budget(header["instances"], header["seconds"], header["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (budget.memory, budget.memory))
    cpu = math.ceil(budget.seconds) + 2  # a backstop if the server is gone
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    data = sys.stdin.buffer.read()
    _say("ready", None)
    try:
        found = parse_busy(
            data,
            datetime.fromisoformat(header["start"]),
            datetime.fromisoformat(header["end"]),
            header["zone"],
            budget,
            lambda label: _say("event", label),
        )
    except InvalidInput as exc:
        _say("refused", str(exc))
        return 0
    except MemoryError:
        _say("memory", None)
        return 0
    _say("done", [[b.start.isoformat(), b.end.isoformat(), b.label] for b in found])
    return 0


if __name__ == "__main__":
    sys.exit(main())
