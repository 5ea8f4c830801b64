"""`/dashboard` pushes a busy fair's totals at most once a second from a process: the
first change's at once, what came after in one push a second later (docs/realtime.md)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from realtime.dashboard import INTERVAL, DashboardNamespace
from realtime.services import RoomServices


async def test_a_burst_of_changes_is_queried_once_a_second() -> None:
    loop = asyncio.get_running_loop()

    async def run(fn: Any) -> Any:
        return fn()

    dashboard = DashboardNamespace(lambda environ: None, RoomServices(engine=lambda: None, run=run))  # type: ignore[arg-type,return-value]
    queried: list[float] = []
    sent: list[Any] = []

    async def totals(fair_id: int) -> dict[str, Any]:
        queried.append(loop.time())
        return {"fair": fair_id, "n": len(queried)}

    async def emit(event: str, data: Any, room: str) -> None:
        sent.append((event, data, room))

    dashboard.totals = totals  # type: ignore[method-assign]
    dashboard.emit = emit  # type: ignore[method-assign]
    start = loop.time()
    while loop.time() - start < 1.5:  # a change every 10 ms for 1.5 s
        dashboard.changed(7)
        await asyncio.sleep(0.01)
    await dashboard.flush()
    assert 2 <= len(queried) <= 3
    assert queried[0] - start < 0.5  # the first change's push comes at once
    gaps = [b - a for a, b in itertools.pairwise(queried)]
    assert all(gap >= INTERVAL - 0.01 for gap in gaps)
    assert queried[-1] >= loop.time() - 2 and len(sent) == len(queried)  # the last change is in
    assert sent[-1][2] == "dashboard:7"
