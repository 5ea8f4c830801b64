"""The rooms benchmark's deal burst (`--deals N`): N deals recorded at once by people on
alternating processes, a quarter of them sent a second time (a client retrying an
unanswered call); then every process's dashboard must show the final total, and the
database must hold each deal once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

SENDERS = 500  # people recording the burst's deals (each well under the per-minute limit)


async def deal_burst(
    urls: list[str], built: dict[str, Any], pairs: list[dict[str, Any]], count: int, db: str
) -> dict[str, Any]:
    """`count` deals (amounts 1..count) recorded at once; every fourth sent twice."""
    from bench.deployed import sign_in_organiser

    senders = [(urls[i % len(urls)], pair) for i, pair in enumerate(pairs[:SENDERS])]
    amounts = list(range(1, count + 1))
    expected = sum(amounts)
    fair_id = built["fair"]
    started = time.perf_counter()
    organiser = await sign_in_organiser(urls[0], *built["organiser"])
    boards, finals = await _watch_dashboards(urls, organiser, fair_id, f"{expected}.00")
    clients = await _join_meetings(senders)
    sent = []
    for n in amounts:
        c = clients[n % len(clients)]
        key = f"bench-{fair_id}-{n}"
        data = {"type": "purchase", "amount": str(n), "currency": "USD", "client_key": key}
        for _ in range(2 if n % 4 == 0 else 1):  # the resend must count once
            sent.append(c.call("deal:record", data, namespace="/meeting", timeout=120))
    t0 = time.perf_counter()
    acks = await asyncio.gather(*sent, return_exceptions=True)
    ack_s = time.perf_counter() - t0
    ok = [a for a in acks if isinstance(a, dict) and a.get("ok")]
    refused = [a for a in acks if not (isinstance(a, dict) and a.get("ok"))]
    new = sum(1 for a in ok if not a["duplicate"])
    try:
        await asyncio.wait_for(asyncio.gather(*(f.wait() for f in finals)), 30)
        seen = len(finals)
    except TimeoutError:
        seen = sum(f.is_set() for f in finals)
    for c in [*clients, *boards]:
        await c.disconnect()
    stored, stored_total = _stored(db, fair_id)
    return {
        "submitted": len(sent),
        "distinct": count,
        "resent": len(sent) - count,
        "senders": len(clients),
        "acknowledged": len(ok),
        "refused": [str(a)[:120] for a in refused[:3]],
        "counted_new": new,
        "stored": stored,
        "stored_total": stored_total,
        "expected_total": f"{expected}.00",
        "dashboards_at_total": f"{seen} of {len(finals)}",
        "each_once": len(ok) == len(sent)
        and new == count
        and stored == count
        and stored_total == f"{expected}.00"
        and seen == len(finals),
        "ack_seconds": round(ack_s, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
    }


async def _watch_dashboards(
    urls: list[str], organiser: dict[str, str], fair_id: int, final: str
) -> tuple[list[Any], list[asyncio.Event]]:
    """The organiser watching the fair's dashboard on every process; each event is set
    when that process pushes totals worth `final`."""
    import socketio

    from bench.deployed import signed_in_client

    boards = []
    finals: list[asyncio.Event] = []
    for url in urls:
        board = signed_in_client(organiser, reconnection=False)
        seen = asyncio.Event()
        finals.append(seen)

        def on_totals(data: dict[str, Any], seen: asyncio.Event = seen) -> None:
            if data["value"] == final:
                seen.set()

        board.on("totals", on_totals, namespace="/dashboard")
        refusals: list[Any] = []
        board.on("connect_error", refusals.append, namespace="/dashboard")
        try:
            await board.connect(url, namespaces=["/dashboard"], transports=["websocket"])
        except socketio.exceptions.ConnectionError as exc:
            raise RuntimeError(f"the dashboard on {url} refused the organiser: {refusals}") from exc
        await board.call("watch", {"fair": fair_id}, namespace="/dashboard")
        boards.append(board)
    return boards, finals


async def _join_meetings(senders: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Each pair's first side connected to its process and in its meeting room."""
    from bench.deployed import signed_in_client

    async def one(url: str, pair: dict[str, Any]) -> Any:
        c = signed_in_client(pair["a"]["headers"], reconnection=False)
        await c.connect(url, namespaces=["/meeting"], transports=["websocket"])
        ack = await c.call("join", {"meeting": pair["room"]}, namespace="/meeting", timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        return c

    clients = []
    for i in range(0, len(senders), 50):
        clients += await asyncio.gather(*(one(u, p) for u, p in senders[i : i + 50]))
    return clients


def _stored(db: str, fair_id: int) -> tuple[int, str]:
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
    return int(stored[0]), f"{stored[1]:.2f}"
