"""A small fair running now, for the freed-slot tests (domain, web, realtime, browser).

The fair's zone is a fixed-offset one chosen so that it is around noon there now, and its
only day is today there, 08:00–16:00 in 30-minute slots: so the current slot is always on
the grid, whatever the hour the tests run. Meeting r1 (b1 → e1, online) is published in
the current slot; request r9 (b2 → e2, online) was accepted after the publication and is
waiting, and its people are free now, so it is what a freed r1 slot is offered to. e3 and
b3 have no meeting (tests add requests of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import (
    Meeting,
    MeetingRequest,
    Mode,
    Participant,
    PlaceKind,
    RequestStatus,
    TokenKind,
)
from fair.publishing import publish
from fair.scheduling import schedule_fair
from fair.settings import Settings
from fair.tokens import issue_token
from tests.factories import PARTICIPANT_HEADER, REQUEST_HEADER, csv_bytes
from tests.web.conftest import ORGANISER

PEOPLE = [
    ("e1", "Busan Marine", "Kim Minjun", "exhibitor", "KR"),
    ("e2", "Jeju Greens", "Park Jiwoo", "exhibitor", "KR"),
    ("b1", "Hairun Foods", "Wang Wei", "buyer", "CN"),
    ("b2", "Hanse Feinkost", "Anna Becker", "buyer", "DE"),
    ("e3", "Incheon Tools", "Choi Yuna", "exhibitor", "KR"),
    ("b3", "Lyon Import", "Camille Martin", "buyer", "FR"),
]


@dataclass(frozen=True)
class LiveFair:
    fair_id: int
    uid: str  # r1's room: the meeting to free
    waiting_uid: str  # r9's: the waiting request
    zone: str
    slot_start: datetime  # the current slot (UTC)
    tokens: dict[str, str]  # participant key → personal link token


def _zone(now: datetime) -> str:
    """A fixed-offset zone where it is between 11:00 and 13:00 now."""
    offset = 12 - now.hour  # local hour = now.hour + offset = 12
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}" if offset < 0 else "")


def build_live_fair(engine: Engine, organiser: tuple[str, str] | None = None) -> LiveFair:
    now = datetime.now(UTC)
    zone = _zone(now)
    offset = 12 - now.hour
    local_day = (now + timedelta(hours=offset)).date()
    toml = f"""\
[fair]
name = "Live Test Fair"
timezone = "{zone}"
start = "{local_day.isoformat()}"
days = 1
day_start = "08:00"
day_end = "16:00"
slot_minutes = 30
currency = "USD"

[[pavilions]]
id = "KR"
name = "Korea Pavilion"
country = "KR"
"""
    people = [
        {
            "id": key,
            "company": company,
            "name": name,
            "email": f"{key}@live.example",
            "role": role,
            "country": country,
            "timezone": zone,
            "pavilion": "KR" if role == "exhibitor" else "",
            "languages": "en",
        }
        for key, company, name, role, country in PEOPLE
    ]
    requests = [
        {"id": "r1", "from": "b1", "to": "e1", "priority": "5", "mode": "online"},
    ]
    for r in requests:
        r["status"] = "accepted"
    files = {
        "fair.toml": toml.encode(),
        "participants.csv": csv_bytes(PARTICIPANT_HEADER, people),
        "requests.csv": csv_bytes(REQUEST_HEADER, requests),
    }
    summary = import_files(engine, files)
    number, _ = schedule_fair(
        engine,
        summary.fair_id,
        sp.Options(time_limit=5, workers=1, seed=0, levels=1),
        method="greedy",
    )
    slot_start = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    tokens: dict[str, str] = {}
    with session_scope(engine) as session:
        publish(session, summary.fair_id, number)
        meeting, request = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(MeetingRequest.key == "r1")
        ).one()
        meeting.place_kind = PlaceKind.ONLINE
        meeting.booth_id = meeting.table_id = None
        meeting.room = meeting.room or "online"
        meeting.start, meeting.end = slot_start, slot_start + timedelta(minutes=30)
        session.add(meeting)
        uid = request.uid
        keys = {p.key: p for p in session.exec(select(Participant))}
        waiting = MeetingRequest(
            fair_id=summary.fair_id,
            key="r9",
            from_id=keys["b2"].id or 0,
            to_id=keys["e2"].id or 0,
            priority=5,
            mode=Mode.ONLINE,
            status=RequestStatus.ACCEPTED,
        )
        session.add(waiting)
        session.flush()
        waiting_uid = waiting.uid
        if organiser is not None:
            create_organiser(session, *organiser)
        for person in keys.values():
            tokens[person.key] = issue_token(session, person, TokenKind.MAGIC)
    return LiveFair(summary.fair_id, uid, waiting_uid, zone, slot_start, tokens)


def meeting_of(session: Session, uid: str) -> Meeting:
    """The published meeting of request `uid` (any status)."""
    return session.exec(
        select(Meeting)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(MeetingRequest.uid == uid)
        .order_by(col(Meeting.id).desc())
    ).one()


@pytest.fixture
def live_fair(settings: Settings) -> LiveFair:
    """The fair running now in the test's database, with the organiser's account."""
    engine = open_database(settings.database_url)
    try:
        return build_live_fair(engine, ORGANISER)
    finally:
        engine.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, live_fair: LiveFair) -> list[datetime]:
    """The no-show sweep's clock, a minute into the current slot (no one is a no-show
    yet, whenever the tests run); a test moves it on."""
    import realtime.meetings

    moment = [live_fair.slot_start + timedelta(minutes=1)]
    monkeypatch.setattr(realtime.meetings, "now", lambda: moment[0])
    return moment
