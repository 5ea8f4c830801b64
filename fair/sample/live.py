"""Where the demo fair's day sits on the clock: around now, in the fair's own zone.

A generated fair keeps the hours of its scale (09:00–17:00 in Asia/Shanghai for "video"),
so a demo started in the fair's evening or night would show only meetings that are over.
`live_day` picks day 1 (today in the fair's zone) and how many minutes to move the
fair's clock so that at `now` one slot is running and the next one follows it, a few
minutes away. `move` then moves the whole clock by that much: the day's window, its
breaks and every participant's working hours, each in their own zone. Moving everyone
together keeps who can meet whom exactly as the scale drew it; a working window that the
move carries over midnight is written as two windows (`22:00-24:00;00:00-06:00`).

The clock is an input (`now`), so tests place the fair at fixed instants.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from fair.importer import parse_window
from fair.sample.draft import Row, TomlTable
from fair.sample.generate import GeneratedFair
from fair.sample.scales import Spec
from fair.slots import GridSlot, build_slots

DAY: Final = 24 * 60
ALIGN: Final = 5  # minutes: the moved day opens on a five-minute mark
BEFORE: Final = 3  # slots already over when the running one started: the agenda has a past
SOON: Final = timedelta(minutes=10)  # how far ahead the next slot should start
LEAD: Final = timedelta(minutes=5)  # the running meeting outlasts the demo's set-up by this


@dataclass(frozen=True)
class LiveDay:
    """Day 1 of the fair and how far its clock moves; `running` and `following` are the
    slots (UTC) that run at `now` and come next, or None when no placement has them."""

    start: date
    shift: int  # minutes every time of day moves
    day_start: time
    day_end: time
    running: GridSlot | None
    following: GridSlot | None


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return "24:00" if minutes == DAY else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def live_day(spec: Spec, now: datetime) -> LiveDay:
    """The placement of `spec`'s day that runs a meeting at `now` (aware) with the next
    slot right behind it.

    Every opening on a five-minute mark that keeps the day inside one calendar day is
    tried, today and (for the last minutes before midnight, when no slot fits) tomorrow.
    The best has a slot running now with a following slot, the running one lasting at
    least `LEAD` more, about `BEFORE` slots into the day, and the next start close to
    `SOON` away; ties go to the earlier opening, so the answer is fixed by `now`.
    """
    today = now.astimezone(ZoneInfo(spec.timezone)).date()
    length = _minutes(spec.day_end) - _minutes(spec.day_start)
    # The fair's day_end is a time of day (23:59 at the latest), never midnight.
    placements = (
        _place(spec, today + timedelta(days=ahead), begin, now)
        for ahead in (0, 1)
        for begin in range(0, DAY - length, ALIGN)
    )
    return min(placements, key=lambda scored: scored[0])[1]


def _place(spec: Spec, day: date, begin: int, now: datetime) -> tuple[tuple[int, ...], LiveDay]:
    """`spec`'s day opening at `begin` minutes on `day`, scored for `live_day` (lower is
    better)."""
    shift = begin - _minutes(spec.day_start)
    length = _minutes(spec.day_end) - _minutes(spec.day_start)
    breaks = [(_clock(_minutes(s) + shift), _clock(_minutes(e) + shift)) for s, e, _ in spec.breaks]
    slots = build_slots(
        spec.timezone, day, 1, _clock(begin), _clock(begin + length), spec.slot_minutes, breaks
    )
    running = next((s for s in slots if s.start <= now < s.end), None)
    following = next((s for s in slots if s.start > now), None)
    soon = following is not None and following.start - now <= timedelta(minutes=spec.slot_minutes)
    paired = running is not None and following is not None and following.start == running.end
    gap = following.start - now if following is not None else timedelta(days=1)
    score = (
        0 if paired else 1 if running else 2 if soon else 3,
        0 if running is None or running.end - now >= LEAD else 1,
        abs(running.index - BEFORE) if running is not None else 0,
        abs(int((gap - SOON).total_seconds())),
    )
    placed = LiveDay(
        start=day,
        shift=shift,
        day_start=_clock(begin),
        day_end=_clock(begin + length),
        running=running,
        following=following if soon else None,
    )
    return score, placed


def shift_windows(available: str, shift: int) -> str:
    """A participant's `available` cell with every window moved by `shift` minutes; a
    window carried over midnight becomes two, as the import format keeps a window inside
    one day. Empty (any time) stays empty."""
    if not available.strip():
        return available
    pieces: list[tuple[int, int]] = []
    for window in available.split(";"):
        lo, hi = parse_window(window)
        start = (lo.hour * 60 + lo.minute + shift) % DAY
        end = (
            start
            + (DAY if hi == time.max else hi.hour * 60 + hi.minute)
            - (lo.hour * 60 + lo.minute)
        )
        if end <= DAY:
            pieces.append((start, end))
        else:
            pieces.extend(((start, DAY), (0, end - DAY)))
    return ";".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in sorted(pieces))


def move(generated: GeneratedFair, shift: int) -> GeneratedFair:
    """`generated` with its clock moved by `shift` minutes: the day's window and breaks in
    fair.toml and every participant's working hours (the day must stay inside one day)."""
    fair = generated.toml["fair"]
    breaks = generated.toml["breaks"]
    assert isinstance(fair, dict) and isinstance(breaks, list)

    def moved(table: TomlTable, *keys: str) -> TomlTable:
        out = dict(table)
        for key in keys:
            minutes = _minutes(str(table[key])) + shift
            if not 0 <= minutes < DAY:
                raise ValueError(f"moving the fair by {shift} minutes takes {key} out of the day")
            out[key] = _hhmm(minutes)
        return out

    toml = dict(generated.toml)
    toml["fair"] = moved(fair, "day_start", "day_end")
    toml["breaks"] = [moved(b, "start", "end") for b in breaks]
    participants: tuple[Row, ...] = tuple(
        {**row, "available": shift_windows(row["available"], shift)}
        for row in generated.participants
    )
    return replace(generated, toml=toml, participants=participants)


def describe(day: LiveDay, timezone: str) -> str:
    """One line for the demo's log: the day and, when there is one, the running slot."""
    zone = ZoneInfo(timezone)
    text = f"day 1 is {day.start}, {day.day_start:%H:%M}–{day.day_end:%H:%M} {timezone}"
    if day.running is not None:
        start = day.running.start.astimezone(zone)
        end = day.running.end.astimezone(zone)
        text += f"; meetings run now ({start:%H:%M}–{end:%H:%M})"
    if day.following is not None:
        text += f", the next start at {day.following.start.astimezone(zone):%H:%M}"
    return text
