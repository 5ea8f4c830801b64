"""The application factory: the one place where settings, database, web and realtime
are wired together. `create_app(settings)` has no globals and reads no argv; each resource
(database engine, executors, rate counter, agenda books, solver runs, the socket.io
server's background work) is opened and closed by its own cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from fair.db import open_database
from fair.settings import Settings
from realtime.janus import MediaServer
from realtime.notices import NAMESPACE as NOTICES
from realtime.server import ConnectionCaps, Server, create_server, run_background, tune_interpreter
from realtime.services import RoomServices
from realtime.solver import SolverRuns
from web import (
    agenda_books,
    calendar_routes,
    middleware,
    ratelimit,
    replays,
    serving,
    sessions,
)
from web.accesslog import AccessLogger, access_logger
from web.keys import (
    ANNOUNCER,
    DB_EXECUTOR,
    ENGINE,
    FEED_CACHE,
    ORDERS_CHANGED,
    PAGE_CACHE,
    RATE_COUNTER,
    SESSIONS_ENDED,
    SETTINGS,
    SIO,
    SLOT_OFFERS,
    SOLVER_EXECUTOR,
    SOLVER_RUNS,
    WRITE_GATE,
)
from web.render import setup_templates
from web.routes import setup_routes

log = logging.getLogger("fair.web")


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    engine = open_database(app[SETTINGS].database_url)
    app[ENGINE] = engine
    if engine.dialect.name == "sqlite":
        app[WRITE_GATE] = asyncio.Lock()
    yield
    engine.dispose()


async def executor_ctx(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")
    app[DB_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def rate_counter_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[RATE_COUNTER].close()


async def solver_executor_ctx(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solver")
    app[SOLVER_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def solver_runs_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    # Before the executor and the database close: each run returns its best schedule so
    # far and stores it.
    await app[SOLVER_RUNS].close()


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.ensure_future(run_background(app[SIO]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def room_services(
    app: web.Application, settings: Settings, counter: ratelimit.Counter
) -> RoomServices:
    """What the live rooms need: the engine (open once started), the DB executor and
    the rate counter (shared with the HTTP limits)."""

    async def run(fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(app[DB_EXECUTOR], fn)

    return RoomServices(
        engine=lambda: app[ENGINE],
        run=run,
        rates=settings.rates,
        count_event=counter.hit,
        ice_servers=settings.ice_servers,
        turn=settings.turn,
        no_show_minutes=settings.rooms_no_show_minutes,
        media=MediaServer(
            settings.stage_janus_url,
            settings.janus_api_secret,
            settings.janus_admin_key,
            settings.stage_janus_capacity,
            settings.secret_key,
            settings.stage_recordings_dir,
        )
        if settings.stage_janus_url
        else None,
    )


def identify(secret: str) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    """Who a socket.io client is, from the session cookie of its handshake."""

    def who(environ: Mapping[str, Any]) -> dict[str, Any] | None:
        request = environ.get("aiohttp.request")
        if request is None:
            return None
        data = sessions.decode(secret, request.cookies.get(sessions.COOKIE, ""))
        issued = float(data.get("iat", 0))
        if "o" in data:
            return {"organiser": data["o"], "iat": issued}
        if "p" in data:
            return {"participant": data["p"], "token_hash": data.get("t", ""), "iat": issued}
        return None

    return who


def socket_address(environ: Mapping[str, Any]) -> str:
    """The client address of a socket.io handshake, as the rate limits see it (the
    trusted proxy's X-Forwarded-For, else the peer)."""
    request = environ.get("aiohttp.request")
    return ratelimit.client_address(request) if request is not None else "unknown"


def create_app(settings: Settings) -> web.Application:
    """Build the web application for `settings` (a secret key is made if none is set)."""
    settings = settings.with_secret()
    # Made here, not in its cleanup context: the rate limits' middleware holds it.
    counter: ratelimit.Counter = (
        ratelimit.RedisCounter(settings.redis_url)
        if settings.redis_url
        else ratelimit.MemoryCounter()
    )
    app = web.Application(
        middlewares=[
            middleware.security_headers,
            middleware.caching_and_compression,
            middleware.language,
            middleware.errors,
            middleware.database_errors,
            middleware.body_limits(settings),
            middleware.id_limits,
            middleware.no_nul,
            middleware.rate_limits(counter),
            middleware.session,
            middleware.csrf,
        ],
        client_max_size=settings.limits_upload_mib * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[RATE_COUNTER] = counter
    app[FEED_CACHE] = {}
    app[PAGE_CACHE] = {}
    setup_templates(app)
    app.cleanup_ctx.append(rate_counter_ctx)
    app.cleanup_ctx.append(database_ctx)
    # Torn down in reverse: the DB executor finishes its work (a cancelled request's or
    # sweep's query still runs in its thread) before the engine is disposed, so no
    # connection is handed back to a disposed pool and left open.
    app.cleanup_ctx.append(executor_ctx)
    app.cleanup_ctx.append(agenda_books.books_ctx)
    app.cleanup_ctx.append(solver_executor_ctx)
    sio = create_server(
        settings.redis_url,
        identify(settings.secret_key),
        room_services(app, settings, counter),
        max_message=settings.limits_socket_kib * 1024,
        caps=ConnectionCaps(
            settings.limits_sockets_per_person,
            settings.limits_sockets_per_address,
            identify(settings.secret_key),
            socket_address,
        ),
    )
    sio.attach(app)
    app[SIO] = sio

    async def close_media(app: web.Application) -> None:
        # This process's Janus session (and so its handles) ends with it.
        if sio.stage is not None and sio.stage.media is not None:
            await sio.stage.media.close()

    app.on_cleanup.append(close_media)
    if sio.stage is not None:
        stage = sio.stage
        stage.on_ended = lambda _roadshow: replays.poke(app)
        app[ORDERS_CHANGED] = stage.dashboard.changed
    else:
        app[ORDERS_CHANGED] = lambda _fair: None
    app.cleanup_ctx.append(replays.converter_ctx)
    app[ANNOUNCER] = notices = sio.namespace_handlers[NOTICES]
    app[SLOT_OFFERS] = notices.offers
    watch = sio.session_watch if isinstance(sio, Server) else None
    app[SESSIONS_ENDED] = watch.poke if watch is not None else lambda: None
    app[SOLVER_RUNS] = SolverRuns(
        sio, engine=lambda: app[ENGINE], executor=lambda: app[SOLVER_EXECUTOR], settings=settings
    )
    app.cleanup_ctx.append(solver_runs_ctx)
    app.cleanup_ctx.append(realtime_ctx)
    setup_routes(app)
    return app


def run(settings: Settings, print_urls: list[str] | None = None) -> None:
    """Serve until interrupted (graceful shutdown on SIGINT/SIGTERM)."""
    app = create_app(settings)

    async def announce(_app: web.Application) -> None:
        for line in print_urls or []:
            print(line, flush=True)

    async def tune(_app: web.Application) -> None:
        tune_interpreter()

    app.on_startup.append(announce)
    app.on_startup.append(tune)
    app.on_startup.append(calendar_routes.send_missed)
    serving.serve(
        app,
        settings.server_host,
        settings.server_port,
        max_connections=settings.server_max_connections,
        head_seconds=settings.server_head_seconds,
        started=lambda: log.info("serving on %s", settings.base_url),
        access_log_class=AccessLogger,
        access_log=access_logger(),
        shutdown_timeout=10,
        keepalive_timeout=75,
    )
