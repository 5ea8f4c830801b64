"""Running database work off the event loop.

SQLAlchemy sessions are synchronous; every handler hands its unit of work to a small
thread pool so a slow query never stalls other connections (and socket.io rooms).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from aiohttp import web
from sqlmodel import Session

from fair.db import session_scope
from web.keys import DB_EXECUTOR, ENGINE, SETTINGS, WRITE_GATE

T = TypeVar("T")
WRITER_WAIT = 180.0  # seconds a write waits for SQLite's writer (a big import's length)
P = ParamSpec("P")


class DatabaseTimeout(sa.exc.TimeoutError):
    """The request's database work did not finish (a read) or start (a write) within
    `database.request_seconds`: answered 503 like any unreachable database."""


async def _run(app: web.Application, work: Callable[[], T], reading: bool) -> T:
    """Run `work` in the database threads under the request's deadline. A read that
    has not finished by then is answered 503 (it finishes in the background, unseen).
    A write is answered 503 only when it has not started (nothing was done); once it
    runs it is waited for, bounded by the database's own timeouts (`fair.db`), so a
    503 never hides a write that was stored."""
    seconds = app[SETTINGS].database_request_seconds
    job = app[DB_EXECUTOR].submit(work)
    future = asyncio.wrap_future(job)
    try:
        return await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        if not job.cancel() and not reading:
            return await future
        future.add_done_callback(_quietly)
        raise DatabaseTimeout(
            f"the database did not answer within {seconds:g} s "
            + ("(a read)" if reading else "(a write that had not started)")
        ) from None


def _quietly(future: asyncio.Future[Any]) -> None:
    """Mark a result nobody waits for any more as seen (no "never retrieved" warning)."""
    if not future.cancelled():
        future.exception()


async def read(app: web.Application, fn: Callable[..., T], *args: object) -> T:
    """Run `fn(session, *args)` in a read session."""

    def work() -> T:
        with Session(app[ENGINE], expire_on_commit=False) as session:
            return fn(session, *args)

    return await _run(app, work, reading=True)


async def write(app: web.Application, fn: Callable[..., T], *args: object) -> T:
    """Run `fn(session, *args)` in a transaction that commits when it returns."""

    def work() -> T:
        with session_scope(app[ENGINE]) as session:
            return fn(session, *args)

    async with one_writer(app):
        return await _run(app, work, reading=False)


@contextlib.asynccontextmanager
async def one_writer(app: web.Application) -> AsyncIterator[None]:
    """On SQLite, one write at a time: SQLite has one write lock, and a write that finds
    it taken spins in a database thread for its busy timeout (10 s) and then fails, so a
    long import (90 s for 36 MB) made every save of a page meanwhile a 503. Here writes
    wait their turn without holding a thread, up to `WRITER_WAIT`. PostgreSQL writes
    run side by side (no gate)."""
    gate = app.get(WRITE_GATE)
    if gate is None:
        yield
        return
    try:
        await asyncio.wait_for(gate.acquire(), WRITER_WAIT)
    except TimeoutError:
        raise DatabaseTimeout(
            f"another write (an import) held the database for over {WRITER_WAIT:g} s"
        ) from None
    try:
        yield
    finally:
        gate.release()
