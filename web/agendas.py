"""Every participant's agenda, built once per published version and kept in the process.

A fair's participants open their agendas in waves (the morning of each day, the minutes
before each slot), most of them for the first time. Read one by one, each agenda costs a
few queries; built for the whole version at once (`fair.queries.agenda_book`) the fair
costs about as much as a few dozen single agendas. So the server builds the book of the
published version when it starts, right after a publication, and on the first request for
a version it does not hold yet (one build, however many requests wait for it).

A published version never changes, but names and places can be edited by a re-import:
a book older than `REFRESH_SECONDS` is rebuilt in the background while the old one keeps
answering, so such edits show within about a minute without anyone waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlmodel import Session, col, select

from fair.models import ScheduleVersion, VersionStatus
from fair.planning import published_version_id
from fair.queries import AgendaBook, agenda_book
from web.db import read

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0


@dataclass
class Books:
    """The books this process holds: the newest built version per fair."""

    held: dict[int, tuple[float, AgendaBook]] = field(default_factory=dict)  # fair id →
    building: dict[tuple[int, int], asyncio.Future[AgendaBook]] = field(default_factory=dict)
    tasks: set[asyncio.Task[AgendaBook]] = field(default_factory=set)
    warming: set[asyncio.Task[None]] = field(default_factory=set)


BOOKS = web.AppKey("agenda_books", Books)


async def book(app: web.Application, fair_id: int, version_id: int) -> AgendaBook:
    """The agendas of `version_id`, from memory when held (a stale book answers while its
    replacement is built), else built now."""
    books = app[BOOKS]
    held = books.held.get(fair_id)
    if held is not None and held[1].version_id == version_id:
        built, found = held
        if time.monotonic() - built > REFRESH_SECONDS:
            _start_build(app, fair_id, version_id)
        return found
    return await _start_build(app, fair_id, version_id)


def _start_build(app: web.Application, fair_id: int, version_id: int) -> asyncio.Future[AgendaBook]:
    """One build per (fair, version) at a time; everyone asking meanwhile shares it."""
    books = app[BOOKS]
    key = (fair_id, version_id)
    running = books.building.get(key)
    if running is not None:
        return running

    async def build() -> AgendaBook:
        try:
            started = time.monotonic()
            made = await read(app, agenda_book, fair_id, version_id)
            held = books.held.get(fair_id)
            # A slower build of an older version never replaces a newer one.
            if held is None or held[1].version_id <= version_id:
                books.held[fair_id] = (started, made)
            return made
        finally:
            books.building.pop(key, None)

    task = asyncio.ensure_future(build())
    books.building[key] = task
    books.tasks.add(task)
    task.add_done_callback(books.tasks.discard)
    # A background refresh that fails is logged; the next request tries again.
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("building the agendas failed", exc_info=task.exception())


def published(app: web.Application, fair_id: int) -> None:
    """A version of `fair_id` was just published: build its book before its participants
    ask (in the background; the publisher does not wait)."""

    async def warm() -> None:
        version_id = await read(app, published_version_id, fair_id)
        if version_id is not None:
            await _start_build(app, fair_id, version_id)

    task = asyncio.ensure_future(warm())
    app[BOOKS].warming.add(task)
    task.add_done_callback(app[BOOKS].warming.discard)
    task.add_done_callback(_log_failure)


def _published(session: Session) -> list[tuple[int, int]]:
    rows = session.exec(
        select(ScheduleVersion.fair_id, ScheduleVersion.id)
        .where(ScheduleVersion.status == VersionStatus.PUBLISHED)
        .order_by(col(ScheduleVersion.fair_id), col(ScheduleVersion.number))
    ).all()
    newest = {fair_id: version_id for fair_id, version_id in rows}  # the last one wins
    return [(fair_id, version_id) for fair_id, version_id in newest.items() if version_id]


async def books_ctx(app: web.Application) -> AsyncIterator[None]:
    """Hold the books; build the published versions' books as the server starts."""
    app[BOOKS] = Books()

    async def warm_published() -> None:
        try:
            for fair_id, version_id in await read(app, _published):
                await _start_build(app, fair_id, version_id)
        except Exception:  # the pages build on demand instead
            log.exception("warming the agendas failed")

    warming = asyncio.ensure_future(warm_published())
    yield
    warming.cancel()
    for task in [warming, *app[BOOKS].warming, *app[BOOKS].tasks]:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
