"""What one person does in one meeting of one slot of the drill: arrives, connects,
signals and chats while someone else is in the room, records the meeting's deal or
confirms the other side's, drops and reconnects when planned, and leaves; work still
unacknowledged is re-sent until the drill's deadline.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.drill.client import NAMESPACE, RoomClient, Stats


class Visit(RoomClient):
    """One person in one meeting for one slot: a connection of its own. The two sides of
    a meeting share `meetings[meeting id]` (the deal recorded and seen)."""

    def __init__(
        self,
        v: dict[str, Any],
        urls: list[str],
        start: float,
        end: float,
        deadline: float,
        size: dict[str, Any],
        stats: Stats,
        meetings: dict[int, dict[str, Any]],
        http: Any,
    ) -> None:
        self.start, self.end = start, end
        self.size = size
        self.shared = meetings.setdefault(
            v["meeting_id"], {"deal_id": None, "recorded": asyncio.Event(), "seen": set()}
        )
        self.confirmed: set[int] = set()
        super().__init__(v, urls[v["server"]], deadline, stats, http)

    def _new_client(self) -> Any:
        c = super()._new_client()
        c.on("deal", self._on_deal, namespace=NAMESPACE)
        return c

    async def _on_deal(self, data: dict[str, Any]) -> None:
        if self.v["confirms"] and isinstance(data, dict):
            self.shared["seen"].add(data.get("id"))
            self._maybe_confirm(data)

    def _maybe_confirm(self, deal: dict[str, Any]) -> None:
        deal_id = deal.get("id")
        if (
            isinstance(deal_id, int)
            and deal.get("recorded_by_id") != self.v["pid"]
            and deal.get("confirmed_at") is None
            and deal_id not in self.confirmed
        ):
            self.confirmed.add(deal_id)
            self._spawn(self._confirm(deal_id), f"deal:confirm {deal_id}")

    def _in_room(self, ack: dict[str, Any]) -> None:
        if self.v["confirms"]:
            for deal in ack.get("deals", []):  # recorded before this side was in the room
                self.shared["seen"].add(deal.get("id"))
                self._maybe_confirm(deal)

    async def _record(self) -> None:
        deal = self.v["deal"]
        self.stats.counts["deals_attempted"] += 1
        await self._until_joined()  # the room tells the fair's currency
        data = {
            "type": "purchase",
            "amount": deal["amount"],
            "currency": self.currency,
            "client_key": deal["key"],
            "note": "drill",
        }
        ack = await self._reliably("deal:record", data)
        if ack is None:
            self.stats.counts["unacked_deals"] += 1
            return
        self.stats.acked_deals[deal["key"]] = ack["deal"]["id"]
        self.shared["deal_id"] = ack["deal"]["id"]
        self.shared["recorded_at"] = time.time()
        self.shared["recorded"].set()

    async def _confirm(self, deal_id: int) -> None:
        self.stats.counts["confirms_attempted"] += 1
        ack = await self._reliably("deal:confirm", {"deal": deal_id})
        if ack is not None:
            self.stats.acked_confirms.append(deal_id)
        else:
            self.stats.counts["unacked_confirms"] += 1

    async def _check_confirmed(self) -> None:
        """The other side's deal reaches this side as a `deal` event in the room. When
        that event was lost (a restart in between) a real client sees the deal when it
        joins again; the drill counts the miss and confirms the deal by its id."""
        recorded = self.shared["recorded"]
        try:
            await asyncio.wait_for(recorded.wait(), max(0.0, self.deadline - time.time()))
        except TimeoutError:
            return
        await asyncio.sleep(max(2.0, self.end - time.time()))  # until the slot ends
        deal_id = self.shared["deal_id"]
        if deal_id not in self.shared["seen"] and deal_id not in self.confirmed:
            self.stats.counts["deal_events_missed"] += 1
            since = self.in_room_since
            if since is not None and since < self.shared["recorded_at"] - 1.0:
                # in the room on one connection since well before the deal was stored
                self.stats.counts["deal_events_missed_in_room"] += 1
            self._maybe_confirm({"id": deal_id, "recorded_by_id": None})

    async def _at(self, fraction: float) -> None:
        delay = self.start + fraction * (self.end - self.start) - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def run(self) -> None:
        """The visit, on the slot's timetable; returns when it has left."""
        await self._at(self.rng.uniform(0, self.size["arrival"]))  # not all at once
        self.stats.counts["clients"] += 1
        if not await self._connect():
            self.stats.error("could not connect before the drill's deadline")
            return
        actions = self._plan()
        if self.v["confirms"]:
            self._spawn(self._check_confirmed())
        seq = 0
        for at, what in sorted(actions):
            await self._at(at)
            if what == "reconnect":
                self.stats.counts["reconnects"] += 1
                self.leaving = True
                await self.client.disconnect()
                self.leaving = False
                await asyncio.sleep(0.2)
                await self._connect()  # the connect handler joins again
            elif what == "deal":
                self._spawn(self._record(), f"deal:record {self.v['deal']['key']}")
            elif not self.joined.is_set():
                continue  # not in the room right now: the page would not send either
            elif what == "signal":
                if self.peer is None:
                    continue  # alone in the room: nobody to negotiate media with
                seq += 1
                await self._signal(seq)
            elif what == "chat":
                self._spawn(self._call("chat", {"text": f"drill line {seq}"}))
        await self._at(1.0)
        await self._leave()

    def _plan(self) -> list[tuple[float, str]]:
        """(share of the slot, what) for everything this person does in the meeting."""
        actions: list[tuple[float, str]] = [
            (self.rng.uniform(0.12, 0.8), "signal") for _ in range(self.size["signals"])
        ]
        actions += [(self.rng.uniform(0.15, 0.8), "chat") for _ in range(self.size["chats"])]
        if self.v["deal"]:
            actions.append((self.v["deal"]["at"], "deal"))
        if self.v["reconnect"] is not None:
            actions.append((self.v["reconnect"], "reconnect"))
        return actions

    async def _signal(self, seq: int) -> None:
        """A WebRTC signalling message (offer first, then candidates), timestamped so the
        receiving side can measure how long it took."""
        body = {"ts": time.time(), "seq": seq, "sdpMid": "0", "pad": "x" * 120}
        key = "description" if seq == 1 else "candidate"
        self.stats.counts["signals_sent"] += 1
        self.stats.counts["events"] += 1
        message: dict[str, Any] = {key: body}
        if self.peer:
            message["to"] = self.peer
        await self.client.emit("signal", message, namespace=NAMESPACE)

    async def _leave(self) -> None:
        # Work still unacknowledged goes on (re-sent after reconnects) until the deadline.
        while self.tasks and time.time() < self.deadline:
            await asyncio.wait(set(self.tasks), timeout=self.deadline - time.time())
        unfinished = list(self.tasks)
        for task in unfinished:
            if task.get_name().startswith("deal:"):
                self.stats.unfinished(task)  # else a late re-join or check: nothing owed
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        self.leaving = True
        if self.client.connected and self.joined.is_set():
            await self._call("leave", {}, timeout=3)
        await self.client.disconnect()
