"""Running database work off the event loop.

SQLAlchemy sessions are synchronous; every handler hands its unit of work to a small
thread pool so a slow query never stalls other connections (and socket.io rooms).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from aiohttp import web
from sqlmodel import Session

from fair.db import session_scope
from web.keys import DB_EXECUTOR, ENGINE

T = TypeVar("T")
P = ParamSpec("P")


async def read(app: web.Application, fn: Callable[..., T], *args: object) -> T:
    """Run `fn(session, *args)` in a read session."""

    def work() -> T:
        with Session(app[ENGINE], expire_on_commit=False) as session:
            return fn(session, *args)

    return await asyncio.get_running_loop().run_in_executor(app[DB_EXECUTOR], work)


async def write(app: web.Application, fn: Callable[..., T], *args: object) -> T:
    """Run `fn(session, *args)` in a transaction that commits when it returns."""

    def work() -> T:
        with session_scope(app[ENGINE]) as session:
            return fn(session, *args)

    return await asyncio.get_running_loop().run_in_executor(app[DB_EXECUTOR], work)
