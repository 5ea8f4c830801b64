"""The slot grid across DST switches: slots follow each other in real elapsed time, never
share a UTC instant and never start at a wall-clock time that does not exist."""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fair.slots import GridSlot, build_slots

BERLIN = ZoneInfo("Europe/Berlin")


def _switches_in(zone_name: str, first: int = 2026, last: int = 2030) -> list[datetime]:
    """The UTC instants at which `zone_name` changes its offset in the given years: a
    weekly scan, then a bisection to the second (independent of fair.slots)."""
    zone = ZoneInfo(zone_name)
    start = datetime(first, 1, 1, tzinfo=UTC)
    stop = datetime(last + 1, 1, 1, tzinfo=UTC)
    found = []
    t = start
    offset = t.astimezone(zone).utcoffset()
    while t < stop:
        nxt = t + timedelta(days=7)
        o = nxt.astimezone(zone).utcoffset()
        if o != offset:
            low, high = t, nxt
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                if mid.astimezone(zone).utcoffset() == offset:
                    low = mid
                else:
                    high = mid
            found.append(high.replace(microsecond=0))
        t, offset = nxt, o
    return found


@functools.cache
def switch_days(zone_name: str) -> tuple[date, ...]:
    """Local dates on which `zone_name` switches (both sides of a midnight switch)."""
    zone = ZoneInfo(zone_name)
    days: set[date] = set()
    for moment in _switches_in(zone_name):
        days.add((moment - timedelta(seconds=1)).astimezone(zone).date())
        days.add(moment.astimezone(zone).date())
    return tuple(sorted(days))


ZONES = sorted(zoneinfo.available_timezones())


def _wall(t: datetime, zone: ZoneInfo) -> datetime:
    return t.astimezone(zone).replace(tzinfo=None)


def _exists(wall: datetime, zone: ZoneInfo, fold: int) -> bool:
    back = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    return _wall(back, zone) == wall


def _bound(day: date, at: time, zone: ZoneInfo, latest: bool) -> datetime:
    """The first (or last) instant the wall clock reads `at` on `day`; in a gap, the
    jump (from the scan above)."""
    wall = datetime.combine(day, at)
    found = [
        wall.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1) if _exists(wall, zone, f)
    ]
    if found:
        return max(found) if latest else min(found)
    name = str(zone.key)
    return next(m for m in _switches_in(name, day.year, day.year) if _wall(m, zone) > wall)


def check_grid(
    slots: list[GridSlot],
    zone_name: str,
    day: date,
    day_start: time,
    day_end: time,
    minutes: int,
    breaks: list[tuple[time, time]],
    every: int = 1,
) -> None:
    zone = ZoneInfo(zone_name)
    step = timedelta(minutes=minutes)
    first, last = _bound(day, day_start, zone, False), _bound(day, day_end, zone, True)
    for a, b in itertools.pairwise(slots):
        assert a.end <= b.start, f"{zone_name} {day}: {a} overlaps {b}"
    for s in slots:
        assert s.end - s.start == step  # real elapsed time
        assert s.start.tzinfo is not None and s.start.utcoffset() == timedelta(0)
        assert first <= s.start and s.end <= last, f"{zone_name}: {s} outside the day"
        # shown at a wall-clock time that exists and reads back as the same instant
        wall = _wall(s.start, zone)
        assert s.local_start.replace(tzinfo=None) == wall
        assert _exists(wall, zone, s.local_start.fold)
        assert s.local_start.astimezone(UTC) == s.start
        # on the day, and outside every break, minute by minute (every `every`)
        t = s.start
        while t < s.end:
            w = _wall(t, zone)
            assert w.date() == day, f"{zone_name}: {s} leaves {day}"
            for b_start, b_end in breaks:
                assert not (b_start <= w.time() < b_end), f"{zone_name}: {s} in a break"
            t += timedelta(minutes=every)
    if not breaks:
        # Back to back, and as many as fit in the day's real length.
        assert len(slots) == (last - first) // step
        for a, b in itertools.pairwise(slots):
            assert a.end == b.start


def test_build_slots_berlin_spring_gap_has_no_double_booking() -> None:
    # 28 March 2027: 02:00 → 03:00. Before the fix 02:00–02:40 mapped onto 03:00–03:40.
    slots = build_slots("Europe/Berlin", date(2027, 3, 28), 1, time(0), time(6), 20)
    starts = [s.start for s in slots]
    assert len(starts) == len(set(starts))
    assert len(slots) == 15  # 00:00–06:00 is five real hours that day
    walls = [s.local_start.strftime("%H:%M") for s in slots]
    assert walls[5:7] == ["01:40", "03:00"]
    assert not any(w.startswith("02:") for w in walls)
    assert slots[6].start == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    check_grid(slots, "Europe/Berlin", date(2027, 3, 28), time(0), time(6), 20, [])


def test_build_slots_berlin_autumn_repeated_hour_is_used_twice() -> None:
    # 31 October 2027: 03:00 → 02:00, the day from 00:00 to 06:00 lasts seven hours.
    slots = build_slots("Europe/Berlin", date(2027, 10, 31), 1, time(0), time(6), 30)
    assert len(slots) == 14
    walls = [(s.local_start.strftime("%H:%M"), s.local_start.fold) for s in slots]
    assert walls[4:8] == [("02:00", 0), ("02:30", 0), ("02:00", 1), ("02:30", 1)]
    assert slots[4].start == datetime(2027, 10, 31, 0, 0, tzinfo=UTC)
    assert slots[6].start == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)
    check_grid(slots, "Europe/Berlin", date(2027, 10, 31), time(0), time(6), 30, [])


def test_build_slots_day_starting_in_the_gap_starts_at_the_jump() -> None:
    slots = build_slots("Europe/Berlin", date(2027, 3, 28), 1, time(2, 30), time(5), 30)
    assert slots[0].local_start.strftime("%H:%M") == "03:00"
    assert len(slots) == 4


def test_build_slots_break_in_the_repeated_hour_covers_both_runs() -> None:
    slots = build_slots(
        "Europe/Berlin", date(2027, 10, 31), 1, time(1), time(4), 30, [(time(2), time(3))]
    )
    walls = [s.local_start.strftime("%H:%M") for s in slots]
    assert walls == ["01:00", "01:30", "03:00", "03:30"]
    assert slots[1].block != slots[2].block


def test_build_slots_every_zone_every_switch_day_2026_2030() -> None:
    """A whole-day grid on every switch day of every IANA zone (2026–2030)."""
    checked = 0
    for name in ZONES:
        for day in switch_days(name):
            grid = build_slots(name, day, 1, time(0), time(23, 59), 30, [(time(12), time(13))])
            check_grid(grid, name, day, time(0), time(23, 59), 30, [(time(12), time(13))], 30)
            checked += 1
    assert checked > 1500  # most zones with DST switch twice a year


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, date, time, time, int, list[tuple[time, time]]]:
    name = draw(st.sampled_from(ZONES))
    days = switch_days(name) or (date(2027, 3, 28),)
    day = draw(st.sampled_from(days))
    start_minute = draw(st.integers(0, 22 * 60))
    end_minute = draw(st.integers(start_minute + 1, 24 * 60 - 1))
    minutes = draw(st.sampled_from([5, 10, 15, 20, 25, 30, 40, 45, 60, 90]))
    breaks = []
    for _ in range(draw(st.integers(0, 2))):
        b = draw(st.integers(start_minute, end_minute))
        e = draw(st.integers(b, min(end_minute, b + 120)))
        breaks.append((time(b // 60, b % 60), time(e // 60, e % 60)))

    def at(m: int) -> time:
        return time(m // 60, m % 60)

    return name, day, at(start_minute), at(end_minute), minutes, breaks


@settings(max_examples=300, deadline=None)
@given(layouts())
def test_build_slots_property_any_zone_switch_day(
    layout: tuple[str, date, time, time, int, list[tuple[time, time]]],
) -> None:
    name, day, day_start, day_end, minutes, breaks = layout
    slots = build_slots(name, day, 1, day_start, day_end, minutes, breaks)
    check_grid(slots, name, day, day_start, day_end, minutes, breaks)
