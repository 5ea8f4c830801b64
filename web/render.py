"""Rendering pages: the Jinja2 environment (templates, translations, filters, static file
addresses), and every page with the request, the session and its CSRF token."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from web import assets, i18n, zones
from web.keys import SESSION

TEMPLATES = Path(__file__).parent / "templates"


def setup_templates(app: web.Application) -> None:
    """Set up the app's Jinja2 environment (autoescaped) with the translations loaded."""
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
    env.filters["country"] = i18n.country
    env.filters["tag"] = i18n.tag
    env.filters["zone_name"] = zones.label
    env.globals["price"] = i18n.price
    env.globals["country_names"] = i18n.country_names
    # A static file's address carries a hash of its content.
    env.globals["static"] = assets.static().url
    env.globals["vendor"] = assets.vendor_url


def page(
    name: str, request: web.Request, context: Mapping[str, object], status: int = 200
) -> web.Response:
    session = request.get(SESSION, {})
    full = {"request": request, "session": session, "csrf": session.get("csrf", ""), **context}
    return aiohttp_jinja2.render_template(name, request, full, status=status)
