"""`/notices`: the organiser's announcements, live on every open page of a participant.

A participant's pages (agenda, room, stage, catalogue, …) connect here with the session
cookie and are put in the rooms of their fair, their company's pavilion and themselves
(`fair.announcements.listening_rooms`). An announcement is stored first and then sent as
`announcement` to the rooms of its audience, on every server process (the socket.io
manager relays through Redis when configured). Nothing is sent from the page but `recent`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import socketio
from sqlmodel import Session, col, select

from fair import announcements
from fair.db import session_scope
from fair.models import Announcement, Participant
from fair.tokens import token_is_live
from realtime.base import now
from realtime.namespaces import AnswersEveryCall, Identify
from realtime.services import RoomServices

log = logging.getLogger("fair.realtime.notices")
NAMESPACE = "/notices"
RECENT = timedelta(hours=12)  # what `recent` looks back over


class NoticesNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    """Participants only; the organiser announces from the control room (`announce`)."""

    EVENTS = frozenset({"recent"})

    def __init__(self, identify: Identify, services: RoomServices) -> None:
        super().__init__(NAMESPACE)
        self.identify = identify
        self.services = services

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        if not who or "participant" not in who:
            raise socketio.exceptions.ConnectionRefusedError(
                "announcements are for participants; open your personal link", {"code": "signin"}
            )
        pid, token_hash = int(who["participant"]), str(who.get("token_hash", ""))
        engine = self.services.engine

        def rooms() -> list[str] | None:
            with Session(engine()) as session:
                if not token_is_live(session, pid, token_hash):
                    return None
                return announcements.listening_rooms(session, pid)

        found: list[str] | None = await self.services.run(rooms)
        if found is None:
            raise socketio.exceptions.ConnectionRefusedError(
                "your link was replaced, revoked or has expired; open the new one",
                {"code": "signin"},
            )
        await self.save_session(sid, {"participant": pid, "rooms": found})
        for room in found:
            await self.enter_room(sid, room)

    async def on_recent(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The announcements of the last 12 hours that reached this participant, newest
        first (a page opened after one was sent can still show it)."""
        session = await self.get_session(sid)
        pid: int = session["participant"]
        engine = self.services.engine
        since = now() - RECENT

        def read() -> list[dict[str, Any]]:
            with Session(engine()) as db:
                person = db.get(Participant, pid)
                if person is None:
                    return []
                mine = set(announcements.listening_rooms(db, pid))
                rows = db.exec(
                    select(Announcement)
                    .where(Announcement.fair_id == person.fair_id, Announcement.sent_at >= since)
                    .order_by(col(Announcement.sent_at).desc(), col(Announcement.id).desc())
                    .limit(20)
                ).all()
                return [
                    announcements.view(db, row)
                    for row in rows
                    if mine & set(announcements.audience(db, row))
                ]

        found: list[dict[str, Any]] = await self.services.run(read)
        return {"ok": True, "announcements": found}

    async def announce(
        self,
        fair_id: int,
        scope: str,
        target: object,
        text: str,
        organiser_id: int | None = None,
    ) -> dict[str, Any]:
        """Store an announcement (`fair.announcements.announce`, which raises
        `InvalidInput` with the reason) and send it to its audience; returns it."""
        engine = self.services.engine
        moment = now()

        def store() -> tuple[dict[str, Any], list[str]]:
            with session_scope(engine()) as db:
                row = announcements.announce(
                    db, fair_id, scope, target, text, moment, organiser_id, "Organiser"
                )
                return announcements.view(db, row), announcements.audience(db, row)

        view, rooms = await self.services.run(store)
        if rooms:  # the manager takes a list of rooms and sends once per connection
            await self.emit("announcement", view, room=rooms)
        return dict(view)
