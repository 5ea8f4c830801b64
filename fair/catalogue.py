"""Read models of the fair floor: the fair's pavilions, a pavilion's exhibitors, a
company's booth (profile, products, people) and a page of catalogue search results.

Plain frozen dataclasses with everything loaded, like `fair.queries`. Who may see the
people of a company is the caller's decision (`with_people`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, func, select

from fair import search
from fair.errors import NotFound
from fair.models import (
    Booth,
    Company,
    Fair,
    Participant,
    Pavilion,
    Product,
    Role,
)
from fair.requests import requested_people

SERVICE_KEY = "services"  # the pseudo-pavilion of service providers without a hall


def flag(country: str) -> str:
    """The flag emoji of a two-letter country code ("" for anything else)."""
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


@dataclass(frozen=True)
class PavilionCard:
    id: int
    key: str
    name: str
    country: str
    flag: str
    exhibitors: int
    services: int
    products: int
    sectors: tuple[tuple[str, int], ...]  # most represented first


@dataclass(frozen=True)
class Floor:
    fair: Fair
    pavilions: tuple[PavilionCard, ...]
    companies: int
    exhibitors: int
    buyers: int
    products: int
    countries: tuple[str, ...]
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class CompanyCard:
    id: int
    name: str
    country: str
    flag: str
    role: str
    booth: str
    pavilion_id: int | None
    pavilion: str
    sectors: tuple[str, ...]
    offers: tuple[str, ...]
    needs: tuple[str, ...]
    products: int
    service: str = ""


@dataclass(frozen=True)
class PavilionView:
    fair: Fair
    pavilion: PavilionCard
    companies: tuple[CompanyCard, ...]


@dataclass(frozen=True)
class ProductCard:
    id: int
    key: str
    name: str
    description: str
    sector: str
    origin: str
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str
    moq: int | None
    certifications: tuple[str, ...]
    company_id: int
    company: str


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    languages: tuple[str, ...]
    service: str
    requested: bool  # the viewer already asked this person


@dataclass(frozen=True)
class BoothView:
    fair: Fair
    company: CompanyCard
    products: tuple[ProductCard, ...]
    people: tuple[Person, ...]  # empty when the viewer may not see people


@dataclass(frozen=True)
class CatalogueHit:
    kind: str
    in_name: bool
    company: CompanyCard
    product: ProductCard | None


@dataclass(frozen=True)
class CataloguePage:
    fair: Fair
    results: search.Results
    hits: tuple[CatalogueHit, ...]
    pavilions: tuple[tuple[int, str], ...]
    countries: tuple[str, ...]
    sectors: tuple[str, ...]


def get_fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _product_counts(session: Session, fair_id: int) -> dict[int, int]:
    rows = session.exec(
        select(Product.company_id, func.count())
        .where(Product.fair_id == fair_id)
        .group_by(col(Product.company_id))
    ).all()
    return {company_id: int(n) for company_id, n in rows}


def _card(
    c: Company,
    pavilions: dict[int, Pavilion],
    booths: dict[int, str],
    products: dict[int, int],
    services: dict[int, str],
) -> CompanyCard:
    assert c.id is not None
    pavilion = pavilions.get(c.pavilion_id) if c.pavilion_id is not None else None
    return CompanyCard(
        id=c.id,
        name=c.name,
        country=c.country,
        flag=flag(c.country),
        role=c.role,
        booth=booths.get(c.booth_id, "") if c.booth_id is not None else "",
        pavilion_id=c.pavilion_id,
        pavilion=pavilion.name if pavilion else "",
        sectors=tuple(c.sectors),
        offers=tuple(c.offers),
        needs=tuple(c.needs),
        products=products.get(c.id, 0),
        service=services.get(c.id, ""),
    )


class _Lookup:
    """The fair's pavilions, booths, product counts and services, loaded once."""

    def __init__(self, session: Session, fair_id: int) -> None:
        self.pavilions = {
            p.id: p
            for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))
            if p.id is not None
        }
        self.booths = {
            b.id: b.key
            for b in session.exec(select(Booth).where(Booth.fair_id == fair_id))
            if b.id is not None
        }
        self.products = _product_counts(session, fair_id)
        self.services: dict[int, str] = {}
        for company_id, service in session.exec(
            select(Participant.company_id, Participant.service).where(
                Participant.fair_id == fair_id, Participant.service != ""
            )
        ):
            self.services.setdefault(company_id, service)

    def card(self, c: Company) -> CompanyCard:
        return _card(c, self.pavilions, self.booths, self.products, self.services)


def _pavilion_card(p: Pavilion, members: list[CompanyCard]) -> PavilionCard:
    assert p.id is not None
    sectors = Counter(s for c in members for s in c.sectors)
    return PavilionCard(
        id=p.id,
        key=p.key,
        name=p.name,
        country=p.country,
        flag=flag(p.country),
        exhibitors=sum(1 for c in members if c.role == Role.EXHIBITOR),
        services=sum(1 for c in members if c.role == Role.SERVICE),
        products=sum(c.products for c in members),
        sectors=tuple(sectors.most_common(5)),
    )


def floor(session: Session, fair_id: int) -> Floor:
    """The fair's pavilions with their exhibitors, services, products and top sectors."""
    fair = get_fair(session, fair_id)
    lookup = _Lookup(session, fair_id)
    cards = [
        lookup.card(c) for c in session.exec(select(Company).where(Company.fair_id == fair_id))
    ]
    by_pavilion: dict[int, list[CompanyCard]] = {}
    for c in cards:
        if c.pavilion_id is not None:
            by_pavilion.setdefault(c.pavilion_id, []).append(c)
    pavilions = tuple(
        _pavilion_card(p, by_pavilion.get(pid, []))
        for pid, p in sorted(lookup.pavilions.items(), key=lambda kv: kv[1].key)
    )
    return Floor(
        fair=fair,
        pavilions=pavilions,
        companies=len(cards),
        exhibitors=sum(1 for c in cards if c.role == Role.EXHIBITOR),
        buyers=sum(1 for c in cards if c.role == Role.BUYER),
        products=sum(lookup.products.values()),
        countries=tuple(sorted({c.country for c in cards if c.country})),
        sectors=tuple(sorted({s for c in cards for s in c.sectors})),
    )


def pavilion(session: Session, fair_id: int, pavilion_id: int) -> PavilionView:
    """A pavilion and the companies in it (exhibitors first, then services)."""
    fair = get_fair(session, fair_id)
    found = session.get(Pavilion, pavilion_id)
    if found is None or found.fair_id != fair_id:
        raise NotFound(f"no pavilion {pavilion_id} at this fair")
    lookup = _Lookup(session, fair_id)
    cards = [
        lookup.card(c)
        for c in session.exec(
            select(Company).where(Company.fair_id == fair_id, Company.pavilion_id == pavilion_id)
        )
    ]
    order = {Role.EXHIBITOR: 0, Role.SERVICE: 1}
    cards.sort(key=lambda c: (order.get(Role(c.role), 2), c.booth or "~", c.name))
    return PavilionView(fair=fair, pavilion=_pavilion_card(found, cards), companies=tuple(cards))


def _product_card(p: Product, company: str) -> ProductCard:
    assert p.id is not None
    return ProductCard(
        id=p.id,
        key=p.key,
        name=p.name,
        description=p.description,
        sector=p.sector,
        origin=p.origin,
        price_min=p.price_min,
        price_max=p.price_max,
        currency=p.currency,
        moq=p.moq,
        certifications=tuple(p.certifications),
        company_id=p.company_id,
        company=company,
    )


def booth(
    session: Session,
    fair_id: int,
    company_id: int,
    *,
    with_people: bool = False,
    viewer: Participant | None = None,
) -> BoothView:
    """A company's stand: its profile, its products and (if `with_people`) its people,
    marking those `viewer` already has a request with (either of them asked)."""
    fair = get_fair(session, fair_id)
    company = session.get(Company, company_id)
    if company is None or company.fair_id != fair_id:
        raise NotFound(f"no company {company_id} at this fair")
    lookup = _Lookup(session, fair_id)
    products = tuple(
        _product_card(p, company.name)
        for p in session.exec(
            select(Product).where(Product.company_id == company_id).order_by(col(Product.key))
        )
    )
    people: tuple[Person, ...] = ()
    if with_people:
        asked: set[int] = set()
        if viewer is not None and viewer.id is not None:
            asked = requested_people(session, viewer)
        people = tuple(
            Person(
                key=p.key,
                name=p.name,
                languages=tuple(p.languages),
                service=p.service,
                requested=p.id in asked,
            )
            for p in session.exec(
                select(Participant)
                .where(Participant.company_id == company_id)
                .order_by(col(Participant.key))
            )
        )
    return BoothView(fair=fair, company=lookup.card(company), products=products, people=people)


def catalogue(
    session: Session,
    fair_id: int,
    query: str = "",
    *,
    pavilion_id: int | None = None,
    country: str = "",
    sector: str = "",
    kind: str = "",
    page: int = 1,
    per_page: int = search.PER_PAGE,
) -> CataloguePage:
    """One page of search results with each hit's company and product loaded."""
    fair = get_fair(session, fair_id)
    results = search.search(
        session,
        fair_id,
        query,
        pavilion_id=pavilion_id,
        country=country,
        sector=sector,
        kind=kind,
        page=page,
        per_page=per_page,
    )
    lookup = _Lookup(session, fair_id)
    company_ids = {h.company_id for h in results.hits}
    product_ids = [h.ref_id for h in results.hits if h.kind == "product"]
    companies = {
        c.id: lookup.card(c)
        for c in session.exec(select(Company).where(col(Company.id).in_(company_ids)))
    }
    products = {
        p.id: _product_card(p, companies[p.company_id].name)
        for p in session.exec(select(Product).where(col(Product.id).in_(product_ids)))
    }
    hits = tuple(
        CatalogueHit(
            kind=h.kind,
            in_name=h.in_name,
            company=companies[h.company_id],
            product=products.get(h.ref_id) if h.kind == "product" else None,
        )
        for h in results.hits
        if h.company_id in companies
    )
    profile = session.exec(
        select(Company.country, Company.sectors).where(Company.fair_id == fair_id)
    ).all()
    return CataloguePage(
        fair=fair,
        results=results,
        hits=hits,
        pavilions=tuple(
            (pid, p.name) for pid, p in sorted(lookup.pavilions.items(), key=lambda kv: kv[1].key)
        ),
        countries=tuple(sorted({country for country, _ in profile if country})),
        sectors=tuple(sorted({s for _, sectors in profile for s in sectors})),
    )
