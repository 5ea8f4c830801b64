"""Self-registration pages (docs/registration.md): the public form per role, the address
confirmation, and the organiser's list to open the form and approve or reject in bulk.

Thin handlers over `fair.registration`. The public form is refused whole when a field is
wrong and shown again with what was typed and each error beside its field; a stored
registration, a taken address and a filled honeypot all answer with the same "check your
e-mail" page, so the form tells no one who is registered. Messages are queued only after
the transaction that made them has committed.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlmodel import Session

from fair import queries
from fair import registration as reg
from fair.availability import known_timezones
from fair.errors import NotFound, Problem
from fair.models import Fair
from fair.notify import Notice, queue
from fair.search import SECTOR_WORDS
from web import auth, calendar_routes, i18n, zones
from web.db import read, write
from web.i18n import N_
from web.keys import MAILER, SETTINGS
from web.render import page

TIMEZONES = known_timezones()
HONEYPOT = "website"  # hidden from people by the stylesheet; bots fill it in
ROLE_PATTERN = "exhibitor|buyer|service"


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get("/fair/register/confirm/{token}", confirm_page, name="register_confirm")
    r.add_get(f"/fair/register/{{role:{ROLE_PATTERN}}}", form_page, name="register")
    r.add_post(f"/fair/register/{{role:{ROLE_PATTERN}}}", submit, name="register_post")
    r.add_get("/organiser/registrations", organiser_page, name="registrations")
    r.add_post("/organiser/registrations/open", set_open, name="registrations_open")
    r.add_post("/organiser/registrations/decide", decide, name="registrations_decide")


def problem_text(problem: Problem) -> str:
    if not problem.template:
        return problem.message
    return i18n.template_gettext(problem.template, **problem.params)


async def _send(app: web.Application, notices: list[Notice]) -> None:
    if not notices:
        return
    await asyncio.get_running_loop().run_in_executor(
        app[MAILER].executor, queue, app[SETTINGS], notices
    )
    app[MAILER].wake.set()


# What the summary above the form calls each field (the labels of register.html).
LABELS = {
    "company": N_("Company name"),
    "country": N_("Country"),
    "sectors": N_("Sectors"),
    "offers": N_("What you offer"),
    "needs": N_("What you are looking for"),
    "service": N_("Service you give"),
    "people": N_("People"),
    "products": N_("Products"),
}
PERSON_LABELS = {
    "name": N_("Name"),
    "email": N_("E-mail"),
    "timezone": N_("Time zone during the fair"),
    "languages": N_("Languages"),
    "available": N_("Working hours"),
    "onsite": N_("Days at the venue"),
}
PRODUCT_LABELS = {
    "name": N_("Product name"),
    "description": N_("Description"),
    "sector": N_("Sector"),
    "price_min": N_("Lowest price"),
    "price_max": N_("Highest price"),
    "currency": N_("Currency"),
    "moq": N_("Minimum order"),
}


def field_label(name: str) -> str:
    """A form field's label in the page's language (`people-1-email` → "Person 2 ·
    E-mail")."""
    found = re.fullmatch(r"(people|products)-(\d+)-(\w+)", name)
    if found is None:
        return i18n.template_gettext(LABELS.get(name, name))
    kind, index, field = found.group(1), int(found.group(2)), found.group(3)
    if kind == "people":
        which = i18n.template_gettext(N_("Person %(n)d"), n=index + 1)
        label = PERSON_LABELS.get(field, field)
    else:
        which = i18n.template_gettext(N_("Product %(n)d"), n=index + 1)
        label = PRODUCT_LABELS.get(field, field)
    return f"{which} · {i18n.template_gettext(label)}"


def _first_fair(session: Session) -> Fair:
    fair = queries.first_fair(session)
    if fair is None or fair.id is None:
        raise NotFound("no fair has been imported yet")
    return fair


# ---------------------------------------------------------------------------- the form


def _indices(form: MultiDictProxy[Any], prefix: str) -> list[int]:
    pattern = re.compile(prefix + r"-(\d{1,3})-\w+")
    return sorted({int(m.group(1)) for k in form if (m := pattern.fullmatch(k))})


def read_form(role: str, form: MultiDictProxy[Any]) -> reg.RegistrationForm:
    """The posted fields as a `RegistrationForm`: blank person and product blocks left
    out (the first person is always there), sectors ticked plus any typed."""

    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    sectors = [str(v) for v in form.getall("sectors", [])]
    if text("sectors_other"):
        sectors.append(text("sectors_other"))
    people = []
    for i in _indices(form, "people"):
        person = {f: text(f"people-{i}-{f}") for f in reg.PERSON_FIELDS if f != "onsite"}
        person["onsite"] = " ".join(str(v) for v in form.getall(f"people-{i}-onsite", []))
        if i == 0 or person["name"] or person["email"]:
            people.append(person)
    products = []
    for i in _indices(form, "products"):
        product = {f: text(f"products-{i}-{f}") for f in reg.PRODUCT_FIELDS}
        if any(product.values()):
            products.append(product)
    return reg.RegistrationForm(
        role=role,
        company=text("company"),
        country=text("country").upper(),
        sectors="; ".join(sectors),
        offers=text("offers"),
        needs=text("needs"),
        service=text("service"),
        people=tuple(people) or ({f: "" for f in reg.PERSON_FIELDS},),
        products=tuple(products),
    )


def _form_context(
    request: web.Request, fair: Fair, role: str, form: reg.RegistrationForm
) -> dict[str, Any]:
    people = list(form.people) + [{}] * max(0, 1 - len(form.people))
    extra_products = 3 if role == "exhibitor" else 0
    products = list(form.products) + [{}] * max(0, extra_products - len(form.products))
    names = i18n.country_names()
    typed_sectors = [s.strip() for s in re.split(r"[;,]", form.sectors) if s.strip()]
    return {
        "fair": fair,
        "role": role,
        "form": form,
        "people": people,
        "products": products,
        "countries": sorted(names.items(), key=lambda item: item[1]),
        "sectors": list(SECTOR_WORDS),
        "chosen_sectors": [s for s in typed_sectors if s in SECTOR_WORDS],
        "other_sectors": "; ".join(s for s in typed_sectors if s not in SECTOR_WORDS),
        "timezones": zones.choices(TIMEZONES, form.country),
        "country_zones": json.dumps(
            {c: list(z) for c, z in zones.zones_by_country().items()}, separators=(",", ":")
        ),
        "days": list(range(1, fair.days + 1)),
        "max_people": reg.MAX_PEOPLE,
        "max_products": reg.MAX_PRODUCTS,
        "honeypot": HONEYPOT,
        "field_label": field_label,
    }


async def _open_fair(request: web.Request, role: str) -> Fair:
    def load(session: Session) -> Fair:
        fair = _first_fair(session)
        if role not in reg.open_roles(fair):
            raise reg.RegistrationClosed("registration is not open for this role")
        return fair

    return await read(request.app, load)


async def form_page(request: web.Request) -> web.StreamResponse:
    role = request.match_info["role"]
    fair = await _open_fair(request, role)
    blank = reg.RegistrationForm(role=role, people=({},))
    context = {**_form_context(request, fair, role, blank), "errors": {}}
    return page("register.html", request, context)


async def submit(request: web.Request) -> web.StreamResponse:
    role = request.match_info["role"]
    fair = await _open_fair(request, role)
    posted = await request.post()
    form = read_form(role, posted)
    if str(posted.get(HONEYPOT, "")).strip():
        # A bot: answer as for anyone, store and send nothing.
        return page("register_sent.html", request, {"fair": fair})
    settings = request.app[SETTINGS]
    assert fair.id is not None
    try:
        done = await write(request.app, reg.submit, fair.id, form, settings)
    except reg.RegistrationInvalid as exc:
        errors = {name: problem_text(p) for name, p in exc.errors.items()}
        context = {**_form_context(request, fair, role, form), "errors": errors}
        return page("register.html", request, context, status=422)
    await _send(request.app, done.notices)
    return page("register_sent.html", request, {"fair": fair})


async def confirm_page(request: web.Request) -> web.StreamResponse:
    """Confirm an address (a GET, so the link works from any mail program; confirming
    twice changes nothing)."""
    confirmation = await write(request.app, reg.confirm, request.match_info["token"])
    return page("register_confirmed.html", request, {"c": confirmation})


# ---------------------------------------------------------------------------- organiser


async def _organiser_page(
    request: web.Request, *, error: str = "", done: str = "", status: int = 200
) -> web.Response:
    role = request.query.get("role", "")
    country = request.query.get("country", "").upper()

    def load(session: Session) -> dict[str, Any]:
        fair = _first_fair(session)
        assert fair.id is not None
        return {
            "fair": fair,
            "open": reg.open_roles(fair),
            "rows": reg.confirmed(session, fair.id, role if role in reg.ROLES else "", country),
            "countries": sorted({r.country for r in reg.confirmed(session, fair.id)}),
            "waiting": reg.waiting_count(session, fair.id),
        }

    data = await read(request.app, load)
    context = {
        **data,
        "roles": reg.ROLES,
        "role": role,
        "country": country,
        "error": error,
        "done": done or request.query.get("done", ""),
    }
    return page("registrations.html", request, context, status=status)


async def organiser_page(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    return await _organiser_page(request)


async def set_open(request: web.Request) -> web.StreamResponse:
    await auth.organiser(request)
    form = await request.post()
    roles = [str(v) for v in form.getall("roles", [])]

    def act(session: Session) -> list[str]:
        fair = _first_fair(session)
        assert fair.id is not None
        return reg.set_open_roles(session, fair.id, roles)

    try:
        await write(request.app, act)
    except reg.RegistrationInvalid as exc:
        message = "; ".join(problem_text(p) for p in exc.errors.values())
        return await _organiser_page(request, error=message, status=400)
    url = request.app.router["registrations"].url_for().with_query(done="saved")
    raise web.HTTPFound(url)


async def decide(request: web.Request) -> web.StreamResponse:
    """Approve or reject the ticked registrations, all in one transaction."""
    await auth.organiser(request)
    form = await request.post()
    action = str(form.get("action", ""))
    ids: list[int] = []
    for value in form.getall("ids", []):
        if not str(value).isdigit() or len(str(value)) > 12:
            error = f"{value!r}: not a registration"
            return await _organiser_page(request, error=error, status=400)
        ids.append(int(str(value)))
    reason = str(form.get("reason", ""))
    settings = request.app[SETTINGS]

    def act(session: Session) -> tuple[int, list[Notice]]:
        fair = _first_fair(session)
        assert fair.id is not None
        if action == "approve":
            return fair.id, reg.approve(session, fair.id, ids, settings)
        if action == "reject":
            return fair.id, reg.reject(session, fair.id, ids, reason, settings)
        raise reg.DecisionRefused(0, "action", "%(error)s", error="approve or reject")

    try:
        fair_id, notices = await write(request.app, act)
    except reg.DecisionRefused as exc:
        p = exc.problem
        if exc.registration:
            message = i18n.template_gettext(
                N_("Nothing was written. Registration %(id)s, %(field)s: %(problem)s"),
                id=exc.registration,
                field=p.column or "",
                problem=problem_text(p),
            )
        else:
            message = problem_text(p)
        return await _organiser_page(request, error=message, status=409)
    await _send(request.app, notices)
    if action == "approve":
        calendar_routes.calendars_changed(request.app, fair_id)
    url = (
        request.app.router["registrations"]
        .url_for()
        .with_query(done="approved" if action == "approve" else "rejected")
    )
    raise web.HTTPFound(url)
