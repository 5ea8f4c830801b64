"""Roadshow pages: the fair's programme, a roadshow's live stage, and scheduling
roadshows (an exhibitor's participants for their company at `/me/roadshows`, the
organiser for anyone at `/organiser/roadshows`).

Thin handlers over `fair.roadshows` and `fair.programme`. The programme is public like
the fair floor; the stage is for the fair's signed-in participants and the organiser,
and talks to the `/stage` socket.io namespace (docs/realtime.md). Forms post with the
session's CSRF token and redirect after success; a refused form comes back with the
error by its field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlmodel import Session, col, select

from fair import orders as od
from fair import programme as pg
from fair import queries
from fair import replays as rp
from fair import roadshows as rs
from fair.errors import NotFound
from fair.models import Company, Fair, Participant, Pavilion, Product, Replay, Role
from fair.requests import FieldError
from web import auth, replays
from web.db import read, write
from web.keys import SESSION, SETTINGS
from web.render import page

NOTICES = ("scheduled", "cancelled", "attending", "not_attending")
PRODUCTS_IN_FORM = 200


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/fair/{fair:\\d+}/programme", programme_page, name="roadshow_programme")
    r.add_get("/fair/{fair:\\d+}/roadshows/{id:\\d+}", stage_page, name="roadshow")
    r.add_post("/fair/{fair:\\d+}/roadshows/{id:\\d+}/attend", attend, name="roadshow_attend")
    r.add_get("/me/roadshows", mine_page, name="roadshow_mine")
    r.add_post("/me/roadshows", mine_schedule, name="roadshow_mine_post")
    r.add_post("/me/roadshows/{id:\\d+}/cancel", mine_cancel, name="roadshow_mine_cancel")
    r.add_get("/organiser/roadshows", organiser_page, name="roadshow_organiser")
    r.add_post("/organiser/roadshows", organiser_schedule, name="roadshow_organiser_post")
    r.add_post(
        "/organiser/roadshows/{id:\\d+}/cancel", organiser_cancel, name="roadshow_organiser_cancel"
    )


async def _viewer(request: web.Request) -> Participant | None:
    if request.get(SESSION, {}).get("p") is None:
        return None
    try:
        return await auth.participant(request)
    except web.HTTPException:
        return None


def _int(text: str) -> int | None:
    return int(text) if rs.ID.fullmatch(text) else None


# ---------------------------------------------------------------------------- programme


async def programme_page(request: web.Request) -> web.StreamResponse:
    """The fair's roadshows by day and stage, in the viewer's time zone (the fair's for
    visitors and the organiser); `?pavilion=` or `?company=` narrows it."""
    fair_id = int(request.match_info["fair"])
    pavilion_id = _int(request.query.get("pavilion", ""))
    company_id = _int(request.query.get("company", ""))
    viewer = await _viewer(request)

    def load(session: Session) -> dict[str, Any]:
        view = pg.programme(session, fair_id, pavilion_id, company_id)
        pavilion = session.get(Pavilion, pavilion_id) if pavilion_id is not None else None
        company = session.get(Company, company_id) if company_id is not None else None
        return {
            "view": view,
            "pavilion": pavilion if pavilion and pavilion.fair_id == fair_id else None,
            "company": company if company and company.fair_id == fair_id else None,
        }

    data = await read(request.app, load)
    fair: Fair = data["view"].fair
    zone = viewer.timezone if viewer is not None and viewer.fair_id == fair_id else fair.timezone
    settings = request.app[SETTINGS]
    member = viewer is not None and viewer.fair_id == fair_id
    shows = await read(
        request.app,
        lambda s: replays.cards(s, fair_id, viewer if member else None, settings.rates, company_id),
    )
    done = request.query.get("done", "")
    return page(
        "roadshow_programme.html",
        request,
        {
            **data,
            "replays": shows,
            "janus": bool(settings.stage_janus_url),
            "member": member or request.get(SESSION, {}).get("o") is not None,
            "fair_id": fair_id,
            "done": done if done == "replay_deleted" else "",
            "viewer": viewer,
            "zone": zone,
            "can_schedule": viewer is not None and viewer.fair_id == fair_id,
            # People's names are for signed-in visitors only, as on the booth pages.
            "signed_in": viewer is not None or request.get(SESSION, {}).get("o") is not None,
        },
    )


# ---------------------------------------------------------------------------- stage


async def stage_page(request: web.Request) -> web.StreamResponse:
    """A roadshow's live stage: participants of its fair and the organiser."""
    fair_id, roadshow_id = int(request.match_info["fair"]), int(request.match_info["id"])
    session = request.get(SESSION, {})
    viewer: Participant | None = None
    if session.get("o") is not None:
        await auth.organiser(request)
    else:
        viewer = await auth.participant(request)
        if viewer.fair_id != fair_id:
            raise NotFound("no such roadshow")

    rates = request.app[SETTINGS].rates

    def load(db: Session) -> tuple[pg.RoadshowPage, dict[str, Any], Replay | None]:
        view = pg.roadshow_page(db, fair_id, roadshow_id, viewer)
        replay = rp.replays_of(db, [roadshow_id]).get(roadshow_id)
        return view, od.stage_totals(db, roadshow_id, rates), replay

    view, orders, replay = await read(request.app, load)
    zone = viewer.timezone if viewer is not None else view.fair.timezone
    done = request.query.get("done", "")
    return page(
        "roadshow_stage.html",
        request,
        {
            "view": view,
            "viewer": viewer,
            "zone": zone,
            "done": done if done in NOTICES else "",
            "ended": view.item.status in ("ended", "cancelled"),
            # Through the media server, or the presenter's own connections (small cap).
            "janus": bool(request.app[SETTINGS].stage_janus_url),
            "orders": orders,
            "prices": od.catalogue_prices(view.products),
            "seller": view.presenter or view.own_company,
            "replay": replay,
        },
    )


async def attend(request: web.Request) -> web.StreamResponse:
    """Register to attend (`attend=1`) or withdraw (`attend=0`): the roadshow goes into
    (or out of) the participant's calendar."""
    fair_id, roadshow_id = int(request.match_info["fair"]), int(request.match_info["id"])
    person = await auth.participant(request)
    form = await request.post()
    wanted = str(form.get("attend", "1")) == "1"
    await write(request.app, pg.set_attending, fair_id, roadshow_id, person, wanted)
    url = request.app.router["roadshow"].url_for(fair=str(fair_id), id=str(roadshow_id))
    raise web.HTTPFound(url.with_query(done="attending" if wanted else "not_attending"))


# ---------------------------------------------------------------------------- scheduling


def _form_values(form: MultiDictProxy[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        n: str(form.get(n, "")).strip()
        for n in (
            "presenter",
            "pavilion",
            "title",
            "description",
            "day",
            "start",
            "minutes",
            "audience_limit",
            "product_keys",
        )
    }
    values["products"] = tuple(str(v) for v in form.getall("products", []))
    return values


def _input(values: dict[str, Any]) -> rs.RoadshowInput:
    return rs.RoadshowInput(
        presenter=values["presenter"],
        pavilion=values["pavilion"],
        title=values["title"],
        description=values["description"],
        day=values["day"] or "1",
        start=values["start"],
        minutes=values["minutes"] or "30",
        products=values["products"],
        audience_limit=values["audience_limit"],
    )


def _manage_data(session: Session, fair: Fair, company_id: int | None) -> dict[str, Any]:
    assert fair.id is not None
    pavilions = session.exec(
        select(Pavilion).where(Pavilion.fair_id == fair.id).order_by(col(Pavilion.name))
    ).all()
    presenters: list[Participant] = []
    products: list[Product] = []
    company = session.get(Company, company_id) if company_id is not None else None
    if company is not None:
        presenters = list(
            session.exec(
                select(Participant)
                .where(Participant.company_id == company.id)
                .order_by(col(Participant.name))
            )
        )
        products = list(
            session.exec(
                select(Product)
                .where(Product.company_id == company.id)
                .order_by(col(Product.name))
                .limit(PRODUCTS_IN_FORM)
            )
        )
    days = [(n, fair.start + timedelta(days=n - 1)) for n in range(1, fair.days + 1)]
    return {
        "fair": fair,
        "company": company,
        "pavilions": pavilions,
        "presenters": presenters,
        "products": products,
        "days": days,
        "items": pg.company_roadshows(session, fair.id, company_id),
    }


async def _manage(
    request: web.Request,
    *,
    fair_id: int,
    company_id: int | None,
    viewer: Participant | None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        fair = session.get(Fair, fair_id)
        if fair is None:
            raise NotFound(f"no fair {fair_id}")
        return _manage_data(session, fair, company_id)

    data = await read(request.app, load)
    company: Company | None = data["company"]
    defaults: dict[str, Any] = {
        "presenter": viewer.key if viewer is not None else "",
        "pavilion": str(company.pavilion_id or "") if company is not None else "",
        "day": "1",
        "start": data["fair"].day_start.strftime("%H:%M"),
        "minutes": "30",
        "audience_limit": "",
        "products": (),
    }
    done = request.query.get("done", "")
    return page(
        "roadshow_manage.html",
        request,
        {
            **data,
            "organiser": viewer is None,
            "viewer": viewer,
            "form": {**defaults, **(form or {})},
            "errors": errors or {},
            "done": done if done in NOTICES else "",
            "max_audience": request.app[SETTINGS].audience_max,
            "action": request.app.router[
                "roadshow_organiser_post" if viewer is None else "roadshow_mine_post"
            ].url_for(),
        },
        status=status,
    )


async def _exhibitor(request: web.Request) -> Participant:
    person, role = await auth.participant_with(
        request, lambda s, p: c.role if (c := s.get(Company, p.company_id)) else ""
    )
    if role != Role.EXHIBITOR:
        raise web.HTTPForbidden(text="Roadshows are scheduled by exhibitors.")
    return person


async def mine_page(request: web.Request) -> web.StreamResponse:
    person, role = await auth.participant_with(
        request, lambda s, p: c.role if (c := s.get(Company, p.company_id)) else ""
    )
    if role != Role.EXHIBITOR:  # buyers and others follow the programme instead
        programme = request.app.router["roadshow_programme"].url_for(fair=str(person.fair_id))
        raise web.HTTPFound(programme)
    return await _manage(
        request, fair_id=person.fair_id, company_id=person.company_id, viewer=person
    )


async def mine_schedule(request: web.Request) -> web.StreamResponse:
    person = await _exhibitor(request)
    values = _form_values(await request.post())
    limit = request.app[SETTINGS].audience_max
    try:
        await write(
            request.app,
            lambda s: (
                rs.schedule_roadshow(
                    s,
                    person.fair_id,
                    _input(values),
                    company_id=person.company_id,
                    max_audience=limit,
                ).id
            ),
        )
    except FieldError as exc:
        return await _manage(
            request,
            fair_id=person.fair_id,
            company_id=person.company_id,
            viewer=person,
            form=values,
            errors={exc.field: exc.detail},
            status=422,
        )
    url = request.app.router["roadshow_mine"].url_for().with_query(done="scheduled")
    raise web.HTTPFound(url)


async def mine_cancel(request: web.Request) -> web.StreamResponse:
    person = await _exhibitor(request)
    roadshow_id = int(request.match_info["id"])
    await write(
        request.app,
        lambda s: rs.cancel_roadshow(s, roadshow_id, person.company_id, person.fair_id).id,
    )
    raise web.HTTPFound(request.app.router["roadshow_mine"].url_for().with_query(done="cancelled"))


async def _organiser_fair(request: web.Request) -> int:
    await auth.organiser(request)
    fair = await read(request.app, queries.first_fair)
    if fair is None or fair.id is None:
        raise web.HTTPFound(request.app.router["organiser"].url_for())
    return fair.id


async def organiser_page(request: web.Request) -> web.StreamResponse:
    fair_id = await _organiser_fair(request)
    return await _manage(request, fair_id=fair_id, company_id=None, viewer=None)


def _product_ids(session: Session, fair_id: int, keys: str) -> tuple[str, ...]:
    """The organiser names products by their key (products.csv `id`)."""
    wanted = [k.strip() for k in keys.replace(";", ",").split(",") if k.strip()]
    if not wanted:
        return ()
    found = {
        p.key: p.id
        for p in session.exec(
            select(Product).where(Product.fair_id == fair_id, col(Product.key).in_(wanted))
        )
    }
    missing = [k for k in wanted if k not in found]
    if missing:
        raise FieldError("products", f"no product {missing[0]!r} at this fair")
    return tuple(str(found[k]) for k in wanted)


async def organiser_schedule(request: web.Request) -> web.StreamResponse:
    fair_id = await _organiser_fair(request)
    values = _form_values(await request.post())
    limit = request.app[SETTINGS].audience_max

    def act(session: Session) -> int | None:
        data = {**values, "products": _product_ids(session, fair_id, values["product_keys"])}
        return rs.schedule_roadshow(session, fair_id, _input(data), max_audience=limit).id

    try:
        await write(request.app, act)
    except FieldError as exc:
        return await _manage(
            request,
            fair_id=fair_id,
            company_id=None,
            viewer=None,
            form=values,
            errors={exc.field: exc.detail},
            status=422,
        )
    url = request.app.router["roadshow_organiser"].url_for().with_query(done="scheduled")
    raise web.HTTPFound(url)


async def organiser_cancel(request: web.Request) -> web.StreamResponse:
    fair_id = await _organiser_fair(request)
    roadshow_id = int(request.match_info["id"])
    await write(request.app, lambda s: rs.cancel_roadshow(s, roadshow_id, None, fair_id).id)
    url = request.app.router["roadshow_organiser"].url_for().with_query(done="cancelled")
    raise web.HTTPFound(url)
