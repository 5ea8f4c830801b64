"""Typed application keys: everything the app factory puts on the application."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import socketio
from aiohttp import web
from sqlalchemy.engine import Engine

from fair.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
DB_EXECUTOR = web.AppKey("db_executor", ThreadPoolExecutor)
SOLVER_EXECUTOR = web.AppKey("solver_executor", ThreadPoolExecutor)
SIO = web.AppKey("sio", socketio.AsyncServer)

if TYPE_CHECKING:
    from web.solver import SolverJob

SOLVER_JOBS = web.AppKey("solver_jobs", dict[int, "SolverJob"])

# Built calendar feeds: (participant id, version id, reminder, base URL) → (expiry, file).
FEED_CACHE = web.AppKey("feed_cache", dict[tuple[int, int, int, str], tuple[float, Any]])

# Rendered personal pages, keyed by everything they depend on (see views.agenda).
PAGE_CACHE = web.AppKey("page_cache", dict[tuple[Any, ...], tuple[float, bytes]])

# The decoded session cookie of the current request ({} when signed out).
SESSION = web.RequestKey("session", dict)
