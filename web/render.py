"""Rendering pages: every template gets the request, the session and its CSRF token."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp_jinja2
from aiohttp import web

from web.keys import SESSION


def page(
    name: str, request: web.Request, context: Mapping[str, object], status: int = 200
) -> web.Response:
    session = request.get(SESSION, {})
    full = {"request": request, "session": session, "csrf": session.get("csrf", ""), **context}
    return aiohttp_jinja2.render_template(name, request, full, status=status)
