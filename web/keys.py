"""Typed application keys: everything the app factory puts on the application."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from sqlalchemy.engine import Engine

from fair.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", Engine)
DB_EXECUTOR = web.AppKey("db_executor", ThreadPoolExecutor)

# The decoded session cookie of the current request ({} when signed out).
SESSION = web.RequestKey("session", dict)
