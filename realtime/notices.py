"""`/notices`: the organiser's announcements and the offers of freed slots, live on every
open page of a participant.

A participant's pages (agenda, room, stage, catalogue, …) connect here with the session
cookie and are put in the rooms of their fair, their company's pavilion and themselves
(`fair.announcements.listening_rooms`). An announcement is stored first and then sent as
`announcement` to the rooms of its audience, on every server process (the socket.io
manager relays through Redis when configured).

A slot freed during the fair is offered to waiting pairs (`fair.freed`,
`realtime.offers`): each person concerned gets `offer` in their own room here, and
answers with `offer:accept` or `offer:decline`; `offers` lists those still open (a page
opened after one was sent). The page sends nothing else but `recent`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import socketio
from sqlmodel import Session, col, select

from fair import announcements, freed
from fair.accounts import signed_in
from fair.db import session_scope
from fair.errors import FairError
from fair.models import Announcement, Participant
from fair.rules import MAX_ID
from realtime.base import CODES, now
from realtime.namespaces import AnswersEveryCall, Identify
from realtime.offers import SlotOffers
from realtime.services import RoomServices

log = logging.getLogger("fair.realtime.notices")
NAMESPACE = "/notices"
RECENT = timedelta(hours=12)  # what `recent` looks back over


class NoticesNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    """Participants only; the organiser announces from the control room (`announce`)."""

    EVENTS = frozenset({"recent", "offers", "offer:accept", "offer:decline"})

    def __init__(
        self, identify: Identify, services: RoomServices, offers: SlotOffers | None = None
    ) -> None:
        super().__init__(NAMESPACE)
        self.identify = identify
        self.services = services
        self.offers = offers
        # Event names with a colon: python-socketio looks up `on_<event>` by name.
        setattr(self, "on_offer:accept", self.on_offer_accept)
        setattr(self, "on_offer:decline", self.on_offer_decline)

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        if not who or "participant" not in who:
            raise socketio.exceptions.ConnectionRefusedError(
                "announcements are for participants; open your personal link", {"code": "signin"}
            )
        pid = int(who["participant"])
        engine = self.services.engine

        def rooms() -> list[str] | None:
            with Session(engine()) as session:
                if not signed_in(session, who):
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

    async def on_offers(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The slot offers this participant can still answer, soonest first."""
        pid: int = (await self.get_session(sid))["participant"]
        engine = self.services.engine
        moment = now()

        def read() -> list[dict[str, Any]]:
            with Session(engine()) as db:
                return freed.open_for(db, pid, moment)

        return {"ok": True, "offers": await self.services.run(read)}

    async def on_offer_accept(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._respond(sid, "offer:accept", data, True)

    async def on_offer_decline(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._respond(sid, "offer:decline", data, False)

    async def _respond(self, sid: str, event: str, data: Any, accept: bool) -> dict[str, Any]:
        """`{"offer": id}` → `{"ok": true, "offer": {...}}` (booked once both sides
        accepted, with the meeting's `uid`), or `{"ok": false, "error": {code, message}}`
        with the reason (not yours, taken, passed, declined)."""
        offer_id = data.get("offer") if isinstance(data, dict) else None
        if type(offer_id) is not int or not 1 <= offer_id <= MAX_ID or self.offers is None:
            return await self._refuse(sid, event, "invalid", "offer: expected the offer's id")
        pid: int = (await self.get_session(sid))["participant"]
        try:
            changed, view = await self.offers.respond(offer_id, pid, accept)
        except FairError as exc:
            code = next((c for kind, c in CODES.items() if isinstance(exc, kind)), "invalid")
            return await self._refuse(sid, event, code, str(exc))
        if changed.refused:
            return await self._refuse(sid, event, "conflict", changed.refused)
        return {"ok": True, "offer": view}

    async def _refuse(self, sid: str, event: str, code: str, message: str) -> dict[str, Any]:
        error = {"code": code, "message": message}
        await self.emit("error", {"event": event, **error}, to=sid)
        return {"ok": False, "error": error}

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
