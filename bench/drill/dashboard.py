"""The organiser's view during the drill: a dashboard watched on each process, and the
recount from the database it must equal."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import sqlalchemy as sa


class Dashboard:
    """An organiser (signed in: `headers` carry the session cookie) watching the fair's
    totals on one process, re-watching after reconnects; keeps the newest pushed totals."""

    def __init__(self, url: str, fair_id: int, headers: dict[str, str]) -> None:
        from bench.deployed import signed_in_client

        self.url, self.fair_id = url, fair_id
        self.last: dict[str, Any] | None = None
        self.pushes = 0
        self._watching: asyncio.Future[Any] | None = None
        self.client = signed_in_client(headers, reconnection=True, reconnection_delay=0.3)
        self.client.on("connect", self._on_connect, namespace="/dashboard")
        self.client.on("totals", self._on_totals, namespace="/dashboard")

    async def _on_connect(self) -> None:
        self._watching = asyncio.ensure_future(self.watch())

    def _on_totals(self, data: dict[str, Any]) -> None:
        self.pushes += 1
        if self.last is None or data["as_of"] >= self.last["as_of"]:
            self.last = data

    async def start(self) -> None:
        await self.client.connect(
            self.url,
            namespaces=["/dashboard"],
            transports=["websocket"],
            wait_timeout=10,
        )

    async def watch(self) -> dict[str, Any] | None:
        try:
            ack = await self.client.call(
                "watch", {"fair": self.fair_id}, namespace="/dashboard", timeout=10
            )
        except Exception:
            return None
        if isinstance(ack, dict) and ack.get("ok"):
            self._on_totals(ack["totals"])
            totals: dict[str, Any] = ack["totals"]
            return totals
        return None


def recount(url: str, fair_id: int) -> dict[str, Any]:
    """The dashboard's deal figures recounted from the deal table (the drill records
    every deal in the fair's own currency, so no conversion is involved)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n, total, confirmed, confirmed_total = conn.exec_driver_sql(
                "SELECT COUNT(*), COALESCE(SUM(amount), 0), COUNT(confirmed_at), "
                "COALESCE(SUM(amount) FILTER (WHERE confirmed_at IS NOT NULL), 0) "
                "FROM deal WHERE fair_id = %s",
                (fair_id,),
            ).one()
    finally:
        engine.dispose()
    cent = Decimal("0.01")
    return {
        "deals": int(n),
        "confirmed": int(confirmed),
        "value": str(Decimal(total).quantize(cent)),
        "confirmed_value": str(Decimal(confirmed_total).quantize(cent)),
    }


def same_totals(totals: dict[str, Any] | None, count: dict[str, Any]) -> bool:
    """Whether the dashboard's `totals` show every figure of the recount `count`."""
    return totals is not None and all(totals.get(k) == v for k, v in count.items())
