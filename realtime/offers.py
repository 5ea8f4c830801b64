"""Freed slots refilled live, on every open page: the offers of `fair.freed` reach the
people they concern through `/notices` (each person's room there), and the organiser's
control room through the `/dashboard` totals it already follows.

`SlotOffers` is handed to the namespaces that free slots (`/meeting`'s no-show sweep) and
answer offers (`/notices` `offer:accept` / `offer:decline`), and to the web layer for the
organiser's actions (cancel a meeting, offer a waiting proposal). Everything is stored
before anyone is told, and sent through the socket.io manager, so it reaches every
server process's pages (through Redis when configured).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import socketio
from sqlmodel import Session

from fair import freed
from fair.db import session_scope
from fair.models import SlotOffer
from fair.rooms import meeting_room, notices_participant_room
from realtime.base import now
from realtime.services import RoomServices

if TYPE_CHECKING:
    from realtime.dashboard import DashboardNamespace

log = logging.getLogger("fair.realtime.offers")
T = TypeVar("T")
NOTICES = "/notices"


class SlotOffers:
    def __init__(
        self,
        server: socketio.AsyncServer,
        services: RoomServices,
        dashboard: DashboardNamespace | None = None,
    ) -> None:
        self.server = server
        self.services = services
        self.dashboard = dashboard

    async def _write(self, fn: Callable[[Session], T]) -> T:
        engine = self.services.engine

        def work() -> T:
            with session_scope(engine()) as session:
                return fn(session)

        result: T = await self.services.run(work)
        return result

    async def slot_freed(self, meeting_id: int) -> freed.Changed:
        """Meeting `meeting_id` became a no-show or was cancelled: make its offers and
        tell the first pair and the organisers."""
        moment = now()
        changed = await self._write(lambda db: freed.offer_freed(db, meeting_id, moment))
        await self.tell(changed)
        return changed

    async def cancel(self, fair_id: int, uid: str) -> freed.Changed:
        """The organiser cancels meeting `uid` (`fair.freed.cancel_meeting`, which raises
        with the reason); its room is told, and its slot is offered."""
        moment = now()

        def cancel(db: Session) -> int:
            meeting = freed.cancel_meeting(db, fair_id, uid, moment)
            assert meeting.id is not None
            return meeting.id

        meeting_id = await self._write(cancel)
        await self.server.emit(
            "cancelled", {"uid": uid}, room=meeting_room(uid), namespace="/meeting"
        )
        return await self.slot_freed(meeting_id)

    async def offer(self, fair_id: int, offer_id: int) -> freed.Changed:
        """The organiser offers a waiting proposal to its two sides."""
        moment = now()
        changed = await self._write(lambda db: freed.offer(db, fair_id, offer_id, moment))
        await self.tell(changed)
        return changed

    async def respond(
        self, offer_id: int, participant_id: int, accept: bool
    ) -> tuple[freed.Changed, dict[str, Any]]:
        """A side's answer (`fair.freed.respond`, which raises with the reason); returns
        what changed and the offer as the participant now sees it."""
        moment = now()

        def answer(db: Session) -> tuple[freed.Changed, dict[str, Any]]:
            changed = freed.respond(db, offer_id, participant_id, accept, moment)
            row = db.get(SlotOffer, offer_id)
            assert row is not None
            return changed, freed.view(db, row, moment, participant_id)

        changed, view = await self._write(answer)
        await self.tell(changed)
        return changed, view

    async def tell(self, changed: freed.Changed) -> None:
        """Send each person concerned their own view of every changed offer, and refresh
        the organisers' control rooms."""
        if changed.offers and changed.notify:
            moment = now()
            engine = self.services.engine

            def views() -> list[tuple[int, dict[str, Any]]]:
                with Session(engine()) as db:
                    out = []
                    for offer_id in changed.offers:
                        row = db.get(SlotOffer, offer_id)
                        if row is None:
                            continue
                        concerned = set(freed.members(db, row))
                        for pid in changed.notify:
                            if pid in concerned:
                                out.append((pid, freed.view(db, row, moment, pid)))
                    return out

            for pid, view in await self.services.run(views):
                await self.server.emit(
                    "offer", view, room=notices_participant_room(pid), namespace=NOTICES
                )
        if self.dashboard is not None and changed.fair_id is not None:
            self.dashboard.changed(changed.fair_id)
