"""The control room's read model: rooms running now and next, each member's presence
(in, left, late with the notice, no-show, not yet) and the filters (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.control import Filters, choices, rooms_now_and_next
from fair.models import Meeting, Pavilion
from fair.presence import enter, leave, load_room, mark_no_shows, note_late

pytestmark = pytest.mark.integration


def _states(engine: Engine, fair_id: int, now: datetime) -> dict[str, str]:
    with Session(engine) as session:
        (room,) = rooms_now_and_next(session, fair_id, now)
        return {p.name: p.state for p in room.people} | {"room": room.state}


def test_control_rooms_running_now_with_presence(room_engine: tuple[Engine, str]) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        room = load_room(session, uid)
        fair_id = room.fair_id
        (row,) = rooms_now_and_next(session, fair_id, now)
    assert row.uid == uid and row.when == "now" and row.place_kind == "online"
    assert row.countries == ("CN", "KR")
    assert row.pavilion == "Korea Pavilion"  # an online room: its exhibitor's pavilion
    assert row.state == "empty"
    assert {p.state for p in row.people} == {"not_yet"}

    with Session(engine) as session:
        enter(session, room, room.members[0].participant_id, now)
        session.commit()
    assert _states(engine, fair_id, now)["room"] == "waiting"

    with Session(engine) as session:
        note_late(session, room, room.members[1].participant_id, 5, now)
        session.commit()
    states = _states(engine, fair_id, now)
    assert states[room.members[1].name] == "late" and states["room"] == "late"
    with Session(engine) as session:
        (row,) = rooms_now_and_next(session, fair_id, now)
        assert row.people[1].late_minutes == 5

    with Session(engine) as session:
        enter(session, room, room.members[1].participant_id, now)
        session.commit()
    states = _states(engine, fair_id, now)
    assert states["room"] == "in" and states[room.members[1].name] == "in"

    with Session(engine) as session:
        leave(session, room.meeting_id, room.members[1].participant_id, now)
        session.commit()
    assert _states(engine, fair_id, now)[room.members[1].name] == "left"


def test_control_rooms_no_show_marked(room_engine: tuple[Engine, str]) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        room = load_room(session, uid)
        enter(session, room, room.members[0].participant_id, now)
        session.commit()
        mark_no_shows(session, now, 10)
        session.commit()
    states = _states(engine, room.fair_id, now)
    assert states["room"] == "no_show" and states[room.members[1].name] == "no_show"


def test_control_rooms_next_slot_and_not_later(room_engine: tuple[Engine, str]) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        room = load_room(session, uid)
        meeting = session.get(Meeting, room.meeting_id)
        assert meeting is not None
        meeting.start, meeting.end = now + timedelta(minutes=20), now + timedelta(minutes=50)
        session.add(meeting)
        session.commit()
        rooms = rooms_now_and_next(session, room.fair_id, now)
        assert [(r.when, r.state) for r in rooms] == [("next", "next")]
        meeting.start, meeting.end = now + timedelta(minutes=40), now + timedelta(minutes=70)
        session.add(meeting)
        session.commit()
        assert rooms_now_and_next(session, room.fair_id, now) == []


def test_control_rooms_filtered_by_pavilion_country_status(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        fair_id = load_room(session, uid).fair_id
        korea = session.exec(select(Pavilion).where(Pavilion.key == "KR")).one()
        hall = session.exec(select(Pavilion).where(Pavilion.key == "CN")).one()

        def found(**kw: object) -> int:
            return len(rooms_now_and_next(session, fair_id, now, Filters(**kw)))  # type: ignore[arg-type]

        assert found(pavilion=korea.id) == 1 and found(pavilion=hall.id) == 0
        assert found(country="CN") == 1 and found(country="DE") == 0
        assert found(status="empty") == 1 and found(status="in") == 0
        pavilions, countries = choices(session, fair_id)
        assert [name for _, name in pavilions] == ["Korea Pavilion", "Shandong Hall"]
        assert {"CN", "KR", "DE"} <= set(countries)
