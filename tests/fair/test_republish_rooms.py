"""A republish during the fair keeps its rooms: the two sides in a running meeting stay
in the room, its chat and deals stay in it, a deal recorded before can be confirmed and
resubmitted after, a connection from before leaves cleanly, and nobody becomes a no-show
(SQLite and PostgreSQL).

Regression: the room of a meeting was its meeting row, and a republish makes new rows,
so the people in a running meeting turned offline, its chat and deals vanished from it,
and the no-show sweep marked it missed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.chat import add_chat, chat_histories
from fair.deals import confirm_deal, record_deal_once, rooms_deals
from fair.models import Meeting, MeetingRequest
from fair.presence import (
    enter,
    leave,
    load_room,
    mark_no_shows,
    presence,
)
from fair.publishing import publish
from fair.scheduling import schedule_fair
from tests.fair.test_deals import RATES

pytestmark = pytest.mark.integration
A = "a" * 32  # the server process the two sides joined through


def republish_keeping(engine: Engine, fair_id: int, uid: str) -> None:
    """Re-solve and publish, with meeting `uid` where it was (a kept meeting)."""
    number, _ = schedule_fair(
        engine, fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), method="greedy"
    )
    with Session(engine) as session:
        rows = session.exec(
            select(Meeting)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(MeetingRequest.uid == uid)
            .order_by(col(Meeting.version_id))
        ).all()
        old, new = rows[-2], rows[-1]
        new.place_kind, new.booth_id, new.table_id = old.place_kind, None, None
        new.start, new.end = old.start, old.end
        session.add(new)
        publish(session, fair_id, number)
        session.commit()


def test_republish_keeps_the_room_its_people_chat_and_deals(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        before = load_room(session, uid)
        ids = {m.name: m.participant_id for m in before.members}
        enter(session, before, ids["王伟"], now, A)
        enter(session, before, ids["김민준"], now, A)
        add_chat(session, before, "안녕하세요", ids["김민준"])
        session.commit()
    data = {"type": "purchase", "amount": "100", "currency": "USD", "client_key": "keep-0001"}
    deal, _ = record_deal_once(engine, before, ids["김민준"], data, RATES)

    republish_keeping(engine, before.fair_id, uid)

    with Session(engine) as session:
        after = load_room(session, uid)
        assert after.meeting_id != before.meeting_id  # a new row for the new version
        online = {p["name"]: p["online"] for p in presence(session, after)}
        assert online["王伟"] and online["김민준"]
        lines = chat_histories(session, [after])[after.request_id]
        assert [c["text"] for c in lines] == ["안녕하세요"]
        found = rooms_deals(session, [after], RATES)[after.request_id]
        assert [d["id"] for d in found] == [deal["id"]]
        # The buyer confirms, through the room as it is now.
        _, confirmed = confirm_deal(session, after, ids["王伟"], deal["id"])
        assert confirmed
        session.commit()
        # Nobody missed the meeting.
        assert mark_no_shows(session, now, 0) == []
    # A resubmission of the deal (its ack was lost) from either room is the same deal.
    for room in (before, after):
        again, created = record_deal_once(engine, room, ids["김민준"], data, RATES)
        assert again["id"] == deal["id"] and not created
    # A connection from before the republish leaves, holding the old room.
    with Session(engine) as session:
        leave(session, before.meeting_id, ids["王伟"], now, A)
        session.commit()
        online = {p["name"]: p["online"] for p in presence(session, before)}
    assert online == {"王伟": False, "김민준": True, "朴智慧": False}
