"""The demo fair: published, with sign-in links and roadshows whose presenters the
schedule keeps free."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import select

import scheduler.problem as sp
from fair.db import session_scope
from fair.models import Meeting, MeetingRequest, RequestAttendee, Roadshow
from fair.sample.demo import prepare_demo
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
