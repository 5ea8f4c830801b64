"""The organiser's console: the overview, schedule versions (solver runs, detail,
publishing), the meeting grid, reports, the import, and participants' personal links."""

from __future__ import annotations

import asyncio
import multiprocessing
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from sqlmodel import Session

from fair import notify, queries
from fair.columns import CSV_FILES, IMPORT_TABLES
from fair.errors import ImportRejected, InvalidInput, NotFound, Problem
from fair.export import (
    TEMPLATE_LANGUAGES,
    TEMPLATE_WORKBOOK,
    format_grid,
    grid_rows,
    template_files,
    template_workbook,
)
from fair.grid_view import (
    GridLoad,
    grid_load,
    grid_marks,
    grid_places,
    grid_state,
    place_capacities,
)
from fair.importer import AUTO, normalise
from fair.loader import (
    ImportChanged,
    ImportSummary,
    confirm_upload,
    confirm_upload_at,
    preview_and_keep,
    preview_upload_at,
    upload_size,
)
from fair.models import Company, Fair, TokenKind, utcnow
from fair.planning import fair_slots
from fair.publishing import VersionDiff, diff_versions, publish
from fair.report import FORMATS, format_report, report_rows
from fair.timeline import fair_day, person_unavailable
from fair.tokens import GRACE_DAYS, expires_at, issue_token, revoke_tokens
from fair.versions import get_version, latest_version, published_version
from web import agenda_books, auth, calendar_routes, i18n, pictures, whatif
from web.api_input import query_number
from web.db import one_writer, read, write
from web.i18n import N_
from web.keys import DB_EXECUTOR, ENGINE, SESSIONS_ENDED, SETTINGS, SOLVER_RUNS
from web.middleware import wants_json
from web.render import page


def _fair_or_404(session: Session) -> Fair:
    fair = queries.first_fair(session)
    if fair is None:
        raise NotFound("no fair has been imported yet")
    return fair


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
    # The what-if levers take seconds on a large fair: only when asked (the panel's button).
    levers = await whatif.levers(request, number) if request.query.get("whatif") else None
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
            "whatif": levers,
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
    agenda_books.published(request.app, fair_id)  # e-mails, in the background
    raise web.HTTPFound(request.app.router["organiser"].url_for())


Cells = dict[tuple[str, str], list[dict[str, Any]]]  # (time, column) → meetings


async def grid(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    wanted_day = request.query.get("day", "1")
    pavilion_filter = request.query.get("pavilion", "")

    version_arg = query_number(request, "version")

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        version = get_version(session, fair.id, version_arg)
        data = {
            "fair": fair,
            "version": version,
            "rows": grid_rows(session, version),
            "capacities": place_capacities(session, fair.id),
        }
        newest = latest_version(session, fair.id)
        if request.query.get("format") is None and newest is not None and newest.id == version.id:
            data["editing"] = _editing(session, fair, version, wanted_day)
        return data

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
    editing = data.get("editing")
    times = sorted({r["start"][11:] for r in rows} | set(editing["starts"] if editing else ()))
    if view == "places":
        columns, cells = _by_place(rows)
        if editing:
            columns += _drop_places(editing["places"], columns, pavilion_filter)
        people: list[dict[str, Any]] = []
    else:
        columns, (people, cells) = [], _by_person(rows, country)
    heat = grid_load(
        rows,
        data.pop("capacities"),
        times,
        pavilion_filter,
        data["fair"].online_rooms,
    )
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
            "editing": editing,
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
            "load": heat,
            "heatmap": _heatmap(heat),
        },
    )


def _heatmap(load: GridLoad) -> str:
    """The heat map of the grid page, labelled in the viewer's language."""
    gettext = i18n.template_gettext

    def cell(row: str, time: str, n: int, capacity: int | None) -> str:
        if capacity is None:
            return gettext("%(place)s at %(time)s: %(n)s meetings", place=row, time=time, n=n)
        return gettext(
            "%(place)s at %(time)s: %(n)s of %(capacity)s meetings at once",
            place=row,
            time=time,
            n=n,
            capacity=capacity,
        )

    names = [gettext("Video rooms") if r.kind == "online" else r.key for r in load.rows]
    title = gettext("Load per place and slot")
    return pictures.heatmap_svg(load, pictures.HeatLabels(title, names, cell))


def _editing(session: Session, fair: Fair, version: Any, day: str) -> dict[str, Any]:
    """What the grid needs to edit the newest version by hand (web/static/grid.js): the
    day's slot starts (fair time → UTC), the booths and tables, each meeting's room and lock, where
    editing stands, and the requests left out (to add)."""
    assert fair.id is not None
    starts = {
        s.local_start.strftime("%H:%M"): s.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        for s in fair_slots(session, fair)
        if str(s.day + 1) == day
    }
    labels = queries.request_labels(session, fair.id)
    left = version.figures.get("unscheduled", {})
    return {
        "starts": starts,
        "places": grid_places(session, fair.id),
        "marks": grid_marks(session, version),
        "state": grid_state(session, fair.id),
        "left": sorted((key, labels.get(key, "")) for key in left)[:300],
    }


def _drop_places(places: list[tuple[str, str, str]], shown: list[str], pavilion: str) -> list[str]:
    """The empty places a meeting can be dropped on: every table (of the pavilion
    filtered on), its booths too when one is chosen (a whole expo's booths would not
    fit), and a column for any free video room."""
    extra = [
        key
        for pav, kind, key in places
        if key not in shown and (pav == pavilion or (not pavilion and kind == "table"))
    ]
    return [*extra, "online"]


def _by_place(rows: list[dict[str, Any]]) -> tuple[list[str], Cells]:
    """The grid by place: its columns and each (time, place)'s meetings."""
    # Places first (by pavilion), then video rooms in number order.
    order = sorted(
        {
            (r["place_kind"] == "online", r["pavilion"], _natural(r["place"]), r["place"])
            for r in rows
        }
    )
    cells: Cells = defaultdict(list)
    for r in rows:
        cells[(r["start"][11:], r["place"])].append(r)
    return [p[3] for p in order], cells


def _by_person(rows: list[dict[str, Any]], country: str) -> tuple[list[dict[str, Any]], Cells]:
    """The grid by person (of `country`, if given): one row per person, busiest first,
    with their meetings across the day's slots."""
    cells: Cells = defaultdict(list)
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
    return people, cells


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts room-2 before room-10."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", text))


async def report(request: web.Request) -> web.StreamResponse:
    """A report to take home (`fair.report`): every deal, or every company's meetings
    and deals, as CSV (default) or JSON, downloaded."""
    await auth.organiser(request)
    name = request.match_info["report"]
    fmt = request.query.get("format", "csv")
    if fmt not in FORMATS:
        raise InvalidInput(f"format: expected csv or json, not {fmt!r}")
    rates = request.app[SETTINGS].rates
    countries = i18n.country_names()  # the request's language, read before leaving it

    def load(session: Session) -> bytes:  # built and formatted off the event loop
        rows = report_rows(session, _fair_or_404(session).id or 0, name, rates)
        return format_report(name, rows, fmt, countries)

    data = await read(request.app, load)
    return web.Response(
        body=data,
        content_type="text/csv" if fmt == "csv" else "application/json",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


# ---------------------------------------------------------------------------- import

IMPORT_KINDS = {
    "fair": N_("fair"),
    "pavilions": N_("pavilions"),
    "booths": N_("booths"),
    "tables": N_("shared tables"),
    "companies": N_("companies"),
    "participants": N_("participants"),
    "requests": N_("requests"),
    "products": N_("products"),
    "terms": N_("product terms"),
    "locks": N_("locked meetings"),
}
ENCODING_LABELS = {
    AUTO: N_("Detect (UTF-8, UTF-16, GB18030, CP949, Shift_JIS)"),
    "utf-8": N_("UTF-8 (CSV UTF-8)"),
    "utf-16": N_("UTF-16 (Unicode text)"),
    "gb18030": N_("GB18030 / GBK (Chinese Excel)"),
    "cp949": N_("CP949 / EUC-KR (Korean Excel)"),
    "shift_jis": N_("Shift_JIS (Japanese Excel)"),
}
TEMPLATE_NAMES = (TEMPLATE_WORKBOOK, "fair.toml", *CSV_FILES)


def problem_text(problem: Problem) -> str:
    """A problem's message in the page's language (its template translated)."""
    if not problem.template:
        return problem.message
    return i18n.template_gettext(problem.template, **problem.params)


def _import_page(request: web.Request, status: int = 200, **context: Any) -> web.Response:
    values: dict[str, Any] = {
        "summary": None,
        "preview": None,
        "token": "",
        "problems": [],
        "notice": "",
        "encoding": AUTO,
        "encodings": ENCODING_LABELS,
        "kinds": IMPORT_KINDS,
        "csv_files": list(IMPORT_TABLES),
        "template_languages": TEMPLATE_LANGUAGES,
        "template_names": TEMPLATE_NAMES,
        "languages": i18n.LANGUAGES,
        "problem_text": problem_text,
    }
    values.update(context)
    return page("import.html", request, values, status=status)


async def import_form(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    return _import_page(request)


async def _uploaded(request: web.Request) -> tuple[dict[str, bytes], str]:
    """The files of the upload form (fair.toml, any CSV file kind, a workbook) and the
    encoding chosen for the CSV files."""
    form = await request.post()
    files: dict[str, bytes] = {}
    for field in ("fair.toml", *IMPORT_TABLES, "workbook"):
        upload = form.get(field)
        if not isinstance(upload, web.FileField):
            continue
        data = upload.file.read()
        if not data:
            continue
        if field == "workbook":
            name = PurePosixPath(upload.filename.replace("\\", "/")).name or "workbook.xlsx"
            field = name if name.lower().endswith(".xlsx") else name + ".xlsx"
        files[field] = data
    try:
        encoding = normalise(str(form.get("encoding", AUTO)))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return files, encoding


# An upload larger than this (bytes, as sent; its kept copy is compressed) is read in a
# worker process: reading tens of MB of files takes hundreds of MB, which a worker gives
# back when it ends and the server would keep (measured: a 26 MB upload's preview peaked
# at 587 MB in the process that ran it).
WORKER_BYTES = 4 * 1024 * 1024


async def _import_work(
    request: web.Request, size: int, in_thread: Any, in_worker: Any, *args: Any
) -> Any:
    """An import's work (its preview writes and rolls back): one writer at a time on
    SQLite, like the pages' writes, which then wait for it instead of failing; a large
    upload in a worker process (`in_worker(url, *args)`), a small one in a database
    thread (`in_thread(engine, *args)`)."""
    loop = asyncio.get_running_loop()
    url = request.app[SETTINGS].database_url
    in_memory = sa.engine.make_url(url).database in (None, "", ":memory:")
    shared = not (url.startswith("sqlite") and in_memory)  # a worker can open it too
    async with one_writer(request.app):
        if size > WORKER_BYTES and shared:
            spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, no threads
            pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
            try:
                return await loop.run_in_executor(pool, in_worker, url, *args)
            finally:
                pool.shutdown(wait=False)
        return await loop.run_in_executor(
            request.app[DB_EXECUTOR], in_thread, request.app[ENGINE], *args
        )


async def import_upload(request: web.Request) -> web.StreamResponse:
    """Check the uploaded files and show what importing them would do; nothing is
    written. Errors name file, row and column in the page's language."""
    await auth.organiser(request)
    files, encoding = await _uploaded(request)

    size = sum(len(raw) for raw in files.values())
    try:
        preview, token = await _import_work(
            request, size, preview_and_keep, preview_upload_at, files, encoding
        )
    except ImportRejected as exc:
        return _import_page(
            request, 400, problems=exc.problems, files=sorted(files), encoding=encoding
        )
    if wants_json(request):
        return web.json_response({"token": token, **_summary_json(preview)})
    return _import_page(request, preview=preview, token=token, encoding=encoding)


async def import_confirm(request: web.Request) -> web.StreamResponse:
    """Write the previewed files, only if that does exactly what the preview showed."""
    await auth.organiser(request)
    form = await request.post()
    token = str(form.get("token", ""))
    # the kept copy is compressed: about a quarter of the upload for CSV text
    size = 4 * await read(request.app, upload_size, token)
    try:
        summary = await _import_work(request, size, confirm_upload, confirm_upload_at, token)
    except ImportChanged as exc:
        return _import_page(
            request,
            409,
            preview=exc.preview,
            token=token,
            notice=i18n.template_gettext(ImportChanged.template),
        )
    except NotFound as exc:
        return _import_page(request, 410, notice=i18n.template_gettext(str(exc)))
    except ImportRejected as exc:
        return _import_page(request, 400, problems=exc.problems)
    # Written: renamed companies and re-attended requests change calendars (a preview
    # wrote nothing, so only here).
    calendar_routes.calendars_changed(request.app, summary.fair_id)
    if wants_json(request):
        return web.json_response(_summary_json(summary))
    return _import_page(request, summary=summary)


def _summary_json(summary: ImportSummary) -> dict[str, Any]:
    return {
        "written": summary.written,
        "fair": summary.fair_name,
        "digest": summary.digest,
        "sources": dict(summary.sources),
        "counts": {
            kind: {"new": new, "updated": updated, "unchanged": same}
            for kind, new, updated, same in summary.counts()
        },
    }


async def import_template(request: web.Request) -> web.StreamResponse:
    """A template file in a language: the workbook, fair.toml or one CSV file."""
    await auth.organiser(request)
    lang, name = request.match_info["lang"], request.match_info["name"]
    if lang not in TEMPLATE_LANGUAGES or name not in TEMPLATE_NAMES:
        raise NotFound("no such template")
    with i18n.using(lang):
        if name == TEMPLATE_WORKBOOK:
            body = template_workbook(lang, i18n.gettext_)
        else:
            body = template_files(lang, i18n.gettext_)[name]
    kind = {
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".toml": "application/toml",
        ".csv": "text/csv",
    }[PurePosixPath(name).suffix]
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    return web.Response(
        body=body,
        content_type=kind,
        headers={"Content-Disposition": f'attachment; filename="{stem}-{lang}{suffix}"'},
    )


async def participants(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    country = request.query.get("country", "")
    role = request.query.get("role", "")
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
        and (not role or r.role == role)
        and (
            not search
            or search in r.name.lower()
            or search in r.company.lower()
            or search == r.key.lower()
        )
    ]
    countries = sorted({r.country for r in data["rows"]})
    issued = request.query.get("issued", "")
    shown = rows[:500]
    outbox = notify.Outbox(request.app[SETTINGS].smtp_outbox)

    def mail_states() -> dict[str, str]:
        return {r.key: outbox.state(r.invitation).state for r in shown if r.invitation}

    states = await asyncio.get_running_loop().run_in_executor(None, mail_states)
    return page(
        "participants.html",
        request,
        {
            **data,
            "rows": shown,
            "total": len(rows),
            "countries": countries,
            "country": country,
            "role": role,
            "q": search,
            "issued": issued,
            "mail_states": states,
            "not_invited": sum(1 for r in data["rows"] if r.invited_at is None),
            "not_invited_shown": sum(1 for r in rows if r.invited_at is None),
        },
    )


async def participant(request: web.Request) -> web.StreamResponse:
    """One participant as the organiser sees them: their day in the published schedule,
    drawn in their time zone and the fair's, and their meetings."""
    await auth.organiser(request)
    key = request.match_info["key"]

    def load(session: Session) -> dict[str, Any]:
        fair = _fair_or_404(session)
        assert fair.id is not None
        person = queries.participant_by_key(session, fair.id, key)
        company = session.get(Company, person.company_id)
        frame, breaks = fair_day(session, fair)
        return {
            "fair": fair,
            "person": person,
            "company": company,
            "items": queries.agenda(session, person),
            "day": (person_unavailable(session, person, frame), breaks, frame),
        }

    data = await read(request.app, load)
    person, fair = data["person"], data["fair"]
    unavailable, breaks, frame = data["day"]
    zones = (person.timezone, fair.timezone)
    drawn = pictures.day_pictures(data["items"], unavailable, breaks, frame, zones)
    return page(
        "participant.html",
        request,
        {
            **data,
            "day_pictures": drawn,
            "day_titles": (i18n.template_gettext("Their time"), i18n.template_gettext("Fair time")),
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
    request.app[SESSIONS_ENDED]()  # the replaced link's open rooms close
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
        # A revoked person's calendar feed links go with their sign-in link: whoever
        # took the one may have made the other.
        feeds = revoke_tokens(session, person, TokenKind.FEED)
        return revoke_tokens(session, person, TokenKind.MAGIC) + feeds

    await write(request.app, act)
    request.app[SESSIONS_ENDED]()  # their open rooms close too
    raise web.HTTPFound(request.app.router["participants"].url_for().with_query(q=key))
