"""The rooms benchmark's deal burst (`--deals N`): many deals at once across the
processes, each sent twice, then every process's dashboard must show the final total
and the database must hold each deal once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.rooms.server import organiser_headers, participant_headers


async def deal_burst(
    urls: list[str], pairs: list[dict[str, Any]], count: int, db: str
) -> dict[str, Any]:
    """`count` deals submitted at once by sides on alternating processes, each one
    resubmitted too; then every process's dashboard must show the final total."""
    users: list[tuple[str, dict[str, Any]]] = [
        (urls[i % len(urls)], pair) for i, pair in enumerate(pairs[:count])
    ]
    amounts = list(range(1, count + 1))
    expected = sum(amounts)
    fair_id = pairs[0]["fair"]
    started = time.perf_counter()
    boards, finals = await _watch_dashboards(urls, fair_id, f"{expected}.00")
    clients = await _join_meetings(users)
    sent = []
    for n in amounts:  # every deal twice: the resubmission must count once
        c = clients[n % len(clients)]
        key = f"bench-{fair_id}-{n}"
        data = {"type": "purchase", "amount": str(n), "currency": "USD", "client_key": key}
        sent.append(c.call("deal:record", data, namespace="/meeting", timeout=120))
        sent.append(c.call("deal:record", data, namespace="/meeting", timeout=120))
    t0 = time.perf_counter()
    acks = await asyncio.gather(*sent, return_exceptions=True)
    ack_s = time.perf_counter() - t0
    ok = [a for a in acks if isinstance(a, dict) and a.get("ok")]
    new = sum(1 for a in ok if not a["duplicate"])
    try:
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in finals)), 30)
        dashboards = "all saw the final total"
    except TimeoutError:
        dashboards = f"{sum(f.is_set() for f in finals)} of {len(finals)} saw the final total"
    for c in [*clients, *boards]:
        await c.disconnect()
    stored = _stored(db, fair_id)
    return {
        "submitted": len(sent),
        "distinct": count,
        "clients": len(clients),
        "acknowledged": len(ok),
        "counted_new": new,
        "stored": int(stored[0]),
        "stored_total": str(stored[1]),
        "expected_total": f"{expected}.00",
        "ack_seconds": round(ack_s, 2),
        "dashboards": dashboards,
        "total_seconds": round(time.perf_counter() - started, 2),
    }


async def _watch_dashboards(
    urls: list[str], fair_id: int, final: str
) -> tuple[list[Any], list[asyncio.Event]]:
    """An organiser watching the fair's dashboard on every process; each event is set
    when that process pushes totals worth `final`."""
    import socketio

    boards = []
    finals: list[asyncio.Event] = []
    for url in urls:
        board = socketio.AsyncClient(reconnection=False)
        seen = asyncio.Event()
        finals.append(seen)

        def on_totals(data: dict[str, Any], seen: asyncio.Event = seen) -> None:
            if data["value"] == final:
                seen.set()

        board.on("totals", on_totals, namespace="/dashboard")
        await board.connect(
            url,
            namespaces=["/dashboard"],
            transports=["websocket"],
            headers=organiser_headers(),
        )
        await board.call("watch", {"fair": fair_id}, namespace="/dashboard")
        boards.append(board)
    return boards, finals


async def _join_meetings(users: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Each pair's first side connected to its process and in its meeting room."""
    import socketio

    clients = []
    for url, pair in users:
        c = socketio.AsyncClient(reconnection=False)
        await c.connect(
            url,
            namespaces=["/meeting"],
            transports=["websocket"],
            headers=participant_headers(pair["a"]["pid"], pair["a"]["token"]),
        )
        await c.call("join", {"meeting": pair["room"]}, namespace="/meeting")
        clients.append(c)
    return clients


def _stored(db: str, fair_id: int) -> tuple[Any, ...]:
    """(count, sum of amounts) of the fair's deals in the database."""
    from fair.db import make_engine

    engine = make_engine(db)
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM deal WHERE fair_id = ?"
            if db.startswith("sqlite")
            else "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM deal WHERE fair_id = %s",
            (fair_id,),
        ).one()
    engine.dispose()
    return tuple(stored)
