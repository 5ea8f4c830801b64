"""The front door: the start page, the health check, signing in and out, and the
participants' personal links."""

from __future__ import annotations

import logging
import resource
import time
from datetime import UTC, datetime

from aiohttp import web
from sqlmodel import Session

from fair import queries
from fair.accounts import authenticate, end_sessions
from fair.db import STATEMENTS
from fair.errors import Forbidden
from fair.models import TokenKind
from fair.tokens import hash_token, participant_for_token
from web import i18n, sessions
from web.db import read, write
from web.keys import SESSION, SESSIONS_ENDED, SETTINGS, SIO
from web.middleware import CSRF_REFUSED, local_path, same_origin
from web.render import page

log = logging.getLogger(__name__)
STARTED = time.time()


async def healthz(request: web.Request) -> web.Response:
    def ping(session: Session) -> bool:
        session.connection().exec_driver_sql("SELECT 1")
        return True

    try:
        await read(request.app, ping)
    except Exception as exc:  # the database is away: say so (the detail only to the log)
        log.warning("healthz: database unreachable: %s", str(exc)[:200])
        return web.json_response({"status": "error", "database": "unavailable"}, status=503)
    return web.json_response({"status": "ok", "uptime": round(time.time() - STARTED, 1)})


LOOPBACK = frozenset({"127.0.0.1", "::1"})


async def metrics(request: web.Request) -> web.Response:
    """This process's figures in Prometheus' text format, for a monitor on the same
    machine. Answered only to a direct loopback connection: a request through the reverse
    proxy carries `X-Forwarded-For` (docs/deploy.md) and gets 404, so the figures are not
    public."""
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if request.remote not in LOOPBACK or proxied:
        raise web.HTTPNotFound()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sockets = len(getattr(request.app[SIO].eio, "sockets", {}))
    figures = [
        (
            "process_cpu_seconds_total",
            "counter",
            "CPU time (user + system)",
            usage.ru_utime + usage.ru_stime,
        ),
        (
            "process_resident_memory_peak_bytes",
            "gauge",
            "Peak resident memory",
            usage.ru_maxrss * 1024,
        ),
        ("fair_db_statements_total", "counter", "SQL statements sent", STATEMENTS.value),
        ("fair_socket_connections", "gauge", "Open socket.io connections", sockets),
        ("fair_uptime_seconds", "gauge", "Seconds since start", round(time.time() - STARTED, 1)),
    ]
    lines = []
    for name, kind, what, value in figures:
        lines += [f"# HELP {name} {what}.", f"# TYPE {name} {kind}", f"{name} {value}"]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


async def index(request: web.Request) -> web.StreamResponse:
    session_data = request.get(SESSION, {})
    if "o" in session_data:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    if "p" in session_data:
        raise web.HTTPFound(request.app.router["agenda"].url_for())

    def load(session: Session) -> queries.Overview | None:
        fair = queries.first_fair(session)
        return queries.overview(session, fair.id) if fair and fair.id else None

    overview = await read(request.app, load)
    return page("index.html", request, {"overview": overview})


async def login_form(request: web.Request) -> web.StreamResponse:
    return page("login.html", request, {"next": request.query.get("next", ""), "error": ""})


def _safe_next(target: str) -> str:
    return local_path(target) or "/organiser"


def _same_site(request: web.Request) -> bool:
    """Whether a browser's POST comes from one of this site's pages: its `Origin` (or,
    failing that, its `Referer`) names this host. Clients that send neither (scripts, the
    CLI's tests) are not browsers posting cross-site, so they pass."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    return source is None or same_origin(request, source)


async def login(request: web.Request) -> web.StreamResponse:
    # Login CSRF: there is no session (and so no CSRF token) yet, so another site's form
    # could sign a visitor into the attacker's account; browsers name the page's origin.
    if not _same_site(request):
        raise web.HTTPForbidden(text=CSRF_REFUSED)
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    try:
        organiser = await read(request.app, authenticate, email, password)
    except Forbidden:
        context = {
            "next": form.get("next", ""),
            "error": "Wrong e-mail or password.",
            "email": email,
        }
        return page("login.html", request, context, status=403)
    response = web.HTTPFound(_safe_next(str(form.get("next", ""))))
    sessions.store(
        response, request, request.app[SETTINGS].secret_key, sessions.new_session(o=organiser.id)
    )
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """Sign out: ends every session of this person server-side (a copy of the cookie
    replayed later is refused) and clears this browser's cookie."""
    who = sessions.holder(request.get(SESSION) or {})
    if who:
        moment = datetime.now(UTC)
        await write(request.app, lambda db: end_sessions(db, who, moment))
        request.app[SESSIONS_ENDED]()  # and their open rooms, on every device
    response = web.HTTPFound("/")
    sessions.clear(response)
    raise response


async def magic_link(request: web.Request) -> web.StreamResponse:
    """A participant's personal link: signs them in and sends them to their agenda, or to
    `next` when that is a path on this site (the demo's link into a live room); the token
    leaves the address bar, so it is not kept in history or sent as a referrer.

    A browser already signed in as someone else (the organiser, another participant) is
    asked first, with a form that carries that session's CSRF token: a link followed
    from another site cannot replace a session unnoticed (login CSRF)."""
    token = request.match_info["token"]
    person = await read(request.app, participant_for_token, token, TokenKind.MAGIC)
    target = local_path(request.query.get("next", ""))
    current = request.get(SESSION) or {}
    someone_else = current.get("o") is not None or current.get("p") not in (None, person.id)
    if someone_else and request.method == "GET":
        context = {"person": person, "next": target or "", "organiser": current.get("o")}
        return page("switch_account.html", request, context)
    response = web.HTTPFound(target or request.app.router["agenda"].url_for())
    wanted = request.query.get("lang", "")
    if wanted in i18n.available():
        # The invitation's link carries the person's language: their pages speak it from
        # the first click (kept like any `?lang=` choice; the redirect would lose it).
        response.set_cookie("lang", wanted, max_age=365 * 24 * 3600, samesite="Lax", path="/")
    sessions.store(
        response,
        request,
        request.app[SETTINGS].secret_key,
        sessions.new_session(p=person.id, t=hash_token(token)),
    )
    raise response
