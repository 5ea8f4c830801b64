"""Joins and leaves written in one transaction (`fair.presence.apply`): the same counts
as one at a time, each refusal to its own op, and about the statements of one join
however many (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bench.rooms.synthetic import populate
from fair import presence
from fair.db import session_scope
from fair.errors import Forbidden, NotFound
from fair.models import (
    LiveConnection,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    Participant,
    ScheduleVersion,
    TokenKind,
    VersionStatus,
)
from fair.tokens import hash_token, issue_token

pytestmark = pytest.mark.integration
A = "a" * 32  # this server process


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with lock:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def pairs_engine(engine: Engine) -> Engine:
    """Twelve online meetings running now, one per pair of people (the rooms benchmark's
    fair), on SQLite and PostgreSQL."""
    populate(engine, 12)
    return engine


def everyone(engine: Engine) -> list[presence.Enter]:
    """An entry for each member of each published meeting, with a live link."""
    with session_scope(engine) as session:
        uids = session.exec(
            select(MeetingRequest.uid)
            .join(Meeting, col(Meeting.request_id) == col(MeetingRequest.id))
            .join(ScheduleVersion, col(ScheduleVersion.id) == col(Meeting.version_id))
            .where(ScheduleVersion.status == VersionStatus.PUBLISHED)
        ).all()
        links: dict[int, str] = {}
        ops = []
        for uid in sorted(uids):
            for member in presence.load_room(session, uid).members:
                pid = member.participant_id
                if pid not in links:
                    person = session.get(Participant, pid)
                    assert person is not None
                    links[pid] = hash_token(issue_token(session, person, TokenKind.MAGIC))
                ops.append(presence.Enter(uid, pid, links[pid]))
    return ops


def counts(engine: Engine) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    with Session(engine) as session:
        totals = {
            (r.meeting_id, r.participant_id): r.connections
            for r in session.exec(select(MeetingPresence))
        }
        shares = {
            (r.target_id, r.participant_id): r.connections
            for r in session.exec(select(LiveConnection))
        }
    return totals, shares


def test_a_batch_counts_what_one_at_a_time_counts(pairs_engine: Engine) -> None:
    engine = pairs_engine
    ops = everyone(engine)
    assert len(ops) >= 10
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        outcomes = presence.apply(session, ops, now, A)
    assert all(isinstance(o, presence.Entered) for o in outcomes)
    totals, shares = counts(engine)
    assert set(totals.values()) == {1} and totals == shares
    # Each answer shows its room with the people of the batch who entered it.
    for op, outcome in zip(ops, outcomes, strict=True):
        assert isinstance(outcome, presence.Entered)
        assert outcome.room.uid == op.uid
        mine = {p["participant"]: p["online"] for p in outcome.presence}
        assert mine[op.participant_id] is True

    # A second tab of each, then every connection leaves in a batch of its own, mixed.
    rooms = {o.room.uid: o.room for o in outcomes if isinstance(o, presence.Entered)}
    again = [
        *ops,
        *(presence.Leave(rooms[op.uid].meeting_id, op.participant_id or 0) for op in ops),
    ]
    with session_scope(engine) as session:
        presence.apply(session, again, now, A)
    totals, shares = counts(engine)
    assert set(totals.values()) == {1} and totals == shares
    leaves = [
        presence.Leave(rooms[op.uid].meeting_id, op.participant_id or 0, rooms[op.uid])
        for op in ops
    ]
    with session_scope(engine) as session:
        after = presence.apply(session, leaves, now, A)
    totals, shares = counts(engine)
    assert set(totals.values()) == {0} and shares == {}
    assert all(isinstance(o, list) and not any(p["online"] for p in o) for o in after)
    # Leaving once more takes nothing off twice (a sweep, or a disconnect after a release).
    with session_scope(engine) as session:
        presence.apply(session, leaves, now, A)
    assert counts(engine) == (totals, {})


def test_each_refusal_goes_to_its_own_entry(pairs_engine: Engine) -> None:
    engine = pairs_engine
    entries = everyone(engine)
    good = entries[0]
    members = {op.participant_id for op in entries if op.uid == good.uid}
    stranger = next(op for op in entries if op.participant_id not in members)
    ops = [
        presence.Enter("no-such-meeting", good.participant_id, good.token_hash),
        presence.Enter(good.uid, good.participant_id, "not-a-live-link"),
        presence.Enter(good.uid, stranger.participant_id, stranger.token_hash),
        good,
        presence.Enter(good.uid, None),  # an organiser observes
    ]
    with session_scope(engine) as session:
        outcomes = presence.apply(session, ops, datetime.now(UTC), A)
    assert isinstance(outcomes[0], NotFound)
    assert isinstance(outcomes[1], Forbidden) and "link" in str(outcomes[1])
    assert isinstance(outcomes[2], Forbidden) and "not on your agenda" in str(outcomes[2])
    assert isinstance(outcomes[3], presence.Entered)
    assert isinstance(outcomes[4], presence.Entered) and outcomes[4].member is None
    totals, shares = counts(engine)
    assert totals == shares and sum(totals.values()) == 1  # only the member was counted


def test_a_batch_costs_about_what_one_join_costs(pairs_engine: Engine) -> None:
    engine = pairs_engine
    ops = everyone(engine)
    now = datetime.now(UTC)
    with statements(engine) as one, session_scope(engine) as session:
        presence.apply(session, ops[:1], now, A)
    with statements(engine) as many, session_scope(engine) as session:
        presence.apply(session, ops[1:], now, A)
    assert len(ops) - 1 >= 10
    assert len(many) <= len(one) + 3, "\n".join(many)


def test_histories_read_together_are_each_rooms_own(pairs_engine: Engine) -> None:
    """The chat and deals sent to the joins of a batch (`chat_histories`,
    `rooms_deals`): each room's own lines, the newest `CHAT_HISTORY` of them oldest
    first, and its own deals; read together or alone, the same."""
    from decimal import Decimal

    from fair import chat, deals

    engine = pairs_engine
    ops = everyone(engine)
    rates = {"USD": Decimal(1)}
    with session_scope(engine) as session:
        rooms = [presence.load_room(session, uid) for uid in sorted({op.uid for op in ops})]
        busy, quiet, other = rooms[0], rooms[1], rooms[2]
        for i in range(chat.CHAT_HISTORY + 5):
            chat.add_chat(session, busy, f"line {i}", busy.members[i % 2].participant_id)
        chat.add_chat(session, quiet, "hello", quiet.members[0].participant_id)
        for room, key in ((quiet, "quiet-01"), (other, "other-01"), (other, "other-02")):
            data = {"type": "purchase", "amount": "100", "currency": "USD", "client_key": key}
            deals.record_deal(session, room, room.members[0].participant_id, data, rates)
    with Session(engine) as session:
        lines = chat.chat_histories(session, rooms)
        found = deals.rooms_deals(session, rooms, rates)
        for room in rooms:
            assert lines[room.request_id] == chat.chat_histories(session, [room])[room.request_id]
            assert (
                found[room.request_id] == deals.rooms_deals(session, [room], rates)[room.request_id]
            )
    newest = [f"line {i}" for i in range(5, chat.CHAT_HISTORY + 5)]
    assert [c["text"] for c in lines[busy.request_id]] == newest
    assert [c["text"] for c in lines[quiet.request_id]] == ["hello"]
    assert [d["client_key"] for d in found[quiet.request_id]] == ["quiet-01"]
    assert [d["client_key"] for d in found[other.request_id]] == ["other-01", "other-02"]
    assert lines[other.request_id] == [] and found[busy.request_id] == []
