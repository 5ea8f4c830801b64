"""The two servers the rooms benchmark compares, each run in a process of its own by
`bench.servers.start_server`: this project's socket.io server ("fair") and a bare
python-socketio relay ("bare"). Clients identify with bench headers, not cookies."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def organiser_headers() -> dict[str, str]:
    """The headers by which a bench client is an organiser (for `/dashboard`)."""
    return {"x-bench-organiser": "1"}


def participant_headers(pid: int, token_hash: str) -> dict[str, str]:
    """The headers by which a bench client is participant `pid` with a live token."""
    return {"x-bench-participant": str(pid), "x-bench-token": token_hash}


def identify(environ: Mapping[str, Any]) -> dict[str, Any] | None:
    """Who a connection is, from the headers of `participant_headers` or
    `organiser_headers` (the bench server's stand-in for the session cookie)."""
    pid = environ.get("HTTP_X_BENCH_PARTICIPANT")
    if pid:
        return {"participant": int(pid), "token_hash": environ.get("HTTP_X_BENCH_TOKEN", "")}
    if environ.get("HTTP_X_BENCH_ORGANISER"):
        return {"organiser": _ORGANISER[0]}
    return None


BENCH_ORGANISER = "bench-organiser@bench.invalid"
_ORGANISER = [1]  # the organiser the bench's dashboard clients stand for (set by serve)


def _bench_organiser(engine: Any) -> int:
    """The organiser account the bench's dashboard clients stand for, made once: the
    product checks that a connecting organiser exists and has not signed out. Two
    servers starting together may race to make it; the loser reads the winner's."""
    import secrets

    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session, select

    from fair.accounts import create_organiser
    from fair.errors import Conflict
    from fair.models import Organiser

    for _ in range(3):
        with Session(engine) as session:
            found = session.exec(
                select(Organiser).where(Organiser.email == BENCH_ORGANISER)
            ).first()
            if found is None:
                try:
                    found = create_organiser(
                        session, BENCH_ORGANISER, secrets.token_urlsafe(24), "Bench"
                    )
                    session.commit()
                except (IntegrityError, Conflict):
                    session.rollback()
                    continue
            assert found.id is not None
            return found.id
    raise RuntimeError("could not make the bench's organiser account")


def serve(kind: str, port: int, db: str, redis_url: str) -> None:
    """Run one bench server until killed."""
    import socketio
    from aiohttp import web

    app = web.Application()
    if kind == "bare":
        manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
        sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)

        @sio.on("join")  # type: ignore[untyped-decorator]
        async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
            await sio.enter_room(sid, data["room"])
            return {"ok": True, "sid": sid}

        @sio.on("relay")  # type: ignore[untyped-decorator]
        async def relay(sid: str, data: dict[str, Any]) -> None:
            await sio.emit("relay", data, room=data["room"], skip_sid=sid)

    else:
        from fair.db import open_database
        from realtime.server import create_server
        from realtime.services import RoomServices

        engine = open_database(db)
        _ORGANISER[0] = _bench_organiser(engine)
        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")

        async def run(fn: Any) -> Any:
            return await asyncio.get_running_loop().run_in_executor(executor, fn)

        services = RoomServices(engine=lambda: engine, run=run, no_show_interval=3600)
        sio = create_server(redis_url, identify, services)
    sio.attach(app)

    async def freeze(_app: web.Application) -> None:
        from realtime.server import tune_gc

        tune_gc()  # both servers get what `fair serve` does

    app.on_startup.append(freeze)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
