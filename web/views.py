"""Page and API handlers. Thin: they check who is asking, call `fair`, render."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import time
from collections import defaultdict
from datetime import UTC
from email.utils import format_datetime
from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import queries
from fair.accounts import authenticate
from fair.errors import Forbidden, ImportRejected, InvalidInput, NotFound
from fair.export import format_grid, grid_rows
from fair.ical import CalendarFile, participant_calendar, participant_calendar_file
from fair.loader import ImportSummary, import_files
from fair.models import Company, Fair, Participant, TokenKind, utcnow
from fair.planning import published_version, published_version_id
from fair.publishing import VersionDiff, diff_versions, get_version, publish
from fair.report import FORMATS, format_report, report_rows
from fair.tokens import (
    GRACE_DAYS,
    expires_at,
    hash_token,
    issue_token,
    participant_for_token,
    revoke_tokens,
)
from web import agendas, auth, calendar_routes, i18n, sessions
from web.db import read, write
from web.keys import (
    DB_EXECUTOR,
    ENGINE,
    FEED_CACHE,
    PAGE_CACHE,
    SESSION,
    SETTINGS,
    SOLVER_RUNS,
)
from web.middleware import CSRF_REFUSED, local_path, same_origin, wants_json
from web.render import page

log = logging.getLogger(__name__)
STARTED = time.time()
FEED_CACHE_SECONDS = 60.0


def _ttl(seconds: float) -> float:
    """A cache lifetime with jitter, so entries filled together do not all expire (and
    get rebuilt) in the same instant."""
    return seconds * (1.0 + random.random() * 0.5)


def _fair_or_404(session: Session) -> Fair:
    fair = queries.first_fair(session)
    if fair is None:
        raise NotFound("no fair has been imported yet")
    return fair


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
    response = web.HTTPFound("/")
    sessions.clear(response)
    raise response


async def magic_link(request: web.Request) -> web.StreamResponse:
    """A participant's personal link: signs them in and sends them to their agenda (the
    token leaves the address bar, so it is not kept in history or sent as a referrer)."""
    token = request.match_info["token"]
    person = await read(request.app, participant_for_token, token, TokenKind.MAGIC)
    response = web.HTTPFound(request.app.router["agenda"].url_for())
    sessions.store(
        response,
        request,
        request.app[SETTINGS].secret_key,
        sessions.new_session(p=person.id, t=hash_token(token)),
    )
    raise response


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts room-2 before room-10."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", text))


async def agenda(request: web.Request) -> web.StreamResponse:
    person, version = await auth.participant_with(
        request, lambda session, person: published_version_id(session, person.fair_id)
    )
    csrf = request.get(SESSION, {}).get("csrf", "")
    # Rendered once per participant, version and language (ahead of time for a new
    # version, see web/agendas.py); the session's CSRF token and the time go in on the way
    # out.
    key = agendas.page_key(person.id or 0, version or 0, i18n.current())
    cached_page = request.app[PAGE_CACHE].get(key)
    if cached_page is not None and cached_page[0] > time.monotonic():
        return agendas.fill_in(cached_page[1], csrf)
    if version is None:
        fair = await read(request.app, _fair_of, person.fair_id)
        items: tuple[queries.AgendaItem, ...] = ()
        company = await read(request.app, _company_label, person.company_id)
    else:
        book = await agendas.book(request.app, person.fair_id, version)
        fair = book.fair
        items = book.agendas.get(person.id or 0, ())
        held = book.companies.get(person.id or 0)
        if held is None:  # a participant imported after the book was built
            held = await read(request.app, _company_label, person.company_id)
        company = held
    label = queries.PersonLabel(name=person.name, timezone=person.timezone)
    body = agendas.render(request.app, person.id or 0, label, fair, company, items)
    agendas.keep(request.app, key, body)
    return agendas.fill_in(body, csrf)


def _fair_of(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _company_label(session: Session, company_id: int) -> queries.CompanyLabel:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"no company {company_id}")
    return queries.CompanyLabel(name=company.name, country=company.country)


async def agenda_ics(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    base = request.app[SETTINGS].base_url
    reminder = request.app[SETTINGS].calendar_reminder_minutes
    text = await read(request.app, participant_calendar, person.fair_id, person.key, base, reminder)
    return web.Response(
        body=text.encode("utf-8"),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="agenda.ics"'},
    )


async def organiser_home(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def load(session: Session) -> queries.Overview:
        fair = _fair_or_404(session)
        assert fair.id is not None
        return queries.overview(session, fair.id)

    overview = await read(request.app, load)
    job = request.app[SOLVER_RUNS].job(overview.fair.id or 0)
    return page(
        "organiser.html",
        request,
        {
            "overview": overview,
            "job": job.state() if job else None,
            "time_limit": request.app[SETTINGS].solver_time_limit,
        },
    )


async def publish_version(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    number = int(request.match_info["number"])

    def act(session: Session) -> tuple[int, VersionDiff]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        return fair.id, publish(session, fair.id, number)

    fair_id, diff = await write(request.app, act)
    calendar_routes.schedule_changed(request.app, fair_id, diff)
    agendas.published(request.app, fair_id)  # e-mails, in the background
    raise web.HTTPFound(request.app.router["organiser"].url_for())


async def report(request: web.Request) -> web.StreamResponse:
    """A report to take home (`fair.report`): every deal, or every company's meetings
    and deals, as CSV (default) or JSON, downloaded."""
    await auth.organiser(request)
    name = request.match_info["report"]
    fmt = request.query.get("format", "csv")
    if fmt not in FORMATS:
        raise InvalidInput(f"format: expected csv or json, not {fmt!r}")
    rates = request.app[SETTINGS].rates

    def load(session: Session) -> bytes:  # built and formatted off the event loop
        rows = report_rows(session, _fair_or_404(session).id or 0, name, rates)
        return format_report(name, rows, fmt)

    data = await read(request.app, load)
    return web.Response(
        body=data,
        content_type="text/csv" if fmt == "csv" else "application/json",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


async def grid(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    wanted_day = request.query.get("day", "1")
    pavilion_filter = request.query.get("pavilion", "")

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        version_arg = request.query.get("version")
        version = get_version(session, fair.id, int(version_arg) if version_arg else None)
        return {"fair": fair, "version": version, "rows": grid_rows(session, version)}

    data = await read(request.app, load)
    fmt = request.query.get("format")
    if fmt in {"csv", "json"}:
        text = format_grid(data["rows"], fmt)
        return web.Response(
            text=text,
            content_type="text/csv" if fmt == "csv" else "application/json",
            headers={"Content-Disposition": f'attachment; filename="grid.{fmt}"'},
        )
    country = request.query.get("country", "")
    view = "people" if request.query.get("view") == "people" else "places"
    rows = [
        r
        for r in data["rows"]
        if str(r["day"]) == wanted_day
        and (not pavilion_filter or r["pavilion"] == pavilion_filter)
        and (not country or country in (r["from_country"], r["to_country"]))
    ]
    times = sorted({r["start"][11:] for r in rows})
    cells: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    if view == "places":
        # Places first (by pavilion), then video rooms in number order.
        order = sorted(
            {
                (r["place_kind"] == "online", r["pavilion"], _natural(r["place"]), r["place"])
                for r in rows
            }
        )
        columns = [p[3] for p in order]
        for r in rows:
            cells[(r["start"][11:], r["place"])].append(r)
        people: list[dict[str, Any]] = []
    else:
        # One row per person: their meetings across the day's slots, and their load.
        columns = []
        by_person: dict[str, dict[str, Any]] = {}
        for r in rows:
            for side, other in (("from", "to"), ("to", "from")):
                if country and r[f"{side}_country"] != country:
                    continue
                person = by_person.setdefault(
                    r[side],
                    {
                        "key": r[side],
                        "name": r[f"{side}_name"],
                        "company": r[f"{side}_company"],
                        "country": r[f"{side}_country"],
                        "load": 0,
                    },
                )
                person["load"] += 1
                cells[(r["start"][11:], r[side])].append(
                    {**r, "other": r[f"{other}_company"], "other_country": r[f"{other}_country"]}
                )
        people = sorted(by_person.values(), key=lambda p: (-p["load"], p["company"], p["name"]))
    all_days = sorted({r["day"] for r in data["rows"]})
    pavilions = sorted({r["pavilion"] for r in data["rows"] if r["pavilion"]})
    countries = sorted(
        {r["from_country"] for r in data["rows"]} | {r["to_country"] for r in data["rows"]}
    )
    return page(
        "grid.html",
        request,
        {
            **data,
            "times": times,
            "columns": columns,
            "people": people[:400],
            "people_total": len(people),
            "cells": cells,
            "days": all_days,
            "day": wanted_day,
            "pavilions": pavilions,
            "pavilion": pavilion_filter,
            "countries": countries,
            "country": country,
            "view": view,
            "count": len(rows),
        },
    )


async def import_form(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    return page("import.html", request, {"summary": None, "problems": []})


async def import_upload(request: web.Request) -> web.StreamResponse:
    """Upload fair.toml and the CSV files; all or nothing, errors by file/row/column."""
    await auth.organiser(request)
    form = await request.post()
    files: dict[str, bytes] = {}
    for field in ("fair.toml", "participants.csv", "requests.csv", "products.csv"):
        upload = form.get(field)
        if isinstance(upload, web.FileField):
            data = upload.file.read()
            if data:
                files[field] = data
    try:
        summary = await write_import(request, files)
    except ImportRejected as exc:
        return page(
            "import.html",
            request,
            {"summary": None, "problems": exc.problems, "files": sorted(files)},
            status=400,
        )
    return page("import.html", request, {"summary": summary, "problems": []})


async def write_import(request: web.Request, files: dict[str, bytes]) -> ImportSummary:
    engine = request.app[ENGINE]
    return await asyncio.get_running_loop().run_in_executor(
        request.app[DB_EXECUTOR], import_files, engine, files
    )


async def participants(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    country = request.query.get("country", "")
    search = request.query.get("q", "").strip().lower()

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        return {"fair": fair, "rows": queries.participant_rows(session, fair.id)}

    data = await read(request.app, load)
    rows = [
        r
        for r in data["rows"]
        if (not country or r.country == country)
        and (
            not search
            or search in r.name.lower()
            or search in r.company.lower()
            or search == r.key.lower()
        )
    ]
    countries = sorted({r.country for r in data["rows"]})
    issued = request.query.get("issued", "")
    return page(
        "participants.html",
        request,
        {
            **data,
            "rows": rows[:500],
            "total": len(rows),
            "countries": countries,
            "country": country,
            "q": search,
            "issued": issued,
        },
    )


async def issue_link(request: web.Request) -> web.StreamResponse:
    """Issue (or re-issue) a participant's personal link; the old one stops working."""
    await auth.organiser(request)
    key = request.match_info["key"]

    def act(session: Session) -> tuple[str, str, Fair]:
        fair = _fair_or_404(session)
        person = queries.participant_by_key(session, fair.id or 0, key)
        return person.name, issue_token(session, person, TokenKind.MAGIC), fair

    name, token, fair = await write(request.app, act)
    link = f"{request.app[SETTINGS].base_url}/p/{token}"
    context = {
        "name": name,
        "link": link,
        "key": key,
        "expires": expires_at(fair, utcnow()),
        "timezone": fair.timezone,
        "grace_days": GRACE_DAYS,
    }
    return page("link.html", request, context)


async def revoke_link(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    key = request.match_info["key"]

    def act(session: Session) -> int:
        fair = _fair_or_404(session)
        person = queries.participant_by_key(session, fair.id or 0, key)
        return revoke_tokens(session, person, TokenKind.MAGIC)

    await write(request.app, act)
    raise web.HTTPFound(request.app.router["participants"].url_for().with_query(q=key))


async def run_solver(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    form = await request.post()
    settings = request.app[SETTINGS]
    try:
        limit = float(str(form.get("time_limit", settings.solver_time_limit)))
    except ValueError:
        raise InvalidInput("time_limit: seconds, e.g. 30") from None
    if not 1 <= limit <= 3600:
        raise InvalidInput("time_limit: between 1 and 3600 seconds")

    def fair_id(session: Session) -> int:
        fair = _fair_or_404(session)
        assert fair.id is not None
        return fair.id

    job = request.app[SOLVER_RUNS].start(await read(request.app, fair_id), limit)
    if wants_json(request):
        return web.json_response(job.state(), status=202)
    raise web.HTTPFound(request.app.router["organiser"].url_for())


async def stop_solver(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def fair_id(session: Session) -> int:
        return _fair_or_404(session).id or 0

    stopped = request.app[SOLVER_RUNS].stop(await read(request.app, fair_id))
    if wants_json(request):
        return web.json_response({"stopping": stopped})
    raise web.HTTPFound(request.app.router["organiser"].url_for())


async def solver_status(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)

    def fair_id(session: Session) -> int:
        return _fair_or_404(session).id or 0

    job = request.app[SOLVER_RUNS].job(await read(request.app, fair_id))
    return web.json_response(job.state() if job else {"running": False})


async def version_detail(request: web.Request) -> web.StreamResponse:
    """A schedule version: its figures per objective level, what was left out and why,
    and how it differs from the published version."""
    await auth.organiser(request)
    number = int(request.match_info["number"])

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        version = get_version(session, fair.id, number)
        published = published_version(session, fair.id)
        diff = None
        if published is not None and published.id != version.id:
            diff = diff_versions(session, published, version)
        labels = queries.request_labels(session, fair.id)
        return {
            "fair": fair,
            "version": version,
            "published": published,
            "diff": diff,
            "labels": labels,
        }

    data = await read(request.app, load)
    figures = data["version"].figures
    left = figures.get("unscheduled", {})
    reasons: dict[str, int] = defaultdict(int)
    for why in left.values():
        reasons[why.get("code", "")] += 1
    return page(
        "version.html",
        request,
        {
            **data,
            "figures": figures,
            "left": sorted(left.items())[:1000],
            "left_total": len(left),
            "reason_counts": sorted(reasons.items(), key=lambda kv: -kv[1]),
        },
    )


async def new_feed_link(request: web.Request) -> web.StreamResponse:
    """Make (or replace) the participant's calendar subscription link; shown once."""
    person = await auth.participant(request)

    def act(session: Session) -> str:
        fresh = session.get(Participant, person.id)
        assert fresh is not None
        return issue_token(session, fresh, TokenKind.FEED)

    token = await write(request.app, act)
    base = request.app[SETTINGS].base_url
    https = f"{base}/feed/{token}.ics"
    webcal = "webcal://" + https.split("://", 1)[1]
    return page("feed.html", request, {"https": https, "webcal": webcal})


async def feed(request: web.Request) -> web.StreamResponse:
    """The calendar subscription: conditional GET (ETag / Last-Modified → 304)."""
    token = request.match_info["token"]
    base = request.app[SETTINGS].base_url
    reminder = request.app[SETTINGS].calendar_reminder_minutes

    def identify(session: Session) -> tuple[Participant, int | None]:
        person = participant_for_token(session, token, TokenKind.FEED)
        version = published_version_id(session, person.fair_id)
        return person, version

    person, version_id = await read(request.app, identify)
    # Calendars are built from the published version, which does not change once
    # published; a short-lived cache per participant and version makes polling clients
    # (and 304s) cheap while re-imported names or notes still show within a minute.
    cache = request.app[FEED_CACHE]
    key = (person.id or 0, version_id or 0, reminder, base)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and hit[0] > now:
        calendar = hit[1]
    else:

        def build(session: Session) -> CalendarFile:
            return participant_calendar_file(session, person.fair_id, person.key, base, reminder)

        calendar = await read(request.app, build)
        if len(cache) > 20_000:
            cache.clear()
        cache[key] = (now + _ttl(FEED_CACHE_SECONDS), calendar)
    body = calendar.text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": 'inline; filename="agenda.ics"',
    }
    changed = calendar.last_modified
    if changed is not None:
        headers["Last-Modified"] = format_datetime(changed.astimezone(UTC), usegmt=True)
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    since = request.if_modified_since
    if (
        "If-None-Match" not in request.headers
        and since is not None
        and changed is not None
        and changed.replace(microsecond=0) <= since
    ):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="text/calendar", charset="utf-8", headers=headers)
