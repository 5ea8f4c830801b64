"""Ending live connections when their session ends.

A socket.io connection is checked once, when it connects. Someone who then signs out,
or whose sign-in link the organiser revokes or replaces, must not keep an open room,
chat or deal form: every process watches the database for sessions that ended
(`fair.accounts.ended_since`: the sign-out cutoffs and the revoked links) every
`INTERVAL` seconds, and at once when this process made the change (`poke`), and
disconnects its own connections of those sessions, in every namespace, after telling
each client why (`signed_out`). The database is the one place every process shares (with or
without Redis), so a sign-out on one process ends the sockets on all of them within a
second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import socketio
from sqlmodel import Session

from fair.accounts import Ended, ended_since
from realtime.namespaces import Identify
from realtime.services import RoomServices

log = logging.getLogger("fair.realtime.sessions")
INTERVAL = 0.5  # seconds between looks at the database
# Looked back this far each time: another process's clock may run a little behind, and
# a change committed while the last look ran is not missed.
MARGIN = timedelta(seconds=10)
ENDED_MESSAGE = "your session ended (signed out, or the link was revoked or replaced)"


class SessionWatch:
    """Disconnects this process's connections whose session has ended."""

    def __init__(
        self, server: socketio.AsyncServer, identify: Identify, services: RoomServices
    ) -> None:
        self.server = server
        self.identify = identify
        self.services = services
        self.seen: dict[tuple[str, str], datetime] = {}  # what was acted on, and when
        self._wake: asyncio.Event | None = None

    def poke(self) -> None:
        """Look now (this process has just ended a session)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Watch until cancelled."""
        self._wake = asyncio.Event()
        since = datetime.now(UTC)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), INTERVAL)
            self._wake.clear()
            started = datetime.now(UTC)
            try:
                await self.check(since - MARGIN)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the next look catches up
                log.warning("could not check for ended sessions: %s", type(exc).__name__)
                continue
            since = started

    async def check(self, since: datetime) -> int:
        """Disconnect the connections of sessions ended since `since` not acted on yet;
        returns how many were disconnected."""
        engine = self.services.engine

        def read() -> Ended:
            with Session(engine()) as session:
                return ended_since(session, since)

        ended: Ended = await self.services.run(read)
        fresh = Ended(
            {h: at for h, at in ended.cutoffs.items() if ("cutoff", f"{h}@{at}") not in self.seen},
            frozenset(t for t in ended.tokens if ("token", t) not in self.seen),
        )
        moment = datetime.now(UTC)
        for holder, at in fresh.cutoffs.items():
            self.seen[("cutoff", f"{holder}@{at}")] = moment
        for token in fresh.tokens:
            self.seen[("token", token)] = moment
        for key, at in list(self.seen.items()):
            if at < moment - 3 * MARGIN:
                del self.seen[key]
        return await self.end(fresh) if fresh else 0

    async def end(self, ended: Ended) -> int:
        """Disconnect this process's connections that `ended` covers, in every
        namespace; returns how many."""
        count = 0
        for namespace in list(self.server.namespace_handlers):
            for sid, _ in list(self.server.manager.get_participants(namespace, None)):
                environ: Any = self.server.get_environ(sid, namespace)
                who = self.identify(environ) if environ is not None else None
                if who is None or not ended.ends(who):
                    continue
                with contextlib.suppress(Exception):  # gone meanwhile
                    await self.server.emit(
                        "signed_out", {"message": ENDED_MESSAGE}, to=sid, namespace=namespace
                    )
                    await self.server.disconnect(sid, namespace=namespace)
                    count += 1
        if count:
            log.info("disconnected %d connection(s) of ended sessions", count)
        return count
