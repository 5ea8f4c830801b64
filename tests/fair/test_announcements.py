"""Announcements: stored with who and when, to the whole fair, a pavilion or one meeting
room; refused with the reason when the text or the target is wrong; each reaches the
`/notices` rooms of its audience only (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair.announcements import announce, audience, listening_rooms, recent
from fair.errors import InvalidInput
from fair.models import Participant, Pavilion
from fair.presence import load_room

pytestmark = pytest.mark.integration


def _people(session: Session) -> dict[str, int]:
    return {p.key: p.id for p in session.exec(select(Participant)) if p.id is not None}


def test_announcement_to_pavilion_reaches_its_companies_only(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        fair_id = load_room(session, uid).fair_id
        korea = session.exec(select(Pavilion).where(Pavilion.key == "KR")).one()
        row = announce(
            session, fair_id, "pavilion", korea.id, "  Hall B closes at 18:00 ", now, author="Boss"
        )
        session.commit()
        rooms = audience(session, row)
        people = _people(session)
        assert set(rooms) & set(listening_rooms(session, people["kr2"]))
        assert not set(rooms) & set(listening_rooms(session, people["cn1"]))
        (shown,) = recent(session, fair_id)
        assert shown["text"] == "Hall B closes at 18:00" and shown["scope"] == "pavilion"
        assert shown["target"] == "Korea Pavilion" and shown["author"] == "Boss"
        assert shown["at"] == now.isoformat()


def test_announcement_to_fair_and_meeting_reach_their_audience(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        fair_id = load_room(session, uid).fair_id
        people = _people(session)
        everyone = audience(session, announce(session, fair_id, "fair", None, "Welcome", now))
        for key in ("kr1", "cn1", "de1"):
            assert set(everyone) <= set(listening_rooms(session, people[key]))
        room = audience(session, announce(session, fair_id, "meeting", uid, "5 minutes", now))
        assert set(room) & set(listening_rooms(session, people["cn1"]))
        assert set(room) & set(listening_rooms(session, people["int1"]))
        assert not set(room) & set(listening_rooms(session, people["de1"]))
        assert [a["scope"] for a in recent(session, fair_id)] == ["meeting", "fair"]


@pytest.mark.parametrize(
    ("scope", "target", "text", "reason"),
    [
        ("fair", None, "   ", "text: 1–500 characters"),
        ("fair", None, "x" * 501, "text: 1–500 characters"),
        ("pavilion", "999999", "hi", "pavilion: choose one of the fair's pavilions"),
        ("pavilion", "KR", "hi", "pavilion: choose one of the fair's pavilions"),
        ("pavilion", "9" * 30, "hi", "pavilion: choose one of the fair's pavilions"),
        ("pavilion", "-1", "hi", "pavilion: choose one of the fair's pavilions"),
        ("meeting", "nope", "hi", "meeting: no such meeting in the published schedule"),
        ("meeting", "r\x001", "hi", "meeting: no such meeting in the published schedule"),
        ("fair", None, "hi\x00", "text: no NUL characters"),  # PostgreSQL refuses NUL
        ("hall", None, "hi", "scope: fair, pavilion or meeting"),
    ],
)
def test_announcement_refused_with_reason(
    room_engine: tuple[Engine, str], scope: str, target: object, text: str, reason: str
) -> None:
    engine, uid = room_engine
    with Session(engine) as session:
        fair_id = load_room(session, uid).fair_id
        with pytest.raises(InvalidInput, match=reason):
            announce(session, fair_id, scope, target, text, datetime.now(UTC))
        assert recent(session, fair_id) == []
