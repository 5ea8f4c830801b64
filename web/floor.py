"""The fair floor: the fair's pavilions, each pavilion, each company's booth, the
product catalogue with search, and the participant's "Suggested for you" page.

The floor and the catalogue are public (a trade fair shows its exhibitors and goods to
anyone, see docs/catalogue.md); the people of a company, the request forms and the
suggestions are for signed-in participants (the organiser sees people too). Requests go
through `fair.requests.send_request`, so the rules are the portal's.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import Session

from fair import catalogue, matchmaking, queries
from fair import requests as rq
from fair.models import Participant
from fair.rules import DEFAULT_PRIORITY, PRIORITIES
from web import auth, replays
from web.db import read, write
from web.keys import SESSION, SETTINGS
from web.render import page

PRODUCTS_SHOWN = 60  # on a booth page; the catalogue pages through the rest


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/fair", floor_home, name="floor_home")
    r.add_get("/fair/{fair:\\d+}", floor_page, name="floor")
    r.add_get("/fair/{fair:\\d+}/catalogue", catalogue_page, name="floor_catalogue")
    r.add_get("/fair/{fair:\\d+}/pavilions/{id:\\d+}", pavilion_page, name="floor_pavilion")
    r.add_get("/fair/{fair:\\d+}/companies/{id:\\d+}", booth_page, name="floor_booth")
    r.add_get("/me/suggestions", suggestions_page, name="floor_suggestions")
    r.add_post("/me/meet", meet, name="floor_meet")


async def _viewer(request: web.Request) -> Participant | None:
    """The signed-in participant, or None for the organiser and anonymous visitors."""
    if request.get(SESSION, {}).get("p") is None:
        return None
    try:
        return await auth.participant(request)
    except web.HTTPException:
        return None  # a revoked link: browse like a visitor


def _signed_in(request: web.Request) -> bool:
    session = request.get(SESSION, {})
    return session.get("p") is not None or session.get("o") is not None


async def floor_home(request: web.Request) -> web.StreamResponse:
    """/fair: the signed-in participant's fair, else the first one."""
    viewer = await _viewer(request)
    if viewer is not None:
        fair_id: int | None = viewer.fair_id
    else:
        fair = await read(request.app, queries.first_fair)
        fair_id = fair.id if fair else None
    if fair_id is None:
        raise web.HTTPFound(request.app.router["index"].url_for())
    raise web.HTTPFound(request.app.router["floor"].url_for(fair=str(fair_id)))


async def floor_page(request: web.Request) -> web.StreamResponse:
    fair_id = int(request.match_info["fair"])
    view = await read(request.app, catalogue.floor, fair_id)
    viewer = await _viewer(request)
    return page("floor_fair.html", request, {"view": view, "viewer": viewer})


async def pavilion_page(request: web.Request) -> web.StreamResponse:
    fair_id, pavilion_id = int(request.match_info["fair"]), int(request.match_info["id"])
    view = await read(request.app, catalogue.pavilion, fair_id, pavilion_id)
    return page("floor_pavilion.html", request, {"view": view})


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 10 else None


async def catalogue_page(request: web.Request) -> web.StreamResponse:
    fair_id = int(request.match_info["fair"])
    q = request.query
    filters = {
        "q": q.get("q", "").strip()[:100],
        "pavilion": q.get("pavilion", ""),
        "country": q.get("country", "").strip()[:8],
        "sector": q.get("sector", "").strip()[:60],
        "kind": q.get("kind", "") if q.get("kind", "") in ("product", "company") else "",
    }
    number = _int(q.get("page", "1")) or 1

    def load(session: Session) -> catalogue.CataloguePage:
        return catalogue.catalogue(
            session,
            fair_id,
            filters["q"],
            pavilion_id=_int(filters["pavilion"]),
            country=filters["country"],
            sector=filters["sector"],
            kind=filters["kind"],
            page=number,
        )

    view = await read(request.app, load)
    base = request.app.router["floor_catalogue"].url_for(fair=str(fair_id))
    kept = {k: v for k, v in filters.items() if v}

    def page_url(n: int) -> str:
        return str(base.with_query({**kept, "page": str(n)}))

    return page(
        "floor_catalogue.html",
        request,
        {"view": view, "filters": filters, "page_url": page_url},
    )


async def _booth(
    request: web.Request,
    fair_id: int,
    company_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    viewer = await _viewer(request)
    people = _signed_in(request)
    view = await read(
        request.app,
        lambda s: catalogue.booth(s, fair_id, company_id, with_people=people, viewer=viewer),
    )
    can_request = (
        viewer is not None
        and viewer.fair_id == fair_id
        and viewer.company_id != company_id
        and view.company.role in rq.BOOKABLE_ROLES
        and bool(view.people)
    )
    default_to = ""
    if can_request and viewer is not None:
        mine = set(viewer.languages)
        open_people = [p for p in view.people if not p.requested] or list(view.people)
        default_to = min(open_people, key=lambda p: (-len(mine & set(p.languages)), p.key)).key
    done = request.query.get("done", "")
    settings = request.app[SETTINGS]
    shows = {}
    if view.company.role == "exhibitor":
        shows = await read(
            request.app,
            lambda s: replays.cards(s, fair_id, viewer, settings.rates, company_id),
        )
    context: dict[str, Any] = {
        "view": view,
        "replays": shows,
        "janus": bool(settings.stage_janus_url),
        "member": (viewer is not None and viewer.fair_id == fair_id)
        or request.get(SESSION, {}).get("o") is not None,
        "fair_id": fair_id,
        "zone": viewer.timezone if viewer is not None else view.fair.timezone,
        "viewer": viewer,
        "can_request": can_request,
        "form": {"to": default_to, "priority": str(DEFAULT_PRIORITY), **(form or {})},
        "errors": errors or {},
        "priorities": PRIORITIES,
        "products": view.products[:PRODUCTS_SHOWN],
        "more_products": max(0, len(view.products) - PRODUCTS_SHOWN),
        "done": done if done == "sent" else "",
    }
    return page("floor_booth.html", request, context, status=status)


async def booth_page(request: web.Request) -> web.StreamResponse:
    return await _booth(request, int(request.match_info["fair"]), int(request.match_info["id"]))


async def _suggestions(
    request: web.Request,
    person: Participant,
    *,
    errors: dict[str, str] | None = None,
    error_key: str = "",
    already: str = "",
    status: int = 200,
) -> web.Response:
    """The suggestions page; `already` is the person a refused duplicate was meant for
    (the list was stale: their row says so instead of offering the button again)."""

    def load(session: Session) -> dict[str, Any]:
        return {
            "fair": catalogue.get_fair(session, person.fair_id),
            "suggestions": matchmaking.suggestions(session, person, limit=20),
        }

    data = await read(request.app, load)
    done = request.query.get("done", "")
    context = {
        **data,
        "person": person,
        "errors": errors or {},
        "error_key": error_key,
        "already": already,
        "done": done if done == "sent" else "",
    }
    return page("floor_suggestions.html", request, context, status=status)


async def suggestions_page(request: web.Request) -> web.StreamResponse:
    person = await auth.participant(request)
    return await _suggestions(request, person)


async def meet(request: web.Request) -> web.StreamResponse:
    """Send a request from a booth page or a suggestion; back to where it came from."""
    person = await auth.participant(request)
    form = await request.post()
    values = {n: str(form.get(n, "")).strip() for n in ("to", "priority", "back", "company")}
    company_id = _int(values["company"])
    from_booth = values["back"] == "booth" and company_id is not None
    try:
        await write(
            request.app,
            rq.send_request,
            person,
            values["to"],
            values["priority"] or str(DEFAULT_PRIORITY),
            "either",
            "1",
        )
    except rq.FieldError as exc:
        errors = {exc.field: exc.detail}
        already = isinstance(exc, rq.AlreadyRequested)
        if from_booth and company_id is not None:
            form_values = {
                "to": values["to"],
                "priority": values["priority"] or str(DEFAULT_PRIORITY),
            }
            return await _booth(
                request, person.fair_id, company_id, form=form_values, errors=errors, status=422
            )
        return await _suggestions(
            request,
            person,
            errors=errors,
            error_key=values["to"],
            already=values["to"] if already else "",
            status=422,
        )
    if from_booth:
        url = request.app.router["floor_booth"].url_for(
            fair=str(person.fair_id), id=str(company_id)
        )
        raise web.HTTPFound(f"{url.with_query(done='sent')}#meet")
    url = request.app.router["floor_suggestions"].url_for().with_query(done="sent")
    raise web.HTTPFound(str(url))
