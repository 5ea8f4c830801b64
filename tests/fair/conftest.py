"""Fixtures shared by the domain tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.db import session_scope
from fair.loader import import_files
from fair.models import Meeting, MeetingRequest, PlaceKind
from fair.publishing import publish
from fair.scheduling import schedule_fair
from tests.factories import fair_files


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the factory fair, imported (committed when the test ends)."""
    import_files(engine, fair_files())
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def room_engine(engine: Engine) -> tuple[Engine, str]:
    """The factory fair, scheduled and published, with meeting r1 online and running
    (started 15 minutes ago, 30 minutes long); SQLite and PostgreSQL."""
    summary = import_files(engine, fair_files())
    number, _ = schedule_fair(
        engine,
        summary.fair_id,
        sp.Options(time_limit=5, workers=1, seed=0, levels=1),
        method="greedy",
    )
    with Session(engine) as session:
        publish(session, summary.fair_id, number)
        meeting, request = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(MeetingRequest.key == "r1")
        ).one()
        meeting.place_kind = PlaceKind.ONLINE
        meeting.booth_id = meeting.table_id = None
        meeting.start = datetime.now(UTC) - timedelta(minutes=15)
        meeting.end = meeting.start + timedelta(minutes=30)
        session.add(meeting)
        uid = request.uid
        session.commit()
    return engine, uid
