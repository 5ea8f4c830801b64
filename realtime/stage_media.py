"""The stage's media through Janus (`stage.janus_url` set): one VideoRoom per live
roadshow, created when the presenter goes live and destroyed when the roadshow ends.

The app decides who publishes and who watches; Janus enforces it:
- the room has a secret (to change or destroy it) and a pin (to join it), both derived
  from the app's secret key so every server process knows them, and an `allowed` list:
  joining as a participant needs a token on it, and the app adds one random token per
  connection it admits (removed when the connection leaves);
- `require_pvtid`: a subscription needs the private id of a participant in the room, so
  a viewer's subscription hangs on the participant the app made for them;
- the presenter publishes; a viewer (or the organiser) is a participant who publishes
  nothing and subscribes to the published feeds.
When a viewer leaves, is revoked (their socket is closed) or the roadshow ends, the app
removes the token, kicks the participant and detaches the subscription, which ends the
viewer's media at once.

Browsers never see the API, the secrets or the tokens: the app relays the SDP (offers
and answers carry their ICE candidates, so there is no trickle to relay).

Several Janus instances (`stage.janus_url`, comma-separated): each roadshow's room is
placed by rendezvous hashing of the roadshow id over the instances' URLs (`ranking`), so
every process computes the same place without asking, and removing an instance moves
only the rooms it carried. A room goes on the first instance of its ranking that this
process does not hold for down; an instance that refuses connections (or whose session's
long poll failed) is held for down `DOWN_SECONDS`, then tried again. Viewers look for
the room in the same order and watch where it has feeds.

With a recordings directory, the room records into `roadshow-<id>/` inside it and the
host's feed (not the venues') is recorded each time the host publishes, under a name of
its own (`fair.replays` converts the files into the replay after the end).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from fair import replays
from realtime.janus import Janus, JanusError, JanusHandle, JanusSession, MediaServer

log = logging.getLogger("fair.realtime.stage_media")
ROOM_EXISTS = 427
NO_SUCH_ROOM = 426
PUBLISHERS = 7  # the host and up to six venues
DOWN_SECONDS = 10.0  # an unreachable instance is skipped this long, then tried again
UNREACHABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


def _clock() -> float:
    return time.monotonic()


def ranking(urls: tuple[str, ...], roadshow_id: int) -> list[str]:
    """The instances in the order a roadshow's room is placed on them: rendezvous
    (highest random weight) hashing, each instance's weight a hash of its URL and the
    roadshow id. The same everywhere; removing an instance leaves every other room's
    first choice where it was."""

    def weight(url: str) -> bytes:
        return hashlib.sha256(f"{url}|{roadshow_id}".encode()).digest()

    return sorted(urls, key=weight, reverse=True)


@dataclass
class Instance:
    """One Janus instance as this process sees it: its client, the process's session
    and admin handle on it, and until when it is held for down."""

    url: str
    janus: Janus
    session: JanusSession | None = None
    admin: JanusHandle | None = None
    down_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def down(self) -> bool:
        return _clock() < self.down_until


@dataclass
class Link:
    """One stage connection's handles in Janus."""

    room: int
    token: str
    instance: Instance
    participant: JanusHandle | None = None  # joined as a participant (viewer or publisher)
    feed: int | None = None  # its id in the room
    private_id: int | None = None
    subscription: JanusHandle | None = None
    publishing: bool = False


def room_id(roadshow_id: int) -> int:
    return roadshow_id


class StageMedia:
    """Janus rooms of the stages, and the links of this process's connections."""

    def __init__(self, server: MediaServer) -> None:
        self.server = server
        self.instances = {
            url: Instance(url, Janus(url, server.api_secret, server.admin_key))
            for url in server.urls
        }
        self.links: dict[str, Link] = {}  # socket id → its link
        self.on_hangup: Any = None  # set by the namespace: called with (sid) when Janus drops one

    # -- secrets ---------------------------------------------------------------------

    def _derive(self, what: str, roadshow_id: int) -> str:
        key = self.server.secret.encode()
        return hmac.new(key, f"janus-{what}:{roadshow_id}".encode(), hashlib.sha256).hexdigest()

    def room_secret(self, roadshow_id: int) -> str:
        return self._derive("secret", roadshow_id)

    def room_pin(self, roadshow_id: int) -> str:
        return self._derive("pin", roadshow_id)

    # -- the process's Janus sessions ----------------------------------------------------

    async def _handles(self, instance: Instance) -> tuple[JanusSession, JanusHandle]:
        """The process's session and admin handle on `instance` (made when missing or
        when the session died); an instance that cannot be reached is held for down."""
        async with instance.lock:
            try:
                if instance.session is None or instance.session.closed:
                    instance.session = None
                    session = await instance.janus.session()
                    instance.admin = await session.attach()
                    instance.session = session
            except UNREACHABLE:
                self.mark_down(instance)
                raise
            assert instance.admin is not None
            return instance.session, instance.admin

    def mark_down(self, instance: Instance) -> None:
        if not instance.down:
            log.warning("janus %s: unreachable; its rooms go elsewhere", instance.url)
        instance.down_until = _clock() + DOWN_SECONDS

    def ranked(self, roadshow_id: int) -> list[Instance]:
        """The instances in the roadshow's order, those held for down left out; when
        all are held for down, all of them (there is nowhere else to go: each is tried
        again at once, so a lone Janus back after a restart is used without delay)."""
        order = [self.instances[url] for url in ranking(tuple(self.instances), roadshow_id)]
        return [i for i in order if not i.down] or order

    def home(self, roadshow_id: int) -> str:
        """The instance a new room of the roadshow goes on now: the first of its
        ranking not held for down."""
        return self.ranked(roadshow_id)[0].url

    async def close(self) -> None:
        for instance in self.instances.values():
            if instance.session is not None:
                await instance.session.destroy()
            await instance.janus.close()

    # -- rooms -----------------------------------------------------------------------

    async def open_room(self, roadshow_id: int, title: str) -> Instance:
        """Create the roadshow's room (it may exist already: a presenter back after a
        reload, or created by another process) on the first reachable instance of its
        ranking; that instance. JanusError(0) when none is reachable."""
        for instance in self.ranked(roadshow_id):
            try:
                await self._create(instance, roadshow_id, title)
            except UNREACHABLE:
                self.mark_down(instance)
                continue
            except JanusError as exc:
                if exc.code == 0 and (instance.session is None or instance.session.closed):
                    self.mark_down(instance)  # its session went away mid-request
                    continue
                raise
            return instance
        raise JanusError(0, "no media server is reachable")

    async def _create(self, instance: Instance, roadshow_id: int, title: str) -> None:
        _, admin = await self._handles(instance)
        try:
            await admin.request(
                {
                    "request": "create",
                    "room": room_id(roadshow_id),
                    "admin_key": self.server.admin_key,
                    "description": title[:100],
                    "secret": self.room_secret(roadshow_id),
                    "pin": self.room_pin(roadshow_id),
                    "allowed": [],
                    "require_pvtid": True,
                    "publishers": PUBLISHERS,
                    "notify_joining": False,
                    "is_private": True,
                    "bitrate": 1_500_000,
                    "fir_freq": 5,
                    # VP8 first: the replay is a WebM, which carries VP8, not H.264.
                    "videocodec": "vp8,h264",
                    **await self._recording(roadshow_id),
                }
            )
        except JanusError as exc:
            if exc.code != ROOM_EXISTS:
                raise

    async def _recording(self, roadshow_id: int) -> dict[str, str]:
        """The room's recording directory (made here; Janus writes into it), if any."""
        if not self.server.recordings:
            return {}
        folder = replays.roadshow_dir(self.server.recordings, roadshow_id)
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        except OSError as exc:  # Janus may still make it (another machine, another user)
            log.warning("stage %s: cannot make the recording folder: %s", roadshow_id, exc)
        return {"rec_dir": str(folder)}

    async def close_room(self, roadshow_id: int) -> None:
        """Destroy the room on every reachable instance (after a failover an old one may
        be left where the stage was before): Janus drops every participant and
        subscription in it."""
        for instance in self.ranked(roadshow_id):
            try:
                _, admin = await self._handles(instance)
                await admin.request(
                    {
                        "request": "destroy",
                        "room": room_id(roadshow_id),
                        "secret": self.room_secret(roadshow_id),
                    }
                )
            except UNREACHABLE:
                self.mark_down(instance)
            except JanusError as exc:
                if exc.code != NO_SUCH_ROOM:
                    raise

    async def _allow(self, instance: Instance, roadshow_id: int, token: str, add: bool) -> None:
        _, admin = await self._handles(instance)
        await admin.request(
            {
                "request": "allowed",
                "room": room_id(roadshow_id),
                "secret": self.room_secret(roadshow_id),
                "action": "add" if add else "remove",
                "allowed": [token],
            }
        )

    async def publishers(self, roadshow_id: int) -> list[dict[str, Any]]:
        """The feeds being published in the room: `{"id", "display"}` (display is the
        JSON the app gave: who and in which role)."""
        return (await self.find_room(roadshow_id))[1]

    async def find_room(self, roadshow_id: int) -> tuple[Instance | None, list[dict[str, Any]]]:
        """Where the roadshow's room is and its feeds: the first reachable instance of
        its ranking where the room has feeds, else the first where it exists (None, []
        when it exists nowhere)."""
        found: tuple[Instance | None, list[dict[str, Any]]] = (None, [])
        for instance in self.ranked(roadshow_id):
            try:
                _, admin = await self._handles(instance)
                data = await admin.request(
                    {"request": "listparticipants", "room": room_id(roadshow_id)}
                )
            except UNREACHABLE:
                self.mark_down(instance)
                continue
            except JanusError as exc:
                if exc.code == NO_SUCH_ROOM:
                    continue
                raise
            feeds = [
                {"id": p["id"], "display": _display(p.get("display"))}
                for p in data.get("participants", [])
                if p.get("publisher")
            ]
            if feeds:
                return instance, feeds
            if found[0] is None:
                found = (instance, [])
        return found

    # -- connections -------------------------------------------------------------------

    async def _join(
        self, sid: str, roadshow_id: int, display: dict[str, Any], instance: Instance
    ) -> Link:
        """Admit connection `sid` into the room on `instance` as a participant (a fresh
        token); `display` (who, in which role) is kept by Janus as JSON."""
        link = self.links.get(sid)
        if (
            link is not None
            and link.room == room_id(roadshow_id)
            and link.instance is instance
            and link.participant is not None
            and not link.participant.session.closed
        ):
            return link
        await self.leave(sid)
        session, _ = await self._handles(instance)
        token = secrets.token_urlsafe(24)
        await self._allow(instance, roadshow_id, token, True)
        link = Link(room=room_id(roadshow_id), token=token, instance=instance)
        self.links[sid] = link
        try:
            link.participant = await session.attach(lambda e: self._event(sid, e))
            data, _ = await link.participant.message(
                {
                    "request": "join",
                    "ptype": "publisher",
                    "room": link.room,
                    "pin": self.room_pin(roadshow_id),
                    "token": token,
                    "display": json.dumps(display, ensure_ascii=False),
                }
            )
        except BaseException:
            await self.leave(sid)
            raise
        link.feed = int(data["id"])
        link.private_id = int(data["private_id"])
        return link

    async def publish(
        self,
        sid: str,
        roadshow_id: int,
        display: dict[str, Any],
        offer: dict[str, Any],
        title: str = "",
    ) -> dict[str, Any]:
        """The presenter's (or a venue's) offer → Janus's answer. The room is made if
        it is not there (Janus restarted while the roadshow was live), on the first
        reachable instance of the roadshow's ranking."""
        instance = await self.open_room(roadshow_id, title)
        link = await self._join(sid, roadshow_id, display, instance)
        assert link.participant is not None
        publish: dict[str, Any] = {"request": "publish", "audio": True, "video": True}
        if self.server.recordings and display.get("role") == "presenter":
            publish["record"] = True
            publish["filename"] = replays.host_filename()
        _, jsep = await link.participant.message(publish, _jsep(offer))
        if jsep is None:
            raise JanusError(0, "the media server sent no answer")
        link.publishing = True
        return {"type": jsep["type"], "sdp": jsep["sdp"]}

    async def unpublish(self, sid: str) -> None:
        link = self.links.get(sid)
        if link is None or link.participant is None or not link.publishing:
            return
        link.publishing = False
        with contextlib.suppress(JanusError):
            await link.participant.message({"request": "unpublish"})

    async def watch(
        self,
        sid: str,
        roadshow_id: int,
        display: dict[str, Any],
        shown: Callable[[dict[str, Any]], bool] | None = None,
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Subscribe connection `sid` to the published feeds of the room that `shown`
        keeps (given a feed's display; all by default): Janus's offer (None when nothing
        is shown yet) and the feeds, each with the `mid` of its video. A new watch
        replaces the connection's subscription (the feeds or the layout changed)."""
        instance, published = await self.find_room(roadshow_id)
        if instance is None:
            await self.leave(sid)
            return None, []
        link = await self._join(sid, roadshow_id, display, instance)
        if link.subscription is not None:
            old, link.subscription = link.subscription, None
            await old.detach()
        feeds = [
            f for f in published if f["id"] != link.feed and (shown is None or shown(f["display"]))
        ]
        if not feeds:
            return None, []
        session, _ = await self._handles(instance)
        handle = await session.attach(lambda e: self._event(sid, e))
        link.subscription = handle
        data, jsep = await handle.message(
            {
                "request": "join",
                "ptype": "subscriber",
                "room": link.room,
                "pin": self.room_pin(roadshow_id),
                "private_id": link.private_id,
                "streams": [{"feed": f["id"]} for f in feeds],
            }
        )
        if jsep is None:
            raise JanusError(0, "the media server sent no offer")
        mids: dict[int, list[str]] = {}
        for stream in data.get("streams", []):
            if stream.get("feed_id") is not None and stream.get("mid") is not None:
                mids.setdefault(int(stream["feed_id"]), []).append(str(stream["mid"]))
        for f in feeds:
            f["mids"] = mids.get(f["id"], [])
        return {"type": jsep["type"], "sdp": jsep["sdp"]}, feeds

    async def answer(self, sid: str, answer: dict[str, Any]) -> None:
        """The viewer's answer to the subscription's offer: the media starts."""
        link = self.links.get(sid)
        if link is None or link.subscription is None:
            raise JanusError(0, "nothing to answer: watch first")
        await link.subscription.message({"request": "start"}, _jsep(answer))

    async def leave(self, sid: str) -> None:
        """Take connection `sid` out: its token removed, its participant kicked (which
        also ends what it published) and its handles detached."""
        link = self.links.pop(sid, None)
        if link is None:
            return
        roadshow_id = link.room
        instance = link.instance
        if not instance.down:
            with contextlib.suppress(Exception):
                await self._allow(instance, roadshow_id, link.token, False)
            if link.feed is not None:
                with contextlib.suppress(Exception):
                    _, admin = await self._handles(instance)
                    await admin.request(
                        {
                            "request": "kick",
                            "room": link.room,
                            "secret": self.room_secret(roadshow_id),
                            "id": link.feed,
                        }
                    )
        for handle in (link.subscription, link.participant):
            if handle is not None and not handle.session.closed:
                await handle.detach()
            elif handle is not None:
                handle.session._listeners.pop(handle.id, None)

    def _event(self, sid: str, event: dict[str, Any]) -> None:
        """Janus hung up a connection's media (the peer went away, the room was
        destroyed): tell the namespace."""
        if event.get("janus") == "hangup" and self.on_hangup is not None:
            self.on_hangup(sid)


def _jsep(description: dict[str, Any]) -> dict[str, Any]:
    kind, sdp = description.get("type"), description.get("sdp")
    if kind not in {"offer", "answer"} or not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise ValueError("description: expected an SDP offer or answer")
    return {"type": kind, "sdp": sdp}


def _display(raw: Any) -> dict[str, Any]:
    try:
        found = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        found = {}
    return found if isinstance(found, dict) else {}
