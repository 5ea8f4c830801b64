"""`/stage`: live roadshows, one room per roadshow (see docs/realtime.md).

Participants of the roadshow's fair connect with their session cookie (the sign-in link
must still be live); organisers connect as observers. In a stage room the presenter
sends video to each viewer over its own WebRTC connection (one peer connection per
viewer; the server only relays signalling, and only between the presenter and a
viewer), viewers ask questions (kept with the roadshow), request a meeting with the
presenter (the portal's request rules, `fair.requests`), register purchase interest
in a shown product and order it (`fair.orders`; the presenting company's people on the
stage confirm or decline), all acknowledged only after the commit and passed to the
`/dashboard`.

The audience is counted in the database (`fair.stage.enter`), so its limit holds
over several processes; a viewer beyond it is refused with the code `full`. Each process's
viewers are counted under its instance id, so those of a process that died stop counting
(`realtime.server.Liveness`) and free their places.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from fair import orders as od
from fair import programme as pg
from fair import roadshows as rs
from fair import stage as st
from fair.errors import Conflict, InvalidInput
from fair.models import Fair, Participant
from fair.requests import FieldError, send_request
from fair.rooms import stage_buyer_room, stage_presenter_room, stage_room, stage_seller_room
from fair.rules import DEFAULT_PRIORITY, MAX_ID
from realtime.base import SIGNAL_KEYS, ParticipantNamespace, Refused, now
from realtime.dashboard import DashboardNamespace
from realtime.janus import JanusError
from realtime.namespaces import Identify
from realtime.services import RoomServices
from realtime.stage_media import StageMedia

AUDIENCE_EVERY = 1.0  # seconds between audience counts sent to one stage
ORDER_TOTALS_EVERY = 1.0  # seconds between order totals sent to one stage
log = logging.getLogger("fair.realtime.stage")
NAMESPACE = "/stage"
ORDERS_PER_MINUTE = 30  # per participant over every process, like deals


class StageNamespace(ParticipantNamespace):
    SIGN_IN = "open your personal link to watch roadshows"
    EVENTS = frozenset(
        {
            "join",
            "leave",
            "start",
            "stop",
            "ready",
            "signal",
            "publish",
            "watch",
            "answer",
            "venue",
            "screen",
            "question",
            "meet",
            "interest",
            "order",
            "orders",
            "order:confirm",
            "order:decline",
        }
    )

    def __init__(
        self, identify: Identify, services: RoomServices, dashboard: DashboardNamespace
    ) -> None:
        super().__init__(NAMESPACE, identify, services, dashboard)
        # With Janus configured the media goes through it (realtime/stage_media.py);
        # without, the presenter sends to each viewer peer-to-peer.
        self.media = StageMedia(services.media) if services.media is not None else None
        if self.media is not None:
            self.media.on_hangup = self._hung_up
        # Called with the roadshow's id when a stage through Janus ends: the app converts
        # its recording into the replay (`fair.replays`, set by web/app.py).
        self.on_ended: Callable[[int], None] | None = None
        # The audience count, sent at most once a second per stage (the first change at
        # once, the last one after): 500 viewers joining in a burst each sent the count
        # to everyone, 250,000 messages; now a few per second.
        self._counts: dict[int, int] = {}  # stage → newest count not yet sent
        self._due: dict[int, asyncio.TimerHandle] = {}
        self._sent_at: dict[int, float] = {}
        self._sending: set[asyncio.Task[None]] = set()
        # The order totals likewise: at most one query and one `orders` event a second
        # per stage from each process, however fast orders come.
        self._totals_due: dict[int, asyncio.TimerHandle] = {}
        self._totals_sent_at: dict[int, float] = {}
        # Event names with a colon: python-socketio looks up `on_<event>` by name.
        setattr(self, "on_order:confirm", self.on_order_confirm)
        setattr(self, "on_order:decline", self.on_order_decline)

    def _tell_audience(self, stage_id: int, count: int) -> None:
        self._counts[stage_id] = count
        if stage_id in self._due:
            return  # a send is due; it takes the newest count
        loop = asyncio.get_running_loop()
        wait = self._sent_at.get(stage_id, -AUDIENCE_EVERY) + AUDIENCE_EVERY - loop.time()
        if wait <= 0:
            self._send_audience(stage_id)
        else:
            self._due[stage_id] = loop.call_later(wait, self._send_audience, stage_id)

    def _send_audience(self, stage_id: int) -> None:
        self._due.pop(stage_id, None)
        count = self._counts.pop(stage_id, None)
        if count is None:
            return
        self._sent_at[stage_id] = asyncio.get_running_loop().time()
        task = asyncio.ensure_future(
            self.emit("audience", {"count": count}, room=stage_room(stage_id))
        )
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    @staticmethod
    def _stage(session: dict[str, Any]) -> st.LiveStage:
        stage: st.LiveStage | None = session.get("stage")
        if stage is None:
            raise Refused("not_joined", "join a roadshow first")
        return stage

    @staticmethod
    def _viewer(session: dict[str, Any]) -> int:
        pid: int | None = session.get("participant")
        if pid is None:
            raise Refused("observer", "observers cannot do this; it is for the participants")
        return pid

    # -- stage room -----------------------------------------------------------------

    async def on_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        """`{"roadshow": id}` → enter the roadshow's room (leaving any other)."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            raw = data.get("roadshow") if isinstance(data, dict) else None
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | str)
                or not rs.ID.fullmatch(str(raw))
            ):
                raise Refused("invalid", "roadshow: expected the roadshow's id")
            roadshow_id = int(raw)
            pid: int | None = session.get("participant")
            if session.get("stage") is not None:
                await self._leave(sid, session)
            moment = now()
            media = self.services.media
            capacity = media.capacity if media is not None else None
            same_server = self._same_server(roadshow_id)

            def enter(db: Session) -> dict[str, Any]:
                stage, role = st.stage_for(db, roadshow_id, pid, session.get("token_hash", ""))
                count = st.audience(db, stage.id)
                if pid is not None:
                    try:
                        count = st.enter(
                            db,
                            stage,
                            pid,
                            moment,
                            self.services.instance,
                            capacity=capacity,
                            same_server=same_server,
                        )
                    except Conflict as exc:
                        if "audience is full" in str(exc):
                            raise Refused("full", str(exc)) from None
                        raise
                show = rs.get_roadshow(db, stage.id)
                person = db.get(Participant, pid) if pid is not None else None
                return {
                    "seller": person is not None and person.company_id == stage.company_id,
                    "stage": stage,
                    "role": role,
                    "status": str(show.status),
                    "audience": count,
                    "questions": st.questions(db, stage.id),
                    "venues": st.venues(db, stage.id),
                    "products": [
                        {
                            "id": p.id,
                            "name": p.name,
                            "price_min": None if p.price_min is None else str(p.price_min),
                            "price_max": None if p.price_max is None else str(p.price_max),
                            "currency": p.currency,
                            "moq": p.moq,
                            "interests": p.interests,
                            **_price(p),
                        }
                        for p in pg.shown_products(db, show)
                    ],
                }

            state = await self._write(enter)
            stage: st.LiveStage = state["stage"]
            rates = self.services.rates

            def orders(db: Session) -> dict[str, Any]:
                # Read after the join's transaction, which holds the roadshow's row.
                fair = db.get(Fair, stage.fair_id)
                assert fair is not None
                # The exhibitor's people: every order; a viewer: their own; observers: none.
                mine: list[dict[str, Any]] = []
                if state["seller"]:
                    mine = od.stage_orders(db, stage.id, fair.currency, rates)
                elif pid is not None:
                    mine = od.stage_orders(db, stage.id, fair.currency, rates, pid)
                return {"orders": mine, "order_totals": od.stage_totals(db, stage.id, rates)}

            state.update(await self._read(orders))
            role: str = state["role"]
            session["stage"] = stage
            session["role"] = role
            if self._gone(sid):
                await self._leave(sid, session)
                raise Refused("gone", "the connection closed while joining")
            await self.enter_room(sid, stage_room(stage.id))
            session["seller"] = state["seller"]
            if state["seller"]:
                await self.enter_room(sid, stage_seller_room(stage.id))
            elif pid is not None:
                await self.enter_room(sid, stage_buyer_room(stage.id, pid))
            if role == "presenter":
                await self.enter_room(sid, stage_presenter_room(stage.id))
                if state["status"] == "live":
                    # A presenter back after a reload: viewers answer with `ready`.
                    await self.emit(
                        "live", {"presenter": sid}, room=stage_room(stage.id), skip_sid=sid
                    )
            else:
                await self.emit(
                    "viewer:joined",
                    {"sid": sid, "name": session.get("name"), "participant": pid},
                    room=stage_presenter_room(stage.id),
                )
            self._tell_audience(stage.id, state["audience"])
            if pid is not None:
                self.dashboard.changed(stage.fair_id)
            return {
                "ok": True,
                "roadshow": {
                    "id": stage.id,
                    "title": stage.title,
                    "company": stage.company,
                    "presenter": stage.presenter,
                    "start": stage.start.isoformat(),
                    "end": stage.end.isoformat(),
                    "status": state["status"],
                    "audience_limit": stage.audience_limit,
                },
                "you": {"sid": sid, "participant": pid, "role": role, "seller": state["seller"]},
                "server_time": now().isoformat(),
                "ice_servers": self.services.ice_servers_for(self._turn_user(session), stage.end),
                "media": "janus" if self.media is not None else "p2p",
                "audience": state["audience"],
                "questions": state["questions"],
                "venues": state["venues"],
                "products": state["products"],
                "orders": state["orders"],
                "order_totals": state["order_totals"],
            }

        return await self._guard(sid, "join", handle)

    def _same_server(self, roadshow_id: int) -> Callable[[int], bool] | None:
        """With several Janus instances, which stages share this one's instance (the
        capacity is each instance's); None with one (every stage shares it)."""
        media = self.media
        if media is None or len(media.instances) < 2:
            return None
        home = media.home(roadshow_id)
        return lambda other: media.home(other) == home

    @staticmethod
    def _turn_user(session: dict[str, Any]) -> str | None:
        """Who TURN credentials on a stage are minted for: the participant, or the
        organiser watching (observers receive the presenter's video too)."""
        if session.get("participant") is not None:
            return str(session["participant"])
        if session.get("organiser") is not None:
            return f"organiser-{session['organiser']}"
        return None

    async def _leave(self, sid: str, session: dict[str, Any]) -> None:
        stage: st.LiveStage | None = session.pop("stage", None)
        role = session.pop("role", "")
        if stage is None:
            return
        publisher = False
        if self.media is not None:
            link = self.media.links.get(sid)
            publisher = link is not None and link.publishing
            try:
                await self.media.leave(sid)
            except Exception:
                log.exception("stage %s: leaving the media server failed", stage.id)
        await self.leave_room(sid, stage_room(stage.id))
        await self.leave_room(sid, stage_seller_room(stage.id))
        if session.get("participant") is not None:
            await self.leave_room(sid, stage_buyer_room(stage.id, session["participant"]))
        if role == "presenter":
            await self.leave_room(sid, stage_presenter_room(stage.id))
        pid: int | None = session.get("participant")
        if pid is None:
            return
        instance = self.services.instance
        count = await self._write(lambda db: st.leave(db, stage, pid, instance))
        self._tell_audience(stage.id, count)
        if publisher:
            await self.emit("media:feeds", {"left": sid}, room=stage_room(stage.id))
        if role == "presenter":
            await self.emit("presenter:left", {"sid": sid}, room=stage_room(stage.id))
        else:
            await self.emit(
                "viewer:left", {"sid": sid, "participant": pid}, room=stage_presenter_room(stage.id)
            )
        self.dashboard.changed(stage.fair_id)

    async def on_leave(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            self._stage(session)
            await self._leave(sid, session)
            return {"ok": True}

        return await self._guard(sid, "leave", handle)

    async def _presenter(self, session: dict[str, Any]) -> st.LiveStage:
        stage = self._stage(session)
        if session.get("role") != "presenter":
            raise Refused("forbidden", "only the presenter starts, ends and sends video")
        return stage

    async def on_start(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Presenter only: the roadshow is live; viewers answer `live` with `ready`."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = await self._presenter(session)
            if self.media is not None:
                try:
                    await self.media.open_room(stage.id, stage.title)
                except (JanusError, OSError) as exc:
                    log.warning("stage %s: the media server refused the room: %s", stage.id, exc)
                    raise Refused("media", "the media server is unavailable; try again") from None
            status = await self._write(lambda db: st.set_live(db, stage, True))
            await self.emit("live", {"presenter": sid}, room=stage_room(stage.id), skip_sid=sid)
            self.dashboard.changed(stage.fair_id)
            return {"ok": True, "status": status}

        return await self._guard(sid, "start", handle)

    async def on_stop(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Presenter only: the roadshow has ended."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = await self._presenter(session)
            status = await self._write(lambda db: st.set_live(db, stage, False))
            if self.media is not None:
                # Janus drops everyone in the room; the links of this process go too.
                for other, link in list(self.media.links.items()):
                    if link.room == stage.id:
                        await self.media.leave(other)
                await self.media.close_room(stage.id)
                if self.on_ended is not None:
                    self.on_ended(stage.id)
            await self.emit("ended", {"presenter": sid}, room=stage_room(stage.id), skip_sid=sid)
            self.dashboard.changed(stage.fair_id)
            return {"ok": True, "status": status}

        return await self._guard(sid, "stop", handle)

    async def on_ready(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A viewer is ready for video: the presenter gets `viewer:joined` and offers."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            if self.media is not None:
                raise Refused("media", "this stage goes through the media server: watch")
            if session.get("role") == "presenter":
                raise Refused("forbidden", "the presenter sends the offers")
            await self.emit(
                "viewer:joined",
                {
                    "sid": sid,
                    "name": session.get("name"),
                    "participant": session.get("participant"),
                },
                room=stage_presenter_room(stage.id),
            )
            return {"ok": True}

        return await self._guard(sid, "ready", handle)

    async def on_signal(self, sid: str, data: Any = None) -> dict[str, Any]:
        """WebRTC signalling between the presenter and one viewer: the presenter may
        signal anyone in the stage room, a viewer only the presenter."""
        session = await self.get_session(sid)
        stage: st.LiveStage | None = session.get("stage")
        if stage is None:
            return await self._refuse(sid, "signal", "not_joined", "join a roadshow first")
        if self.media is not None:
            return await self._refuse(
                sid, "signal", "media", "this stage goes through the media server"
            )
        if not isinstance(data, dict) or not ("description" in data or "candidate" in data):
            return await self._refuse(
                sid, "signal", "invalid", "expected a description or a candidate"
            )
        target = data.get("to")
        if not isinstance(target, str) or target == sid:
            return await self._refuse(sid, "signal", "invalid", "to: the peer's id")
        presenter = session.get("role") == "presenter"
        allowed = stage_room(stage.id) if presenter else stage_presenter_room(stage.id)
        message: dict[str, Any] = {"from": sid, "to": target, "name": session.get("name")}
        for key in SIGNAL_KEYS:
            if key in data:
                message[key] = data[key]
        manager = self.server.manager
        if target in manager.rooms.get(NAMESPACE, {}).get(allowed, {}):
            await self.emit("signal", message, to=target)
        elif manager.is_connected(target, NAMESPACE):
            return await self._refuse(
                sid,
                "signal",
                "forbidden",
                "viewers signal only the presenter" if not presenter else "not on this stage",
            )
        else:
            # On another process: the room reaches it there; clients drop the rest.
            await self.emit("signal", message, room=allowed, skip_sid=sid)
        return {"ok": True}

    # -- media through Janus (realtime/stage_media.py) ---------------------------------

    def _media(self) -> StageMedia:
        if self.media is None:
            raise Refused("p2p", "this stage is peer-to-peer: no media server is configured")
        return self.media

    @staticmethod
    def _description(data: Any) -> dict[str, Any]:
        description = data.get("description") if isinstance(data, dict) else None
        if not isinstance(description, dict):
            raise Refused("invalid", "description: expected an SDP offer or answer")
        return description

    async def _media_call(self, stage: st.LiveStage, work: Any) -> Any:
        try:
            return await work
        except ValueError as exc:
            raise Refused("invalid", str(exc)) from None
        except (JanusError, OSError, TimeoutError) as exc:
            log.warning("stage %s: the media server refused: %s", stage.id, exc)
            raise Refused("media", "the media server refused; try again") from None

    async def _live(self, stage: st.LiveStage) -> None:
        show = await self._read(lambda db: rs.get_roadshow(db, stage.id))
        if str(show.status) != "live":
            raise Refused("not_live", "the roadshow is not live")

    async def on_publish(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Presenter only, live: `{"description": offer}` → `{"description": answer}`
        from Janus; the room gets `media:feeds` (viewers watch again)."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            media = self._media()
            stage = self._stage(session)
            role = session.get("role")
            if role not in {"presenter", "venue"}:
                raise Refused("forbidden", "only the host and invited venues publish")
            offer = self._description(data)
            await self._live(stage)
            pid = session.get("participant")
            display = {"name": session.get("name"), "role": role, "participant": pid}
            answer = await self._media_call(
                stage, media.publish(sid, stage.id, display, offer, stage.title)
            )
            await self.emit("media:feeds", {"from": sid}, room=stage_room(stage.id), skip_sid=sid)
            return {"ok": True, "description": answer}

        return await self._guard(sid, "publish", handle)

    async def on_watch(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A viewer (or the organiser) of a live stage → `{"description": offer,
        "feeds": [...]}` from Janus, or no description while nothing is published. Again
        after `media:feeds`: the subscription is replaced."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            media = self._media()
            stage = self._stage(session)
            if session.get("role") == "presenter":
                raise Refused("forbidden", "the presenter publishes")
            await self._live(stage)
            display = {"name": session.get("name"), "role": "viewer"}
            layout = {
                v["participant"]: v for v in await self._read(lambda db: st.venues(db, stage.id))
            }

            def shown(feed: dict[str, Any]) -> bool:
                # The host always; a venue while it is invited and on screen.
                if feed.get("role") == "presenter":
                    return feed.get("participant") == stage.presenter_id
                venue = layout.get(feed.get("participant"))
                return feed.get("role") == "venue" and venue is not None and venue["on_screen"]

            offer, feeds = await self._media_call(stage, media.watch(sid, stage.id, display, shown))
            return {
                "ok": True,
                "description": offer,
                "feeds": [
                    {
                        "id": f["id"],
                        "name": f["display"].get("name"),
                        "role": f["display"].get("role"),
                        "label": (layout.get(f["display"].get("participant")) or {}).get(
                            "label", ""
                        ),
                        "mids": f["mids"],
                    }
                    for f in feeds
                ],
            }

        return await self._guard(sid, "watch", handle)

    async def on_answer(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The viewer's `{"description": answer}` to the offer of `watch`."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            media = self._media()
            stage = self._stage(session)
            answer = self._description(data)
            await self._media_call(stage, media.answer(sid, answer))
            return {"ok": True}

        return await self._guard(sid, "answer", handle)

    async def _host(self, session: dict[str, Any]) -> st.LiveStage:
        stage = self._stage(session)
        if session.get("role") not in {"presenter", "observer"}:
            raise Refused("forbidden", "only the host or the organiser arranges the venues")
        return stage

    async def on_venue(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Host or organiser: `{"email", "label"}` invites that participant to present
        from a remote venue (at most six); the room gets `venues`."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = await self._host(session)
            if not isinstance(data, dict):
                raise Refused("invalid", "expected the e-mail and the venue's name")
            found = await self._write(
                lambda db: st.invite_venue(db, stage, data.get("email"), data.get("label"))
            )
            await self.emit("venues", {"venues": found}, room=stage_room(stage.id))
            return {"ok": True, "venues": found}

        return await self._guard(sid, "venue", handle)

    async def on_screen(self, sid: str, data: Any = None) -> dict[str, Any]:
        """Host or organiser: `{"participant": id, "on": bool}` brings a venue on or off
        screen; the room gets `venues` and `media:feeds` (viewers watch the new layout)."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = await self._host(session)
            if not isinstance(data, dict):
                raise Refused("invalid", "expected the venue and on or off")
            found = await self._write(
                lambda db: st.set_on_screen(db, stage, data.get("participant"), data.get("on"))
            )
            await self.emit("venues", {"venues": found}, room=stage_room(stage.id))
            await self.emit("media:feeds", {"layout": True}, room=stage_room(stage.id))
            return {"ok": True, "venues": found}

        return await self._guard(sid, "screen", handle)

    def _hung_up(self, sid: str) -> None:
        task = asyncio.ensure_future(self.emit("media:hangup", {}, to=sid))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    # -- questions, meetings, interest ----------------------------------------------

    async def on_question(self, sid: str, data: Any = None) -> dict[str, Any]:
        """`{"text": ...}` (1–500 characters) → stored, then `question` to the room."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            text = data.get("text") if isinstance(data, dict) else None
            if not isinstance(text, str):
                raise Refused("invalid", "text: expected the question")
            pid: int | None = session.get("participant")
            oid: int | None = session.get("organiser")
            line = await self._write(lambda db: st.add_question(db, stage, text, pid, oid))
            await self.emit("question", line, room=stage_room(stage.id))
            return {"ok": True, "line": line}

        return await self._guard(sid, "question", handle)

    async def on_meet(self, sid: str, data: Any = None) -> dict[str, Any]:
        """A viewer asks the presenter for a meeting (`{"priority": 1–5}`, default 3),
        through the portal's request rules."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            pid = self._viewer(session)
            priority = (
                data.get("priority", DEFAULT_PRIORITY)
                if isinstance(data, dict)
                else DEFAULT_PRIORITY
            )

            def send(db: Session) -> dict[str, Any]:
                me = db.get(Participant, pid)
                assert me is not None
                view = send_request(db, me, stage.presenter_key, priority)
                return {
                    "key": view.key,
                    "to": view.counterpart_name,
                    "company": view.counterpart_company,
                    "status": view.status,
                }

            try:
                sent = await self._write(send)
            except FieldError as exc:
                raise Refused("invalid", exc.detail) from None
            return {"ok": True, "request": sent}

        return await self._guard(sid, "meet", handle)

    async def on_interest(self, sid: str, data: Any = None) -> dict[str, Any]:
        """`{"product": id, "quantity"?: n, "note"?: "..."}` → purchase interest, acked
        after the commit; the presenter gets `interest` with the product's new count."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            pid = self._viewer(session)
            if not isinstance(data, dict):
                raise Refused("invalid", "expected the product and quantity")
            engine = self.services.engine
            view, created, counts = await self.services.run(
                lambda: st.record_interest_once(engine(), stage, pid, data)
            )
            if created:
                await self.emit(
                    "interest",
                    {"product": view["product"], "count": counts.get(view["product"], 0)},
                    room=stage_room(stage.id),
                )
                self.dashboard.changed(stage.fair_id)
            return {"ok": True, "interest": view, "duplicate": not created}

        return await self._guard(sid, "interest", handle)

    # -- orders ---------------------------------------------------------------------

    async def _order_allowed(self, pid: int) -> bool:
        """Orders and answers to orders per participant in a sliding minute, counted
        over every server process (the app's rate counter, in Redis where configured),
        as deals are: a flood is refused before it reaches the database."""
        count_event = self.services.count_event
        if count_event is None:
            return True
        count, _ = await count_event(f"stage-orders:p{pid}", 60)
        return count <= ORDERS_PER_MINUTE

    async def _tell_orders(self, stage: st.LiveStage, view: dict[str, Any], buyer: int) -> None:
        """An order was placed or answered: its buyer's and the exhibitor's connections
        get it, everyone on the stage the new totals, the dashboards fresh figures."""
        rates = self.services.rates
        engine = self.services.engine

        def totals() -> dict[str, Any]:
            with Session(engine()) as db:
                return od.stage_totals(db, stage.id, rates)

        await self.emit("order", view, room=stage_seller_room(stage.id))
        await self.emit("order", view, room=stage_buyer_room(stage.id, buyer))
        self._tell_order_totals(stage.id, totals)
        self.dashboard.changed(stage.fair_id)

    def _tell_order_totals(self, stage_id: int, totals: Callable[[], dict[str, Any]]) -> None:
        """Send the stage's order totals soon: the first change at once, later ones at
        most once a second (the query runs when the send is due, so it has them all)."""
        if stage_id in self._totals_due:
            return
        loop = asyncio.get_running_loop()
        wait = self._totals_sent_at.get(stage_id, -ORDER_TOTALS_EVERY) + ORDER_TOTALS_EVERY
        self._totals_due[stage_id] = loop.call_later(
            max(wait - loop.time(), 0), self._send_order_totals, stage_id, totals
        )

    def _send_order_totals(self, stage_id: int, totals: Callable[[], dict[str, Any]]) -> None:
        self._totals_due.pop(stage_id, None)
        self._totals_sent_at[stage_id] = asyncio.get_running_loop().time()

        async def send() -> None:
            try:
                figures = await self.services.run(totals)
                await self.emit("orders", figures, room=stage_room(stage_id))
            except Exception:
                log.exception("sending the order totals of stage %s failed", stage_id)

        task = asyncio.ensure_future(send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def on_order(self, sid: str, data: Any = None) -> dict[str, Any]:
        """`{"product": id, "quantity": n, "client_key": "...", "currency"?: "USD",
        "note"?: "..."}` → an order at the catalogue's price, acked after the commit with
        the stored order; a resend with the same `client_key` is acked `duplicate`."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            pid = self._viewer(session)
            if not await self._order_allowed(pid):
                raise Refused("slow_down", "too many orders in a minute; wait and try again")
            if not isinstance(data, dict):
                raise Refused("invalid", "expected the product, quantity and client_key")
            engine = self.services.engine
            rates = self.services.rates
            view, created = await self.services.run(
                lambda: od.place_order_once(engine(), stage.id, pid, data, rates)
            )
            if created:
                await self._tell_orders(stage, view, pid)
            return {"ok": True, "order": view, "duplicate": not created}

        return await self._guard(sid, "order", handle)

    async def on_orders(self, sid: str, data: Any = None) -> dict[str, Any]:
        """→ `{"ok", "totals"}`: the stage's order totals now (the page asks each minute,
        so "ordered in the last hour" also falls when no order comes)."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            rates = self.services.rates
            totals = await self._read(lambda db: od.stage_totals(db, stage.id, rates))
            return {"ok": True, "totals": totals}

        return await self._guard(sid, "orders", handle)

    async def on_order_confirm(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._decide(sid, "order:confirm", data, True)

    async def on_order_decline(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._decide(sid, "order:decline", data, False)

    async def _decide(self, sid: str, event: str, data: Any, confirm: bool) -> dict[str, Any]:
        """`{"order": id}` → the presenting company's people confirm or decline."""

        async def handle(session: dict[str, Any]) -> dict[str, Any]:
            stage = self._stage(session)
            pid = self._viewer(session)
            if not session.get("seller"):
                raise Refused(
                    "forbidden", "only the presenting company's people confirm or decline orders"
                )
            if not await self._order_allowed(pid):
                raise Refused("slow_down", "too many orders in a minute; wait and try again")
            raw = data.get("order") if isinstance(data, dict) else None
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | str)
                or not rs.ID.fullmatch(str(raw))
            ):
                raise Refused("invalid", "order: expected the order's id")
            order_id = int(raw)
            if not 1 <= order_id <= MAX_ID:
                raise Refused("not_found", "order: no such order on this roadshow")
            rates = self.services.rates

            def decide(db: Session) -> tuple[dict[str, Any], bool, int]:
                order, changed = od.decide_order(db, stage.id, pid, order_id, confirm)
                fair = db.get(Fair, order.fair_id)
                assert fair is not None
                return od.order_view(db, order, fair.currency, rates), changed, order.ordered_by_id

            view, changed, buyer = await self._write(decide)
            if changed:
                await self._tell_orders(stage, view, buyer)
            return {"ok": True, "order": view}

        return await self._guard(sid, event, handle)


def _price(product: pg.ShownProduct) -> dict[str, Any]:
    """The unit price an order of a shown product is charged (`fair.orders`), or None
    when the catalogue lists none (the product cannot be ordered then)."""
    try:
        price = od.catalogue_price(product.price_min, product.price_max, product.currency)
    except InvalidInput:
        return {"unit_price": None, "order_currency": None}
    return {"unit_price": str(price.unit_price), "order_currency": price.currency}
