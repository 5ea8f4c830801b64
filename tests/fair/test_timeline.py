"""A participant's day laid out per local date (`fair/timeline.py`): across a DST change
a track runs in real hours with hour marks where the clocks show them, and across the
date line the same meeting lies on different dates in the two zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fair.timeline import Span, day_tracks

pytestmark = pytest.mark.unit


def at(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)  # type: ignore[misc]


def meeting(start: datetime, minutes: int = 30, label: str = "m") -> Span:
    return Span("meeting", start, start + timedelta(minutes=minutes), label)


def test_day_track_across_the_autumn_change_has_25_hours_and_the_repeated_hour_twice() -> None:
    berlin = "Europe/Berlin"  # clocks go back from 03:00 to 02:00 on 25 October 2026
    frame = [(at(berlin, 2026, 10, 25, 0, 0), at(berlin, 2026, 10, 25, 23, 59))]
    late = meeting(at(berlin, 2026, 10, 25, 10, 0), label="late")
    [track] = day_tracks([late], frame, berlin)
    assert track.day == date(2026, 10, 25)
    assert track.hours == 25  # 00:00 to 24:00 is 25 real hours that day
    labels = [m.astimezone(ZoneInfo(berlin)).strftime("%H:%M") for _, m in track.ticks]
    assert labels.count("02:00") == 2 and labels[0] == "00:00" and labels[-1] == "00:00"
    [block] = track.blocks
    assert block.offset == 11  # 10:00 is 11 real hours after midnight on that day
    assert block.length == 0.5


def test_day_track_across_the_spring_change_has_23_hours_and_no_2am() -> None:
    berlin = "Europe/Berlin"  # clocks jump from 02:00 to 03:00 on 29 March 2026
    frame = [(at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 29, 23, 30))]
    [track] = day_tracks([meeting(at(berlin, 2026, 3, 29, 10, 0))], frame, berlin)
    assert track.hours == 23
    labels = [m.astimezone(ZoneInfo(berlin)).strftime("%H:%M") for _, m in track.ticks]
    assert "02:00" not in labels and "03:00" in labels
    assert track.blocks[0].offset == 9  # 10:00 is 9 real hours after midnight


def test_the_same_meeting_lies_on_different_dates_across_the_date_line() -> None:
    fair_zone, own = "Pacific/Honolulu", "Pacific/Kiritimati"  # UTC-10 and UTC+14
    day_start = at(fair_zone, 2026, 11, 27, 9, 0)
    frame = [(day_start, day_start + timedelta(hours=8))]
    m = meeting(at(fair_zone, 2026, 11, 27, 10, 0), label="KR Co")
    [fair_track] = day_tracks([m], frame, fair_zone)
    [own_track] = day_tracks([m], frame, own)
    assert fair_track.day == date(2026, 11, 27) and own_track.day == date(2026, 11, 28)
    # Same wall-clock hours (24 hours apart), the same real instants.
    assert fair_track.blocks[0].offset == own_track.blocks[0].offset == 1
    assert fair_track.blocks[0].start == own_track.blocks[0].start == m.start


def test_a_fair_day_seen_from_far_away_spans_two_local_dates() -> None:
    """Shanghai's 09:00-18:00 is 17:00-02:00 in Los Angeles: two tracks, the meeting at
    Shanghai's 17:00 on the second (01:00 there), counted once."""
    fair_zone, own = "Asia/Shanghai", "America/Los_Angeles"
    start = at(fair_zone, 2026, 11, 27, 9, 0)
    frame = [(start, start + timedelta(hours=9))]
    m = meeting(at(fair_zone, 2026, 11, 27, 17, 0))
    tracks = day_tracks([m, Span("busy", start, start + timedelta(hours=9))], frame, own)
    assert [t.day for t in tracks] == [date(2026, 11, 26), date(2026, 11, 27)]
    assert [t.meetings for t in tracks] == [0, 1]
    assert tracks[0].hours == 7 and tracks[1].hours == 2  # 17:00-24:00, 00:00-02:00
    # The busy span crossing midnight is cut at it, a part on each track.
    busy = [b for t in tracks for b in t.blocks if b.span.kind == "busy"]
    assert [b.length for b in busy] == [7, 2]


def test_spans_outside_the_shown_hours_are_left_out_and_meetings_widen_them() -> None:
    zone = "Asia/Seoul"
    start = at(zone, 2026, 11, 27, 9, 0)
    frame = [(start, start + timedelta(hours=8))]
    early = meeting(at(zone, 2026, 11, 27, 7, 45))  # before the fair opens: shown
    away = Span("busy", at(zone, 2026, 11, 27, 20, 0), at(zone, 2026, 11, 27, 22, 0))
    [track] = day_tracks([early, away], frame, zone)
    assert track.start == at(zone, 2026, 11, 27, 7, 0) and track.hours == 10
    assert [b.span.kind for b in track.blocks] == ["meeting"]
