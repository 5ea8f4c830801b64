"""The bare python-socketio relay the rooms benchmark measures beside `fair serve`, run
in a process of its own by `bench.servers.start_server`."""

from __future__ import annotations

from typing import Any


def serve(port: int, redis_url: str) -> None:
    """Run the bare relay until killed: join a room, emit to it."""
    import socketio
    from aiohttp import web

    app = web.Application()
    manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)

    @sio.on("join")  # type: ignore[untyped-decorator]
    async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, data["room"])
        return {"ok": True, "sid": sid}

    @sio.on("relay")  # type: ignore[untyped-decorator]
    async def relay(sid: str, data: dict[str, Any]) -> None:
        await sio.emit("relay", data, room=data["room"], skip_sid=sid)

    sio.attach(app)

    async def freeze(_app: web.Application) -> None:
        from realtime.server import tune_interpreter

        tune_interpreter()  # what `fair serve` does after start-up

    app.on_startup.append(freeze)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
