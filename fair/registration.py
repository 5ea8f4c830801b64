"""Self-registration (docs/registration.md): a company registers itself through a public
form per role, every person listed confirms their address, the organiser approves or
rejects, and the approved land exactly as imported ones do.

The form's values become rows of `participants.csv` and `products.csv` and are checked by
the importer's own readers (`fair.importer`), so a registration is held to the same rules
and normalised the same way as an import; each problem comes back under the form field it
belongs to. Approval writes through `fair.loader.add_people` and rebuilds the catalogue
index (`fair.search`) in the same transaction, all or nothing.

Nothing of a registration is visible anywhere (catalogue, participants, solver) before
it is approved: it lives in its own tables (`Registration`, `RegistrationPerson`).
Addresses already taken in the fair (a participant, or a registration not yet decided)
are never confirmed by this form: their owner gets a notice instead of a link, and the
form answers the same "check your e-mail" either way, so it tells no one who is
registered.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from fair import search
from fair.columns import PARTICIPANTS, PRODUCTS, names
from fair.errors import N_, Conflict, Forbidden, NotFound, Problem
from fair.importer import FairSpec
from fair.importer.participants_csv import parse_participants
from fair.importer.products_csv import parse_products
from fair.importer.rows import Collector, Sheet
from fair.importer.specs import BreakSpec, ImportData
from fair.invitations import invite_added
from fair.loader import add_people
from fair.models import (
    Company,
    Fair,
    FairBreak,
    Participant,
    Registration,
    RegistrationPerson,
    Role,
    utcnow,
)
from fair.notify import Notice, plain_message
from fair.rules import REGISTRATION_ROLES
from fair.settings import Settings
from fair.tokens import hash_token

ROLES: tuple[str, ...] = REGISTRATION_ROLES
CONFIRM_WITHIN = timedelta(hours=48)  # an unconfirmed registration is dropped after
NOTICE_EVERY = timedelta(hours=24)  # at most one "already registered" notice per address
MAX_PEOPLE = 10
MAX_PRODUCTS = 30
SHORT = 200  # characters in a name, e-mail or list field
LONG = 2000  # characters in a product description
MAX_REASON = 1000
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")

# The form's company-level fields, and each person's and product's.
COMPANY_FIELDS = ("company", "country", "sectors", "offers", "needs", "service")
PERSON_FIELDS = ("name", "email", "timezone", "languages", "available", "onsite")
PRODUCT_FIELDS = ("name", "description", "sector", "price_min", "price_max", "currency", "moq")


@dataclass(frozen=True)
class RegistrationForm:
    """What the public form holds, as typed (text), before any check."""

    role: str
    company: str = ""
    country: str = ""
    sectors: str = ""
    offers: str = ""
    needs: str = ""
    service: str = ""
    people: tuple[Mapping[str, str], ...] = ()
    products: tuple[Mapping[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["people"] = [dict(p) for p in self.people]
        data["products"] = [dict(p) for p in self.products]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegistrationForm:
        return cls(
            role=str(data.get("role", "")),
            **{f: str(data.get(f, "")) for f in COMPANY_FIELDS},
            people=tuple(
                {f: str(p.get(f, "")) for f in PERSON_FIELDS} for p in data.get("people", [])
            ),
            products=tuple(
                {f: str(p.get(f, "")) for f in PRODUCT_FIELDS} for p in data.get("products", [])
            ),
        )

    def emails(self) -> list[str]:
        return [p.get("email", "").strip().lower() for p in self.people]


class RegistrationInvalid(Exception):
    """The form cannot be accepted; `errors` maps each form field at fault (`company`,
    `people-0-email`, `products-2-price_min`) to its first problem."""

    def __init__(self, errors: Mapping[str, Problem]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v.message}" for k, v in self.errors.items()))


class RegistrationClosed(NotFound):
    """The fair takes no registrations for this role (now)."""


# ---------------------------------------------------------------------------- checking


def _list(text: str) -> str:
    """A list typed with commas, ideographic commas or semicolons, as an import cell."""
    return ";".join(p.strip() for p in re.split(r"[;,，、；\n]", text) if p.strip())


def _words(text: str) -> str:
    """Codes typed with spaces or any list separator (`en ko`, `en, ko`)."""
    return ";".join(p for p in re.split(r"[\s;,，、；]+", text) if p)


def fair_spec(session: Session, fair: Fair) -> FairSpec:
    """The stored fair as the importer's `FairSpec` (days and hours; places aside), to
    check registrations against."""
    breaks = session.exec(select(FairBreak).where(FairBreak.fair_id == fair.id)).all()
    return FairSpec(
        name=fair.name,
        timezone=fair.timezone,
        start=fair.start,
        days=fair.days,
        day_start=fair.day_start,
        day_end=fair.day_end,
        slot_minutes=fair.slot_minutes,
        currency=fair.currency,
        online_rooms=fair.online_rooms,
        breaks=tuple(BreakSpec(b.start, b.end, b.label) for b in breaks),
        pavilions=(),
        booths=(),
        tables=(),
    )


def _sheets(
    form: RegistrationForm, keys: Sequence[str], product_prefix: str
) -> tuple[Sheet, Sheet]:
    """The form as the rows of `participants.csv` and `products.csv`."""
    company = form.company.strip()
    people = []
    for key, p in zip(keys, form.people, strict=True):
        row = {
            "id": key,
            "company": company,
            "name": p.get("name", "").strip(),
            "email": p.get("email", "").strip(),
            "role": form.role,
            "country": form.country.strip(),
            "timezone": p.get("timezone", "").strip(),
            "sectors": _list(form.sectors),
            "offers": _list(form.offers),
            "needs": _list(form.needs),
            "languages": _words(p.get("languages", "")),
            "onsite": _words(p.get("onsite", "")),
            "available": _words(p.get("available", "")),
            "service": form.service.strip() if form.role == Role.SERVICE else "",
        }
        people.append(tuple(row.get(c, "") for c in names(PARTICIPANTS)))
    products = []
    for n, pr in enumerate(form.products, start=1):
        row = {
            "id": f"{product_prefix}{n}",
            "company": company,
            **{f: pr.get(f, "").strip() for f in PRODUCT_FIELDS},
        }
        products.append(tuple(row.get(c, "") for c in names(PRODUCTS)))
    return (
        Sheet("participants.csv", "participants.csv", (names(PARTICIPANTS), *people)),
        Sheet("products.csv", "products.csv", (names(PRODUCTS), *products)),
    )


# Importer columns → the form's fields (the rest are the person's own, by row).
_COMPANY_COLUMNS = {
    "company": "company",
    "role": "company",
    "country": "country",
    "sectors": "sectors",
    "offers": "offers",
    "needs": "needs",
    "service": "service",
}
_PERSON_COLUMNS = {
    "name": "name",
    "email": "email",
    "timezone": "timezone",
    "languages": "languages",
    "available": "available",
    "onsite": "onsite",
}


def _field_of(problem: Problem) -> str:
    """The form field an importer problem is about."""
    column = problem.column or ""
    index = (problem.row or 2) - 2
    if problem.file == "products.csv":
        return "company" if column == "company" else f"products-{index}-{column or 'name'}"
    if column in _COMPANY_COLUMNS:
        return _COMPANY_COLUMNS[column]
    return f"people-{index}-{_PERSON_COLUMNS.get(column, 'name')}"


def _limits(form: RegistrationForm) -> dict[str, Problem]:
    """The form's own limits: how many people and products, how long each text."""
    errors: dict[str, Problem] = {}

    def problem(name: str, template: str, **params: object) -> None:
        errors.setdefault(name, Problem.of("form", None, name, template, **params))

    if form.role not in ROLES:
        problem("role", N_("%(value)s is not a role one can register for"), value=repr(form.role))
    if not form.people:
        problem("people-0-name", N_("at least one person is needed"))
    if len(form.people) > MAX_PEOPLE:
        problem("people", N_("at most %(n)s people per registration"), n=MAX_PEOPLE)
    if len(form.products) > MAX_PRODUCTS:
        problem("products", N_("at most %(n)s products per registration"), n=MAX_PRODUCTS)
    if form.products and form.role != Role.EXHIBITOR:
        problem("products", N_("only exhibitors register products"))
    texts: list[tuple[str, str, int]] = [(f, getattr(form, f), SHORT) for f in COMPANY_FIELDS]
    for i, p in enumerate(form.people):
        texts += [(f"people-{i}-{f}", p.get(f, ""), SHORT) for f in PERSON_FIELDS]
    for i, pr in enumerate(form.products):
        texts += [
            (f"products-{i}-{f}", pr.get(f, ""), LONG if f == "description" else SHORT)
            for f in PRODUCT_FIELDS
        ]
    for name, value, most in texts:
        if len(value) > most:
            problem(name, N_("at most %(n)s characters"), n=most)
        elif most == SHORT and CONTROL.search(value):
            # Names go into mail headers: a line break there would forge headers.
            problem(name, N_("must be one line of text"))
    return errors


def check(form: RegistrationForm, fair: FairSpec) -> ImportData:
    """The form checked as an import of its company, people and products would be, or
    `RegistrationInvalid` naming every field at fault (each field's first problem)."""
    errors = _limits(form)
    if errors:
        raise RegistrationInvalid(errors)
    return _parse(form, fair, [f"new-{i + 1}" for i in range(len(form.people))], "new-p")


def _parse(
    form: RegistrationForm, fair: FairSpec, keys: Sequence[str], product_prefix: str
) -> ImportData:
    people_sheet, products_sheet = _sheets(form, keys, product_prefix)
    out = Collector()
    companies, people = parse_participants(people_sheet, fair, out)
    products = parse_products(products_sheet, {c.name: c for c in companies}, out)
    if form.role == Role.SERVICE and not form.service.strip():
        out.add("participants.csv", None, "service", N_("is empty"))
    errors: dict[str, Problem] = {}
    for problem in out.problems:
        errors.setdefault(_field_of(problem), problem)
    if errors:
        raise RegistrationInvalid(errors)
    return ImportData(fair, tuple(companies), tuple(people), (), tuple(products))


# ---------------------------------------------------------------------------- settings


def open_roles(fair: Fair) -> list[str]:
    return [r for r in ROLES if r in (fair.registration_roles or [])]


def set_open_roles(session: Session, fair_id: int, roles: Iterable[str]) -> list[str]:
    """Open the form for exactly `roles` (the others close); unknown roles refused."""
    wanted = list(dict.fromkeys(roles))
    unknown = [r for r in wanted if r not in ROLES]
    if unknown:
        raise RegistrationInvalid(
            {
                "roles": Problem.of(
                    "form",
                    None,
                    "roles",
                    N_("%(value)s is not a role one can register for"),
                    value=repr(unknown[0]),
                )
            }
        )
    fair = _fair(session, fair_id)
    fair.registration_roles = [r for r in ROLES if r in wanted]
    session.add(fair)
    return fair.registration_roles


def _fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


# ---------------------------------------------------------------------------- submitting


def _taken(session: Session, fair_id: int, emails: Iterable[str], now: datetime) -> set[str]:
    """The addresses already a participant of the fair or in an undecided registration
    (one still waiting for confirmation, or confirmed and waiting for the organiser)."""
    wanted = sorted(set(emails))
    if not wanted:
        return set()
    people = session.exec(
        select(Participant.email).where(
            Participant.fair_id == fair_id, col(Participant.email).in_(wanted)
        )
    ).all()
    pending = session.exec(
        select(RegistrationPerson.email)
        .join(Registration, col(Registration.id) == col(RegistrationPerson.registration_id))
        .where(
            RegistrationPerson.fair_id == fair_id,
            col(RegistrationPerson.email).in_(wanted),
            col(RegistrationPerson.duplicate).is_(False),
            (col(Registration.confirmed_at).is_not(None)) | (col(Registration.expires_at) > now),
        )
    ).all()
    return set(people) | set(pending)


def drop_expired(session: Session, now: datetime | None = None) -> int:
    """Delete the registrations left unconfirmed past their time; returns how many."""
    now = now or utcnow()
    ids = list(
        session.exec(
            select(Registration.id).where(
                col(Registration.confirmed_at).is_(None), col(Registration.expires_at) <= now
            )
        ).all()
    )
    _delete(session, [i for i in ids if i is not None])
    return len(ids)


def _delete(session: Session, ids: Sequence[int]) -> None:
    if not ids:
        return
    session.exec(delete(RegistrationPerson).where(col(RegistrationPerson.registration_id).in_(ids)))
    session.exec(delete(Registration).where(col(Registration.id).in_(ids)))


@dataclass(frozen=True)
class Submitted:
    """A stored registration and the messages to queue once it is committed."""

    registration_id: int | None
    notices: list[Notice] = field(default_factory=list)


def submit(
    session: Session,
    fair_id: int,
    form: RegistrationForm,
    settings: Settings,
    now: datetime | None = None,
) -> Submitted:
    """Check and store a registration: each free address gets a confirmation link, each
    taken one a notice (at most one a day) and no link, so the registration can never be
    confirmed with an address someone else holds. Raises `RegistrationClosed` when the
    role is not open, `RegistrationInvalid` naming the fields at fault."""
    now = now or utcnow()
    fair = _fair(session, fair_id)
    if form.role not in open_roles(fair):
        raise RegistrationClosed("registration is not open for this role")
    check(form, fair_spec(session, fair))
    drop_expired(session, now)
    emails = form.emails()
    taken = _taken(session, fair_id, emails, now)
    registration = Registration(
        fair_id=fair_id,
        role=form.role,
        company=form.company.strip(),
        country=form.country.strip().upper(),
        data=form.to_json(),
        created_at=now,
        expires_at=now + CONFIRM_WITHIN,
    )
    session.add(registration)
    session.flush()
    assert registration.id is not None
    notices: list[Notice] = []
    for person, email in zip(form.people, emails, strict=True):
        name = person.get("name", "").strip()
        if email in taken:
            session.add(
                RegistrationPerson(
                    registration_id=registration.id,
                    fair_id=fair_id,
                    email=email,
                    duplicate=True,
                    created_at=now,
                )
            )
            if not _noticed_lately(session, fair_id, email, now):
                notices.append(_taken_notice(settings, fair, name, email))
            continue
        token = secrets.token_urlsafe(32)
        session.add(
            RegistrationPerson(
                registration_id=registration.id,
                fair_id=fair_id,
                email=email,
                token_hash=hash_token(token),
                created_at=now,
            )
        )
        notices.append(_confirm_notice(settings, fair, form, name, email, token))
    session.flush()
    return Submitted(registration.id, notices)


def _noticed_lately(session: Session, fair_id: int, email: str, now: datetime) -> bool:
    """An earlier registration named this taken address within `NOTICE_EVERY` (its owner
    was told then): a flood of registrations must not become a flood of mail."""
    earlier = session.exec(
        select(RegistrationPerson.id).where(
            RegistrationPerson.fair_id == fair_id,
            RegistrationPerson.email == email,
            col(RegistrationPerson.duplicate).is_(True),
            col(RegistrationPerson.created_at) > now - NOTICE_EVERY,
            col(RegistrationPerson.created_at) < now,
        )
    ).first()
    return earlier is not None


def _confirm_notice(
    settings: Settings, fair: Fair, form: RegistrationForm, name: str, email: str, token: str
) -> Notice:
    link = f"{settings.base_url}/fair/register/confirm/{token}"
    body = (
        f"Hello {name},\n\n"
        f"{form.company.strip()} registered for {fair.name} as {form.role}, and gave this "
        "address for you. Please confirm it:\n\n"
        f"{link}\n\n"
        f"The link works for {int(CONFIRM_WITHIN.total_seconds() // 3600)} hours. Once "
        "everyone listed has confirmed, the organiser reviews the registration and writes "
        "to you.\n\n"
        "If you did not expect this message, ignore it: without your confirmation nothing "
        "happens.\n"
    )
    return Notice(
        "", email, plain_message(settings, name, email, f"{fair.name}: confirm your address", body)
    )


def _taken_notice(settings: Settings, fair: Fair, name: str, email: str) -> Notice:
    body = (
        f"Hello {name},\n\n"
        f"someone registered for {fair.name} and gave this address, which is already "
        "registered for the fair or waiting for a confirmation. Nothing was changed.\n\n"
        "If it was you: use the link you received earlier (your personal link, or the "
        "confirmation link), or ask the organiser to send you a new one.\n"
    )
    return Notice(
        "", email, plain_message(settings, name, email, f"{fair.name}: already registered", body)
    )


# ---------------------------------------------------------------------------- confirming


@dataclass(frozen=True)
class Confirmation:
    fair_name: str
    company: str
    role: str
    email: str
    complete: bool  # everyone listed has confirmed: the organiser now sees it


def confirm(session: Session, token: str, now: datetime | None = None) -> Confirmation:
    """Confirm the address a link was mailed to; the same link again changes nothing.
    An unknown, used-up (decided) or expired link is `Forbidden` (one answer for all)."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise Forbidden("this confirmation link is not valid or has expired")
    found = session.exec(
        select(RegistrationPerson, Registration)
        .join(Registration, col(Registration.id) == col(RegistrationPerson.registration_id))
        .where(RegistrationPerson.token_hash == hash_token(token))
    ).first()
    if found is None:
        raise Forbidden("this confirmation link is not valid or has expired")
    person, registration = found
    if registration.confirmed_at is None and registration.expires_at <= now:
        raise Forbidden("this confirmation link is not valid or has expired")
    if person.confirmed_at is None:
        person.confirmed_at = now
        session.add(person)
        session.flush()
    everyone = session.exec(
        select(RegistrationPerson).where(RegistrationPerson.registration_id == registration.id)
    ).all()
    complete = all(p.confirmed_at is not None for p in everyone)
    if complete and registration.confirmed_at is None:
        registration.confirmed_at = now
        session.add(registration)
    fair = _fair(session, registration.fair_id)
    return Confirmation(fair.name, registration.company, registration.role, person.email, complete)


# ---------------------------------------------------------------------------- deciding


@dataclass(frozen=True)
class Row:
    """A confirmed registration as the organiser's list shows it."""

    id: int
    role: str
    company: str
    country: str
    confirmed_at: datetime
    form: RegistrationForm


def confirmed(session: Session, fair_id: int, role: str = "", country: str = "") -> list[Row]:
    """The registrations every person of which confirmed, oldest first; by role and
    country when given."""
    query = select(Registration).where(
        Registration.fair_id == fair_id, col(Registration.confirmed_at).is_not(None)
    )
    if role:
        query = query.where(Registration.role == role)
    if country:
        query = query.where(Registration.country == country.upper())
    rows = []
    for r in session.exec(query.order_by(col(Registration.confirmed_at), col(Registration.id))):
        assert r.id is not None and r.confirmed_at is not None
        rows.append(
            Row(
                r.id,
                r.role,
                r.company,
                r.country,
                r.confirmed_at,
                RegistrationForm.from_json(r.data),
            )
        )
    return rows


def waiting_count(session: Session, fair_id: int) -> int:
    """Registrations still waiting for their addresses' confirmation (not actionable)."""
    return len(
        session.exec(
            select(Registration.id).where(
                Registration.fair_id == fair_id,
                col(Registration.confirmed_at).is_(None),
                col(Registration.expires_at) > utcnow(),
            )
        ).all()
    )


class DecisionRefused(Conflict):
    """Approval refused, nothing written; `registration` and `field` name the cause."""

    def __init__(self, registration: int, field: str, template: str, **params: object) -> None:
        self.registration = registration
        self.field = field
        self.problem = Problem.of(f"registration {registration}", None, field, template, **params)
        super().__init__(f"registration {registration}, {field}: {self.problem.message}")


def _chosen(session: Session, fair_id: int, ids: Sequence[int]) -> list[Registration]:
    if not ids:
        raise DecisionRefused(0, "ids", N_("choose at least one registration"))
    found = {
        r.id: r
        for r in session.exec(
            select(Registration).where(
                Registration.fair_id == fair_id,
                col(Registration.id).in_(list(ids)),
                col(Registration.confirmed_at).is_not(None),
            )
        )
    }
    for i in ids:
        if i not in found:
            raise DecisionRefused(
                i, "id", N_("no confirmed registration %(id)s (decided already?)"), id=i
            )
    return [found[i] for i in dict.fromkeys(ids)]


def approve(session: Session, fair_id: int, ids: Sequence[int], settings: Settings) -> list[Notice]:
    """Create the companies, people and products of the chosen registrations through the
    importer's path, in the caller's transaction (all or none: the first conflict raises
    `DecisionRefused` naming the registration and field), rebuild the catalogue index,
    issue each new person's personal link and return the messages carrying them (queue
    them after the commit). The registrations are then deleted."""
    fair = _fair(session, fair_id)
    spec = fair_spec(session, fair)
    chosen = _chosen(session, fair_id, ids)
    companies = set(session.exec(select(Company.name).where(Company.fair_id == fair_id)).all())
    taken = select(Participant.email).where(Participant.fair_id == fair_id)
    emails = set(session.exec(taken).all())
    keys = set(session.exec(select(Participant.key).where(Participant.fair_id == fair_id)).all())
    notices: list[Notice] = []
    for registration in chosen:
        assert registration.id is not None
        rid = registration.id
        form = RegistrationForm.from_json(registration.data)
        person_keys = [f"R{rid}-{n}" for n in range(1, len(form.people) + 1)]
        try:
            data = _parse(form, spec, person_keys, f"R{rid}-P")
        except RegistrationInvalid as exc:  # the fair changed (fewer days) since
            name, problem = next(iter(exc.errors.items()))
            raise DecisionRefused(rid, name, "%(error)s", error=problem.message) from None
        company = data.companies[0].name
        if company in companies:
            raise DecisionRefused(
                rid, "company", N_("a company named %(name)s is already in the fair"), name=company
            )
        companies.add(company)
        for n, person in enumerate(data.participants):
            if person.email in emails:
                raise DecisionRefused(
                    rid,
                    f"people-{n}-email",
                    N_("%(email)s is already a participant's address"),
                    email=person.email,
                )
            if person.key in keys:
                raise DecisionRefused(
                    rid, "id", N_("participant id %(id)s is taken"), id=person.key
                )
            emails.add(person.email)
            keys.add(person.key)
        people = add_people(session, fair_id, data)
        host = session.get(Fair, fair_id)
        assert host is not None
        notices += invite_added(session, settings, host, list(people.values()))
    search.rebuild(session, fair_id)
    _delete(session, [r.id for r in chosen if r.id is not None])
    return notices


def reject(
    session: Session, fair_id: int, ids: Sequence[int], reason: str, settings: Settings
) -> list[Notice]:
    """Delete the chosen registrations and return a polite message to each confirmed
    person (with `reason` when given); nothing of them stays behind."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise DecisionRefused(0, "reason", N_("at most %(n)s characters"), n=MAX_REASON)
    fair = _fair(session, fair_id)
    chosen = _chosen(session, fair_id, ids)
    notices: list[Notice] = []
    for registration in chosen:
        form = RegistrationForm.from_json(registration.data)
        for person in form.people:
            name, email = person.get("name", "").strip(), person.get("email", "").strip().lower()
            body = (
                f"Hello {name},\n\n"
                f"thank you for registering {registration.company} for {fair.name}. The "
                "organiser could not accept the registration this time"
                + (f":\n\n{reason}\n\n" if reason else ".\n\n")
                + "Your details have been deleted. If you think this is a mistake, please "
                "write to the organiser.\n"
            )
            notices.append(
                Notice(
                    "",
                    email,
                    plain_message(settings, name, email, f"{fair.name}: your registration", body),
                )
            )
    _delete(session, [r.id for r in chosen if r.id is not None])
    return notices
