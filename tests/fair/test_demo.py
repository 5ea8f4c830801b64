"""The demo fair: published, with sign-in links and roadshows whose presenters the
schedule keeps free, and placed around now in the fair's zone so meetings are running."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

import scheduler.problem as sp
from fair.db import session_scope
from fair.models import Fair, Meeting, MeetingRequest, Participant, RequestAttendee, Roadshow
from fair.presence import load_room
from fair.sample.demo import prepare_demo
from fair.sample.generate import generate, write
from fair.sample.live import live_day, move, shift_windows
from fair.sample.scales import SPECS
from fair.versions import published_version_id


def test_demo_fair_has_roadshows_clear_of_their_presenters_meetings(
    sqlite_engine: Engine,
) -> None:
    options = sp.Options(time_limit=5, workers=1, seed=0, levels=1)
    demo = prepare_demo(sqlite_engine, "small", 1, options, start=date(2026, 11, 27))
    assert len(demo.participants) == 2 and all(p.token for p in demo.participants)
    with session_scope(sqlite_engine) as session:
        shows = session.exec(select(Roadshow)).all()
        assert len(shows) >= 2
        assert len({s.pavilion_id for s in shows}) == len(shows)  # one per pavilion
        version = published_version_id(session, demo.fair_id)
        for show in shows:
            theirs = set(
                session.exec(
                    select(MeetingRequest.id).where(
                        (MeetingRequest.from_id == show.presenter_id)
                        | (MeetingRequest.to_id == show.presenter_id)
                    )
                ).all()
            ) | set(
                session.exec(
                    select(RequestAttendee.request_id).where(
                        RequestAttendee.participant_id == show.presenter_id
                    )
                ).all()
            )
            meetings = session.exec(select(Meeting).where(Meeting.version_id == version)).all()
            for m in meetings:
                if m.request_id in theirs or m.third_seat_id == show.presenter_id:
                    assert m.end <= show.start or m.start >= show.end


FAIR_ZONE = ZoneInfo("Asia/Shanghai")
QUICK = sp.Options(time_limit=5, workers=1, seed=0, levels=1)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 6, 0, 10, tzinfo=UTC),  # 08:10 in the fair's zone
        datetime(2026, 12, 6, 9, 0, tzinfo=UTC),  # 17:00, after the scale's day
        datetime(2026, 12, 6, 16, 30, tzinfo=UTC),  # 00:30 on the next day there
        datetime(2026, 12, 6, 23, 50, tzinfo=UTC),  # 07:50, before the scale's day
    ],
    ids=["0010Z", "0900Z", "1630Z", "2350Z"],
)
def test_demo_fair_runs_meetings_at_now_in_the_fair_zone(
    sqlite_engine: Engine, now: datetime
) -> None:
    demo = prepare_demo(sqlite_engine, "small", 1, QUICK, now=now)
    assert demo.live is not None and demo.fair_timezone == "Asia/Shanghai"
    with session_scope(sqlite_engine) as session:
        fair = session.get(Fair, demo.fair_id)
        assert fair is not None
        assert fair.start == now.astimezone(FAIR_ZONE).date()  # day 1 is today there
        local = now.astimezone(FAIR_ZONE).time()
        assert fair.day_start <= local < fair.day_end
        version = published_version_id(session, demo.fair_id)
        meetings = session.exec(select(Meeting).where(Meeting.version_id == version)).all()
        step = timedelta(minutes=fair.slot_minutes)
        assert any(m.start <= now < m.end for m in meetings)
        assert any(now < m.start <= now + step for m in meetings)
        # The named meeting runs now and has the named participant in it.
        room = load_room(session, demo.live.uid)
        assert demo.live.start <= now < demo.live.end
        assert room.start == demo.live.start
        person = session.exec(
            select(Participant).where(
                Participant.key == demo.participants[demo.live.participant].key
            )
        ).one()
        assert room.member(person.id) is not None


@pytest.mark.parametrize("minutes", range(0, 23 * 60 + 35, 23))
def test_live_day_runs_a_slot_with_the_next_behind_it_at_any_time_of_day(minutes: int) -> None:
    """From 00:00 to 23:34 fair time the video fair has a slot running and the next one
    right after it (the last 20-minute pair of a day ends by 23:55)."""
    now = datetime(2026, 12, 6, tzinfo=FAIR_ZONE) + timedelta(minutes=minutes)
    day = live_day(SPECS["video"], now)
    assert day.start == date(2026, 12, 6)
    assert day.running is not None and day.following is not None
    assert day.running.start <= now < day.running.end == day.following.start
    assert day.running.end - now >= timedelta(minutes=5) or day.running.start == now


@pytest.mark.parametrize("local", ["03:00", "23:30"])
def test_live_day_at_night_in_the_fair_zone_still_runs_meetings(local: str) -> None:
    hour, minute = map(int, local.split(":"))
    now = datetime(2026, 12, 6, hour, minute, tzinfo=FAIR_ZONE)
    day = live_day(SPECS["video"], now)
    assert day.running is not None and day.following is not None
    assert day.running.start <= now < day.running.end == day.following.start
    assert day.following.start - now <= timedelta(minutes=10)


def test_live_day_after_the_last_pair_keeps_a_meeting_running() -> None:
    now = datetime(2026, 12, 6, 23, 45, tzinfo=FAIR_ZONE)
    day = live_day(SPECS["video"], now)
    assert day.start == date(2026, 12, 6)
    assert day.running is not None and day.running.start <= now < day.running.end
    assert day.following is None  # no 20-minute slot fits after it before midnight


def test_live_day_in_the_last_minutes_before_midnight_opens_tomorrow() -> None:
    now = datetime(2026, 12, 6, 23, 58, tzinfo=FAIR_ZONE)
    day = live_day(SPECS["video"], now)
    assert day.start == date(2026, 12, 7) and day.running is None
    assert day.following is not None
    assert timedelta(0) < day.following.start - now <= timedelta(minutes=20)


def test_live_day_on_a_daylight_saving_change_keeps_slot_lengths() -> None:
    """Berlin moves its clocks from 02:00 to 03:00 on 29 March 2026: placed at 03:30 the
    same morning, the day still runs a slot now and the next, each 20 minutes long."""
    spec = replace(SPECS["video"], timezone="Europe/Berlin")
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    day = live_day(spec, now)
    assert day.start == date(2026, 3, 29)
    assert day.running is not None and day.following is not None
    assert day.running.start <= now < day.running.end == day.following.start
    assert day.running.end - day.running.start == timedelta(minutes=20)


def test_live_day_is_fixed_by_now() -> None:
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    assert live_day(SPECS["small"], now) == live_day(SPECS["small"], now)


def test_shift_windows_splits_a_window_carried_over_midnight() -> None:
    assert shift_windows("09:00-12:00;13:00-18:00", 600) == ("00:00-04:00;19:00-22:00;23:00-24:00")
    assert shift_windows("08:00-24:00", -480) == "00:00-16:00"
    assert shift_windows("09:00-17:00", -600) == "00:00-07:00;23:00-24:00"
    assert shift_windows("", 300) == ""


def test_move_shifts_the_day_breaks_and_hours_together(tmp_path: Path) -> None:
    generated = generate("small", 1, date(2026, 12, 6))
    moved = move(generated, -540)
    fair = moved.toml["fair"]
    assert isinstance(fair, dict)
    assert (fair["day_start"], fair["day_end"]) == ("00:00", "08:00")
    assert moved.toml["breaks"] == [{"start": "03:00", "end": "04:00", "label": "Lunch"}]
    for before, after in zip(generated.participants, moved.participants, strict=True):
        assert after["available"] == shift_windows(before["available"], -540)
    # The same fair and shift write the same files.
    first = [p.read_bytes() for p in write(moved, tmp_path / "a")]
    again = [p.read_bytes() for p in write(move(generated, -540), tmp_path / "b")]
    assert first == again


def test_demo_publication_mails_nobody_at_the_servers_start(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The demo's people are generated: its publication is marked as mailing nobody, so
    `fair serve`'s check for a publication's unsent e-mails finds nothing to queue."""
    from fair import notify
    from fair.settings import Settings

    prepare_demo(sqlite_engine, "small", 1, QUICK, start=date(2026, 11, 27))
    settings = Settings(smtp_outbox=str(tmp_path / "outbox"))
    assert notify.queue_missed(sqlite_engine, settings) == []
