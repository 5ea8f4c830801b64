"""The application factory: the one place where settings, database, web and realtime
are wired together. `create_app(settings)` has no globals and reads no argv."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.typedefs import Middleware

from fair import busy
from fair.db import database_unavailable, open_database
from fair.rules import MAX_ID
from fair.settings import Settings
from realtime.server import create_server, run_background, tune_gc
from realtime.services import RoomServices
from web import agendas, i18n, middleware, ratelimit, sessions
from web.accesslog import AccessLogger, access_logger, redact
from web.keys import (
    DB_EXECUTOR,
    ENGINE,
    FEED_CACHE,
    PAGE_CACHE,
    SETTINGS,
    SIO,
    SOLVER_EXECUTOR,
    SOLVER_JOBS,
)
from web.routes import setup_routes

log = logging.getLogger("fair.web")
TEMPLATES = Path(__file__).parent / "templates"


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    engine = open_database(app[SETTINGS].database_url)
    app[ENGINE] = engine
    yield
    engine.dispose()


async def executor_ctx(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")
    app[DB_EXECUTOR] = executor
    yield
    executor.shutdown(wait=True, cancel_futures=True)


async def solver_ctx(app: web.Application) -> AsyncIterator[None]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solver")
    app[SOLVER_EXECUTOR] = executor
    app[SOLVER_JOBS] = {}
    yield
    for job in app[SOLVER_JOBS].values():
        job.stop.set()  # the solver returns its best schedule so far and stores it
        if job.task is not None:
            with contextlib.suppress(Exception):
                await job.task
    executor.shutdown(wait=True, cancel_futures=True)


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.ensure_future(run_background(app[SIO]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


DB_UNAVAILABLE = "The database is unavailable right now. Please try again in a minute."


@web.middleware
async def database_errors(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    """Inside `middleware.errors`: a database that cannot be reached is a 503 with
    Retry-After (page or JSON), logged as one line, not a 500 with a traceback."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            redact(request.path),  # personal links carry their token in the path
            type(exc).__name__,
        )
        page = middleware.error_response(request, 503, DB_UNAVAILABLE, title="Database unavailable")
        page.headers["Retry-After"] = "30"
        return page


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
        no_show_minutes=settings.rooms_no_show_minutes,
    )


def identify(secret: str) -> Callable[[Mapping[str, Any]], dict[str, Any] | None]:
    """Who a socket.io client is, from the session cookie of its handshake."""

    def who(environ: Mapping[str, Any]) -> dict[str, Any] | None:
        request = environ.get("aiohttp.request")
        if request is None:
            return None
        data = sessions.decode(secret, request.cookies.get(sessions.COOKIE, ""))
        if "o" in data:
            return {"organiser": data["o"]}
        if "p" in data:
            return {"participant": data["p"], "token_hash": data.get("t", "")}
        return None

    return who


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def body_limits(settings: Settings) -> Middleware:
    """Request bodies over their route's limit (docs/security.md) get 413 before they are
    read: at once when Content-Length says so, otherwise as soon as reading passes the
    limit (aiohttp's `client_max_size`, set for this request)."""
    api = settings.limits_api_body_kib * 1024
    form = settings.limits_form_kib * 1024
    upload = settings.limits_upload_mib * 1024 * 1024
    ics = busy.MAX_BYTES + 64 * 1024  # the .ics file and the form around it

    def cap(path: str) -> int | None:
        if path.startswith("/socket.io/"):
            return None  # engine.io enforces `limits.socket_kib` itself
        if path.startswith("/api/"):
            return api
        if path == "/organiser/import":
            return upload
        if path == "/me/busy":
            return ics
        return form

    @web.middleware
    async def limit(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        most = cap(request.path)
        if most is None or request.method in {"GET", "HEAD", "OPTIONS"}:
            return await handler(request)
        length = request.content_length
        if length is not None and length > most:
            raise web.HTTPRequestEntityTooLarge(
                max_size=most,
                actual_size=length,
                text=f"The request is {_size(length)}; the limit here is {_size(most)}.",
            )
        limited = request.clone(client_max_size=most)
        try:
            return await handler(limited)
        finally:
            _close_uploads(limited)

    return limit


@web.middleware
async def id_limits(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A number in a `{name:\\d+}` path part that no row can have names nothing: 404,
    before a database driver overflows on it (a 500 otherwise)."""
    info = request.match_info.route.resource.get_info() if request.match_info.route.resource else {}
    pattern = getattr(info.get("pattern"), "pattern", "")
    for name, value in request.match_info.items():
        if f"(?P<{name}>\\d+)" in pattern and len(value) > 9 and int(value) > MAX_ID:
            raise web.HTTPNotFound(text=f"no such {name}")
    return await handler(request)


def _close_uploads(request: web.BaseRequest) -> None:
    """aiohttp spools uploaded files to temporary files and leaves them open; close them
    when the request is done instead of waiting for the garbage collector."""
    form = getattr(request, "_post", None)  # set only if a handler read the form
    for value in form.values() if form is not None else ():
        if isinstance(value, web.FileField):
            value.file.close()


def create_app(settings: Settings) -> web.Application:
    """Build the web application for `settings` (a secret key is made if none is set)."""
    settings = settings.with_secret()
    counter = (
        ratelimit.RedisCounter(settings.redis_url)
        if settings.redis_url
        else ratelimit.MemoryCounter()
    )
    app = web.Application(
        middlewares=[
            middleware.security_headers,
            middleware.caching_and_compression,
            i18n.language,
            middleware.errors,
            database_errors,
            body_limits(settings),
            id_limits,
            ratelimit.middleware(counter),
            middleware.session,
            middleware.csrf,
        ],
        client_max_size=settings.limits_upload_mib * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app[FEED_CACHE] = {}
    app[PAGE_CACHE] = {}
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    i18n.load_catalogues()
    env.globals["_"] = i18n.template_gettext
    env.globals["lang"] = i18n.current
    env.globals["languages"] = i18n.LANGUAGES
    env.filters["local_time"] = i18n.local_time
    env.filters["local_date"] = i18n.local_date
    env.filters["amount"] = i18n.amount
    env.filters["day"] = i18n.day
    env.globals["price"] = i18n.price
    # A static file's address carries a hash of its content (computed once per file).
    env.globals["static"] = functools.cache(
        lambda path: str(app.router["static"].url_for(filename=path))
    )
    app.cleanup_ctx.append(executor_ctx)
    if isinstance(counter, ratelimit.RedisCounter):
        redis_counter = counter

        async def rate_ctx(_app: web.Application) -> AsyncIterator[None]:
            yield
            await redis_counter.close()

        app.cleanup_ctx.append(rate_ctx)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(agendas.books_ctx)
    app.cleanup_ctx.append(solver_ctx)
    sio = create_server(
        settings.redis_url,
        identify(settings.secret_key),
        room_services(app, settings, counter),
        max_message=settings.limits_socket_kib * 1024,
    )
    sio.attach(app)
    app[SIO] = sio
    app.cleanup_ctx.append(realtime_ctx)
    setup_routes(app)
    return app


def run(settings: Settings, print_urls: list[str] | None = None) -> None:
    """Serve until interrupted (graceful shutdown on SIGINT/SIGTERM)."""
    app = create_app(settings)

    async def announce(_app: web.Application) -> None:
        for line in print_urls or []:
            print(line, flush=True)

    async def freeze_gc(_app: web.Application) -> None:
        tune_gc()

    app.on_startup.append(announce)
    app.on_startup.append(freeze_gc)
    web.run_app(
        app,
        host=settings.server_host,
        port=settings.server_port,
        print=lambda _msg: log.info("serving on %s", settings.base_url),
        access_log_class=AccessLogger,
        access_log=access_logger(),
        shutdown_timeout=10,
    )
