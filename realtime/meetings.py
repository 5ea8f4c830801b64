"""`/meeting`: live negotiation rooms, one per meeting (see docs/realtime.md).

Participants connect with their session cookie (the sign-in link must still be live);
organisers connect as observers. `join` enters the room of one meeting: participants only
their own meetings, organisers any. In the room: presence, server time for the
countdown, "running late", chat kept with the meeting, WebRTC signalling relayed to the
other people in the room, and deals that are acknowledged only after the database commit.
Every change that counts is passed to the `/dashboard` namespace.

Namespaces are singletons: per-client state lives in the socket.io session. Presence,
chat and deals live in the database, so they hold across processes; with Redis, room
emits reach the clients of every process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlmodel import Session

from fair import chat, deals, instances, presence
from fair.db import session_scope
from fair.models import DealType
from fair.presence import Member, Room
from fair.rooms import meeting_room
from fair.rules import MAX_ID
from realtime.base import SIGNAL_KEYS, ParticipantNamespace, Refused, now
from realtime.batch import Batcher
from realtime.dashboard import DashboardNamespace
from realtime.namespaces import Identify
from realtime.offers import SlotOffers
from realtime.services import RoomServices

log = logging.getLogger("fair.realtime.meetings")
NAMESPACE = "/meeting"
DEALS_PER_MINUTE = 30  # per participant over every process: retries and real deals fit easily


class MeetingNamespace(ParticipantNamespace):
    SIGN_IN = "open your personal link to enter meeting rooms"
    EVENTS = frozenset(
        {
            "join",
            "leave",
            "time",
            "late",
            "chat",
            "signal",
            "deal:record",
            "deal:confirm",
            "announce",
        }
    )

    def __init__(
        self,
        identify: Identify,
        services: RoomServices,
        dashboard: DashboardNamespace,
        offers: SlotOffers | None = None,
    ) -> None:
        super().__init__(NAMESPACE, identify, services, dashboard)
        self.offers = offers  # a no-show's slot is offered to waiting pairs
        # Joins and leaves are written in batches: a slot change brings everyone at once.
        self.rooms: Batcher[presence.Enter | presence.Leave, Any] = Batcher(
            self._enter_and_leave, services.run
        )
        self.histories: Batcher[Room, dict[str, Any]] = Batcher(self._histories, services.run)
        # Event names with a colon: python-socketio looks up `on_<event>` by name.
        setattr(self, "on_deal:record", self.on_deal_record)
        setattr(self, "on_deal:confirm", self.on_deal_confirm)

    def _histories(self, rooms: Sequence[Room]) -> list[dict[str, Any]]:
        """The chat and deals of the rooms joined together, in one session."""
        with Session(self.services.engine(), expire_on_commit=False) as db:
            lines = chat.chat_histories(db, rooms)
            found = deals.rooms_deals(db, rooms, self.services.rates)
        return [{"chat": lines[r.request_id], "deals": found[r.request_id]} for r in rooms]

    def _enter_and_leave(self, ops: Sequence[presence.Enter | presence.Leave]) -> list[Any]:
        with session_scope(self.services.engine()) as db:
            return presence.apply(db, ops, now(), self.services.instance)

    @staticmethod
    def _room(session: dict[str, Any]) -> Room:
        room: Room | None = session.get("room")
        if room is None:
            raise Refused("not_joined", "join a meeting first")
        return room

    @staticmethod
    def _participant(session: dict[str, Any]) -> int:
        pid: int | None = session.get("participant")
        if pid is None:
            raise Refused("observer", "observers cannot do this; it is for the two sides")
        return pid

    # -- room -----------------------------------------------------------------------

    async def on_join(self, sid: str, data: Any) -> dict[str, Any]:
        """`{"meeting": uid}` → enter the meeting's room (leaving any other)."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            uid = data.get("meeting") if isinstance(data, dict) else None
            if not isinstance(uid, str) or not uid:
                raise Refused("invalid", "meeting: expected the meeting's id")
            pid: int | None = session.get("participant")
            if session.get("room") is not None:
                await self._leave(sid, session)
            entered: presence.Entered = await self.rooms.submit(
                presence.Enter(uid, pid, session.get("token_hash", ""))
            )
            room, member = entered.room, entered.member
            state: dict[str, Any] = {"presence": entered.presence}
            session["room"] = room
            if self._gone(sid):
                await self._leave(sid, session)
                raise Refused("gone", "the connection closed while joining")
            await self.enter_room(sid, meeting_room(room.uid))
            # Chat and deals are read only once this connection is in the room: whatever is
            # stored later reaches it as a notice, whatever was stored earlier is in the
            # answer (read before entering, a deal stored in between was in neither; the
            # page keys both by id, so one in both shows once).
            state.update(await self.histories.submit(room))
            if member is not None:
                await self.emit(
                    "presence", {"people": state["presence"]}, room=meeting_room(uid), skip_sid=sid
                )
                await self.emit(
                    "peer:joined",
                    {"sid": sid, "participant": member.participant_id, "name": member.name},
                    room=meeting_room(uid),
                    skip_sid=sid,
                )
                self.dashboard.changed(room.fair_id)
            return {"ok": True, **self._welcome(sid, room, member, state)}

        return await self._guard(sid, "join", handle)

    def _welcome(
        self, sid: str, room: Room, member: Member | None, state: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "meeting": {
                "uid": room.uid,
                "title": room.title(),
                "fair": room.fair_id,
                "fair_name": room.fair_name,
                "start": room.start.isoformat(),
                "end": room.end.isoformat(),
                "status": room.status,
                "currency": room.currency,
                "members": [
                    {
                        "participant": m.participant_id,
                        "name": m.name,
                        "company": m.company,
                        "country": m.country,
                        "side": m.side,
                    }
                    for m in room.members
                ],
            },
            "you": {
                "sid": sid,
                "participant": member.participant_id if member else None,
                "side": member.side if member else "observer",
                "observer": member is None,
            },
            "server_time": now().isoformat(),
            "ice_servers": self.services.ice_servers_for(
                None if member is None else str(member.participant_id), room.end
            ),
            "currencies": sorted({room.currency, *self.services.rates}),
            "deal_types": [t.value for t in DealType],
            "presence": state["presence"],
            "chat": state["chat"],
            "deals": state["deals"],
        }

    async def _leave(self, sid: str, session: dict[str, Any]) -> None:
        room: Room | None = session.pop("room", None)
        if room is None:
            return
        await self.leave_room(sid, meeting_room(room.uid))
        pid: int | None = session.get("participant")
        if pid is None:
            return
        try:
            people = await self.rooms.submit(presence.Leave(room.meeting_id, pid, room))
        except Exception:
            session["room"] = room  # not counted out: the next join or the disconnect tries again
            raise
        await self.emit("presence", {"people": people}, room=meeting_room(room.uid))
        await self.emit("peer:left", {"sid": sid, "participant": pid}, room=meeting_room(room.uid))
        self.dashboard.changed(room.fair_id)

    async def on_leave(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            self._room(session)
            await self._leave(sid, session)
            return {"ok": True}

        return await self._guard(sid, "leave", handle)

    async def on_time(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The server's clock, for the countdown to the end of the slot."""
        return {"ok": True, "server_time": now().isoformat()}

    async def on_late(self, sid: str, data: Any) -> dict[str, Any]:
        """`{"minutes": 1–30}` → a "running late" notice to the room."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            room = self._room(session)
            pid = self._participant(session)
            try:
                minutes = int(data["minutes"])
            except (TypeError, KeyError, ValueError, OverflowError):
                raise Refused("invalid", "minutes: a whole number from 1 to 30") from None
            if not 1 <= minutes <= 30:
                raise Refused("invalid", "minutes: a whole number from 1 to 30")
            member = room.member(pid)
            moment = now()
            # Kept, so the organiser's control room shows who is late on every process.
            await self._write(lambda db: presence.note_late(db, room, pid, minutes, moment))
            self.dashboard.changed(room.fair_id)
            notice = {
                "participant": pid,
                "name": member.name if member else session.get("name"),
                "minutes": minutes,
                "at": moment.isoformat(),
            }
            await self.emit("late", notice, room=meeting_room(room.uid))
            return {"ok": True}

        return await self._guard(sid, "late", handle)

    async def on_chat(self, sid: str, data: Any) -> dict[str, Any]:
        """`{"text": ...}` → stored with the meeting, then sent to the room as `chat`."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            room = self._room(session)
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str):
                raise Refused("invalid", "text: expected the message")
            pid: int | None = session.get("participant")
            oid: int | None = session.get("organiser")

            def store(db: Session) -> dict[str, object]:
                return chat.add_chat(db, room, text, pid, oid, "Organiser")

            line = await self._write(store)
            await self.emit("chat", line, room=meeting_room(room.uid))
            return {"ok": True, "line": line}

        return await self._guard(sid, "chat", handle)

    async def on_signal(self, sid: str, data: Any) -> dict[str, Any]:
        """WebRTC signalling: `{"to": sid, "description": {...}}` or `{"to": sid,
        "candidate": {...}}`, relayed only inside the sender's room, never back to them.

        The hot path of a room (every ICE candidate), so it is kept lean: no database, one
        session lookup, the target checked against this process's room membership."""
        session = await self.get_session(sid)
        room: Room | None = session.get("room")
        if room is None:
            return await self._refuse(sid, "signal", "not_joined", "join a meeting first")
        if session.get("participant") is None:
            return await self._refuse(sid, "signal", "observer", "observers do not send media")
        if not isinstance(data, dict) or not ("description" in data or "candidate" in data):
            return await self._refuse(
                sid, "signal", "invalid", "expected a description or a candidate"
            )
        target = data.get("to")
        message: dict[str, Any] = {"from": sid, "to": target, "name": session.get("name")}
        for key in SIGNAL_KEYS:
            if key in data:
                message[key] = data[key]
        name = meeting_room(room.uid)
        manager = self.server.manager
        if isinstance(target, str) and target in manager.rooms.get(NAMESPACE, {}).get(name, {}):
            if target == sid:
                return await self._refuse(sid, "signal", "invalid", "to: not yourself")
            await self.emit("signal", message, to=target)
        elif isinstance(target, str) and manager.is_connected(target, NAMESPACE):
            return await self._refuse(
                sid, "signal", "forbidden", "that peer is not in your meeting"
            )
        else:
            # The peer is on another process (or not named): the room reaches it there;
            # clients drop signals addressed to someone else.
            await self.emit("signal", message, room=name, skip_sid=sid)
        return {"ok": True}

    # -- deals ----------------------------------------------------------------------

    async def on_deal_record(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._record(sid, data)

    async def on_deal_confirm(self, sid: str, data: Any) -> dict[str, Any]:
        return await self._confirm(sid, data)

    async def _deal_allowed(self, pid: int) -> bool:
        """Deal submissions per participant in a sliding minute, counted over every
        server process (the app's rate counter, in Redis where configured): a flood of
        deals from one client is refused before it reaches the database, whichever
        process its connections reach."""
        count_event = self.services.count_event
        if count_event is None:
            return True
        count, _ = await count_event(f"room-deals:p{pid}", 60)
        return count <= DEALS_PER_MINUTE

    async def _record(self, sid: str, data: Any) -> dict[str, Any]:
        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            room = self._room(session)
            pid = self._participant(session)
            if not await self._deal_allowed(pid):
                raise Refused("slow_down", "too many deals in a minute; wait and try again")
            if not isinstance(data, dict):
                raise Refused("invalid", "expected the deal's fields")
            engine = self.services.engine
            rates = self.services.rates
            view, created = await self.services.run(
                lambda: deals.record_deal_once(engine(), room, pid, data, rates)
            )
            if created:
                await self.emit("deal", view, room=meeting_room(room.uid))
                self.dashboard.changed(room.fair_id)
            return {"ok": True, "deal": view, "duplicate": not created}

        return await self._guard(sid, "deal:record", handle)

    async def _confirm(self, sid: str, data: Any) -> dict[str, Any]:
        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            room = self._room(session)
            pid = self._participant(session)
            try:
                deal_id = int(data["deal"])
            except (TypeError, KeyError, ValueError, OverflowError):
                raise Refused("invalid", "deal: expected the deal's id") from None
            if not 1 <= deal_id <= MAX_ID:
                raise Refused("not_found", "no such deal in this meeting")
            rates = self.services.rates

            def confirm(db: Session) -> tuple[dict[str, Any], bool]:
                deal, changed = deals.confirm_deal(db, room, pid, deal_id)
                return deals.deal_view(db, deal, room, rates), changed

            view, changed = await self._write(confirm)
            if changed:
                await self.emit("deal", view, room=meeting_room(room.uid))
                self.dashboard.changed(room.fair_id)
            return {"ok": True, "deal": view}

        return await self._guard(sid, "deal:confirm", handle)

    # -- organiser ------------------------------------------------------------------

    async def on_announce(self, sid: str, data: Any) -> dict[str, Any]:
        """Organisers only: `{"text": ...}` → `announcement` in every meeting room."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            if session.get("organiser") is None:
                raise Refused("forbidden", "only the organiser makes announcements")
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip() or len(text) > 500:
                raise Refused("invalid", "text: 1–500 characters")
            await self.emit("announcement", {"text": text.strip(), "at": now().isoformat()})
            return {"ok": True}

        return await self._guard(sid, "announce", handle)

    # -- no-shows -------------------------------------------------------------------

    async def sweep_no_shows(self) -> list[tuple[int, str]]:
        """Mark no-shows once and tell the rooms and dashboards concerned; each one's
        slot is offered to the waiting pairs who could use it now (`realtime.offers`)."""
        moment = now()
        minutes = self.services.no_show_minutes
        marked = await self._write(lambda db: presence.mark_no_shows(db, moment, minutes))
        for fair_id, uid in marked:

            def people(db: Session, uid: str = uid) -> tuple[int, list[dict[str, object]]]:
                room = presence.load_room(db, uid)
                return room.meeting_id, presence.presence(db, room)

            meeting_id, present = await self._read(people)
            await self.emit(
                "presence", {"people": present, "no_show": True}, room=meeting_room(uid)
            )
            self.dashboard.changed(fair_id)
            if self.offers is not None:
                try:
                    await self.offers.slot_freed(meeting_id)
                except Exception:  # the no-show stands; its slot is just not offered
                    log.exception("offering the slot of no-show %s failed", uid)
        for fair_id, watchers in list(self.dashboard.watched.items()):
            if watchers > 0:  # meetings start and end with the clock
                self.dashboard.changed(fair_id)
        return marked

    async def watch_no_shows(self) -> None:
        """Sweep every `no_show_interval` seconds until cancelled (the first one interval
        after the start, when the process's heartbeat has told the others it is here)."""
        me, timeout = self.services.instance, self.services.instance_timeout
        while True:
            await asyncio.sleep(self.services.no_show_interval)
            try:
                # One live process sweeps (the smallest id among those beating): the
                # others would only repeat its queries. Before any beat, each does.
                leader = await self._read(partial(instances.sweeper, now=now(), timeout=timeout))
                if leader is None or leader == me:
                    await self.sweep_no_shows()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("no-show sweep failed")
