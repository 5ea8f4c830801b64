"""What one join costs the database: the statements of a participant's connection and
join, counted so that they cannot silently grow (the slot change makes every person of a
fair join at once; `fair bench joins` measures the time)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import socketio
import sqlalchemy as sa

from tests.realtime.conftest import Live
from web.keys import BOOKS, ENGINE

pytestmark = pytest.mark.integration


@contextmanager
def statements(engine: sa.engine.Engine) -> Iterator[list[str]]:
    """The statements `engine` runs meanwhile, but the server's own background work (the
    session watch, heartbeats and the no-show sweep run on their own schedule)."""
    seen: list[str] = []
    lock = threading.Lock()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with lock:
            seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# The server's own background work, on its own schedule: the session watch's poll, the
# heartbeat (the no-show sweep's first pass comes only after a whole interval).
BACKGROUND = (
    'session_cutoff."after" >=',  # "after" is quoted on SQLite and PostgreSQL
    "access_token.revoked_at >=",
    "UPDATE server_instance SET heartbeat_at",
    "SELECT server_instance.started_at",
)
HEARTBEAT = "UPDATE server_instance SET heartbeat_at"  # comes with an INSERT of its own
# What a join needs today (docs/realtime.md, "What a join costs"): the connection's
# sign-in check (link, sign-out, name), the room (meeting with its request and fair,
# extra attendees, members with their companies), the link again (a revoked link
# refuses the join), the process's row (inserted if a sweep removed it, held),
# the presence and live-connection rows (read, written), the room's presence, its chat
# and its deals.
STATEMENTS_PER_JOIN = 16


async def test_a_join_costs_a_handful_of_statements(live: Live) -> None:
    cookie = await live.cookie("cn1")  # signing in is not the join
    books = live.server.app[BOOKS]  # nor is the agenda rendering a start or sign-in begins
    while books.warming or books.building or any(not t.done() for t in books.tasks):
        await asyncio.sleep(0.05)
    client = socketio.AsyncClient(reconnection=False)
    engine = live.server.app[ENGINE]
    try:
        with statements(engine) as seen:
            await client.connect(
                live.base,
                namespaces=["/meeting"],
                headers={"Cookie": f"fair_session={cookie}"},
                transports=["websocket"],
                wait_timeout=5,
            )
            ack = await client.call("join", {"meeting": live.uid}, namespace="/meeting")
    finally:
        await client.disconnect()
    assert ack["ok"] is True
    mine = [s[:120] for s in seen if not any(b in s for b in BACKGROUND)]
    for _ in range(sum(HEARTBEAT in s for s in seen)):
        mine.remove(next(s for s in mine if s.startswith("INSERT INTO server_instance")))
    assert len(mine) <= STATEMENTS_PER_JOIN, "\n".join(mine)
