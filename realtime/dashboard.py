"""`/dashboard`: a fair's live counters, pushed to organisers on every change.

Counters are always computed from the database (`fair.deals.fair_totals`), never kept in
one process's memory, so with several processes on Redis every dashboard converges on
the same figures. Changes are coalesced per fair: a burst of deals causes one query and
one `totals` event per process, at most one a second (the first change's at once, what
came after in one push a second later), and each event carries `as_of` (when its query
ran) so a client keeps the newest figures even if events from two processes cross.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import socketio
from sqlmodel import Session

from fair.accounts import signed_in
from fair.deals import fair_totals
from fair.orders import order_totals
from fair.rooms import dashboard_room
from fair.stage import livestream_totals
from realtime.namespaces import AnswersEveryCall, Identify
from realtime.services import RoomServices

log = logging.getLogger("fair.realtime.dashboard")
NAMESPACE = "/dashboard"
COALESCE = 0.05  # seconds to wait for more changes before querying
# Seconds between two queries of one fair's totals from one process: a busy fair (a slot
# change, a deal burst) changes many times a second, and each query reads every deal.
INTERVAL = 1.0


class DashboardNamespace(AnswersEveryCall, socketio.AsyncNamespace):  # type: ignore[misc]
    """Organisers only: fair figures are the organiser's (decided in docs/realtime.md)."""

    EVENTS = frozenset({"watch"})

    def __init__(self, identify: Identify, services: RoomServices) -> None:
        super().__init__(NAMESPACE)
        self.identify = identify
        self.services = services
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()
        self._last: dict[int, float] = {}  # fair id → when its totals were last queried
        self.watched: dict[int, int] = {}  # fair id → local watchers

    async def on_connect(self, sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
        who = self.identify(environ)
        engine = self.services.engine

        def live() -> bool:
            with Session(engine()) as session:
                return who is not None and signed_in(session, who)

        if not who or "organiser" not in who or not await self.services.run(live):
            raise socketio.exceptions.ConnectionRefusedError(
                "the dashboard is for the organiser; sign in", {"code": "signin"}
            )
        await self.save_session(sid, {"organiser": who["organiser"], "fairs": []})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = await self.get_session(sid)
        for fair_id in session.get("fairs", []):
            self.watched[fair_id] = max(self.watched.get(fair_id, 1) - 1, 0)

    async def on_watch(self, sid: str, data: Any) -> dict[str, Any]:
        """`{"fair": id}` → join the fair's dashboard room; the ack carries the totals."""
        try:
            fair_id = int(data["fair"])
        except (TypeError, KeyError, ValueError, OverflowError):
            message = "fair: expected a fair id"
            await self.emit(
                "error", {"event": "watch", "code": "invalid", "message": message}, to=sid
            )
            return {"ok": False, "error": {"code": "invalid", "message": message}}
        try:
            totals = await self.totals(fair_id)
        except Exception as exc:  # NotFound
            message = str(exc)
            await self.emit(
                "error", {"event": "watch", "code": "not_found", "message": message}, to=sid
            )
            return {"ok": False, "error": {"code": "not_found", "message": message}}
        async with self.session(sid) as session:
            if fair_id not in session["fairs"]:
                session["fairs"].append(fair_id)
                self.watched[fair_id] = self.watched.get(fair_id, 0) + 1
        await self.enter_room(sid, dashboard_room(fair_id))
        return {"ok": True, "totals": totals}

    async def totals(self, fair_id: int) -> dict[str, Any]:
        services = self.services

        def work() -> dict[str, Any]:
            with Session(services.engine()) as session:
                totals = fair_totals(session, fair_id, services.rates)
                # Roadshow purchase interest, counted like the seed's livestream sales.
                totals["livestream"] = livestream_totals(session, fair_id)
                # Orders placed on the stages, beside the deals (`fair.orders`).
                totals["orders"] = order_totals(session, fair_id, services.rates)
                return totals

        result: dict[str, Any] = await services.run(work)
        return result

    def changed(self, fair_id: int) -> None:
        """Something that counts changed in `fair_id`: push fresh totals soon."""
        self._dirty.add(fair_id)
        if fair_id not in self._pending:
            self._pending[fair_id] = asyncio.ensure_future(self._push(fair_id))

    async def _push(self, fair_id: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            while fair_id in self._dirty:
                last = self._last.get(fair_id, -INTERVAL)
                await asyncio.sleep(max(COALESCE, last + INTERVAL - loop.time()))
                self._dirty.discard(fair_id)
                self._last[fair_id] = loop.time()
                totals = await self.totals(fair_id)
                await self.emit("totals", totals, room=dashboard_room(fair_id))
        except Exception:
            log.exception("pushing totals of fair %s failed", fair_id)
        finally:
            self._pending.pop(fair_id, None)

    async def flush(self) -> None:
        """Wait for pending pushes (tests, shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending.values()), return_exceptions=True)
