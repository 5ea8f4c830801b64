"""The roadshow programme as viewers find and follow it: roadshows by fair day and
stage, a company's roadshows, one roadshow's page (with the products shown and the
purchase interest in each), registering to attend, and the roadshow rows of the
calendars (`fair.ical`).

Scheduling rules are `fair.roadshows`; the live session is `fair.stage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlmodel import Session, col, func, or_, select

from fair.catalogue import get_fair
from fair.errors import Conflict, NotFound
from fair.models import (
    Company,
    Fair,
    Participant,
    Pavilion,
    Product,
    Roadshow,
    RoadshowInterest,
    RoadshowStatus,
    RoadshowViewer,
    utcnow,
)
from fair.roadshows import get_roadshow


@dataclass(frozen=True)
class Item:
    id: int
    uid: str
    title: str
    description: str
    company_id: int
    company: str
    country: str
    presenter: str
    presenter_key: str
    pavilion_id: int
    pavilion: str
    start: datetime
    end: datetime
    status: str
    products: int
    attending: int
    audience_limit: int


@dataclass(frozen=True)
class Stage:
    pavilion_id: int
    pavilion: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Day:
    number: int
    date: date
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class Programme:
    fair: Fair
    days: tuple[Day, ...]
    count: int


def programme_items(session: Session, shows: list[Roadshow]) -> list[Item]:
    """`shows` as programme items, with their names and attendance read in a few batched
    queries (also what the live stage shows of its roadshow, `fair.stage`)."""
    if not shows:
        return []
    ids = [s.id for s in shows]
    companies = {
        c.id: c
        for c in session.exec(
            select(Company).where(col(Company.id).in_({s.company_id for s in shows}))
        )
    }
    people = {
        p.id: p
        for p in session.exec(
            select(Participant).where(col(Participant.id).in_({s.presenter_id for s in shows}))
        )
    }
    pavilions = {
        p.id: p
        for p in session.exec(
            select(Pavilion).where(col(Pavilion.id).in_({s.pavilion_id for s in shows}))
        )
    }
    attending = dict(
        session.exec(
            select(RoadshowViewer.roadshow_id, func.count())
            .where(col(RoadshowViewer.roadshow_id).in_(ids), col(RoadshowViewer.attending))
            .group_by(col(RoadshowViewer.roadshow_id))
        ).all()
    )
    out = []
    for s in shows:
        assert s.id is not None
        company, person = companies[s.company_id], people[s.presenter_id]
        out.append(
            Item(
                id=s.id,
                uid=s.uid,
                title=s.title,
                description=s.description,
                company_id=s.company_id,
                company=company.name,
                country=company.country,
                presenter=person.name,
                presenter_key=person.key,
                pavilion_id=s.pavilion_id,
                pavilion=pavilions[s.pavilion_id].name,
                start=s.start,
                end=s.end,
                status=s.status,
                products=len(s.products),
                attending=int(attending.get(s.id, 0)),
                audience_limit=s.audience_limit,
            )
        )
    return out


def programme(
    session: Session, fair_id: int, pavilion_id: int | None = None, company_id: int | None = None
) -> Programme:
    """The fair's roadshows (not cancelled) by fair day and stage, in start order."""
    fair = get_fair(session, fair_id)
    query = select(Roadshow).where(
        Roadshow.fair_id == fair_id, col(Roadshow.status) != RoadshowStatus.CANCELLED
    )
    if pavilion_id is not None:
        query = query.where(Roadshow.pavilion_id == pavilion_id)
    if company_id is not None:
        query = query.where(Roadshow.company_id == company_id)
    shows = list(session.exec(query.order_by(col(Roadshow.start), col(Roadshow.id))))
    items = programme_items(session, shows)
    zone = ZoneInfo(fair.timezone)
    by_day: dict[date, dict[int, list[Item]]] = {}
    for item in items:
        on = item.start.astimezone(zone).date()
        by_day.setdefault(on, {}).setdefault(item.pavilion_id, []).append(item)
    days = []
    for on in sorted(by_day):
        stages = [
            Stage(pid, rows[0].pavilion, tuple(rows))
            for pid, rows in sorted(by_day[on].items(), key=lambda kv: kv[1][0].pavilion)
        ]
        days.append(Day((on - fair.start).days + 1, on, tuple(stages)))
    return Programme(fair, tuple(days), len(items))


def company_roadshows(session: Session, fair_id: int, company_id: int | None) -> list[Item]:
    """Every roadshow of a company (or of the fair), cancelled ones too, by start."""
    query = select(Roadshow).where(Roadshow.fair_id == fair_id)
    if company_id is not None:
        query = query.where(Roadshow.company_id == company_id)
    return programme_items(session, list(session.exec(query.order_by(col(Roadshow.start)))))


@dataclass(frozen=True)
class ShownProduct:
    id: int
    name: str
    description: str
    moq: int | None
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str
    interests: int


@dataclass(frozen=True)
class RoadshowPage:
    fair: Fair
    item: Item
    products: tuple[ShownProduct, ...]
    attending: bool
    presenter: bool  # the viewer presents it
    own_company: bool  # the viewer is of the presenting company
    interested: frozenset[int]  # product ids the viewer registered interest in


def interest_counts(session: Session, show: Roadshow) -> dict[int, int]:
    """Product id → viewers who registered interest in it on this roadshow."""
    return {
        int(pid): int(n)
        for pid, n in session.exec(
            select(RoadshowInterest.product_id, func.count())
            .where(RoadshowInterest.roadshow_id == show.id)
            .group_by(col(RoadshowInterest.product_id))
        ).all()
    }


def shown_products(session: Session, show: Roadshow) -> list[ShownProduct]:
    if not show.products:
        return []
    rows = {
        p.id: p for p in session.exec(select(Product).where(col(Product.id).in_(show.products)))
    }
    counts = interest_counts(session, show)
    return [
        ShownProduct(
            id=pid,
            name=rows[pid].name,
            description=rows[pid].description,
            moq=rows[pid].moq,
            price_min=rows[pid].price_min,
            price_max=rows[pid].price_max,
            currency=rows[pid].currency,
            interests=counts.get(pid, 0),
        )
        for pid in show.products
        if pid in rows
    ]


def roadshow_page(
    session: Session, fair_id: int, roadshow_id: int, viewer: Participant | None
) -> RoadshowPage:
    """One roadshow as `viewer` sees it (None: the organiser)."""
    show = get_roadshow(session, roadshow_id, fair_id)
    if viewer is not None and viewer.fair_id != show.fair_id:
        raise NotFound("no such roadshow")
    item = programme_items(session, [show])[0]
    attending = False
    interested: frozenset[int] = frozenset()
    if viewer is not None:
        row = viewer_row(session, show, viewer.id, create=False)
        attending = bool(row and row.attending)
        interested = frozenset(
            session.exec(
                select(RoadshowInterest.product_id).where(
                    RoadshowInterest.roadshow_id == show.id,
                    RoadshowInterest.participant_id == viewer.id,
                )
            )
        )
    return RoadshowPage(
        fair=get_fair(session, show.fair_id),
        item=item,
        products=tuple(shown_products(session, show)),
        attending=attending,
        presenter=viewer is not None and viewer.id == show.presenter_id,
        own_company=viewer is not None and viewer.company_id == show.company_id,
        interested=interested,
    )


# ---------------------------------------------------------------------------- attending


def viewer_row(
    session: Session, show: Roadshow, participant_id: int | None, create: bool = True
) -> RoadshowViewer | None:
    """The viewer's row of `show` (attending and, on the live stage, connections); with
    `create` a new unsaved one when there is none yet."""
    row = session.exec(
        select(RoadshowViewer).where(
            RoadshowViewer.roadshow_id == show.id,
            RoadshowViewer.participant_id == participant_id,
        )
    ).first()
    if row is None and create:
        assert show.id is not None and participant_id is not None
        row = RoadshowViewer(roadshow_id=show.id, participant_id=participant_id)
    return row


def set_attending(
    session: Session, fair_id: int, roadshow_id: int, person: Participant, attending: bool
) -> bool:
    """Register `person` to attend (or not); returns whether anything changed."""
    show = get_roadshow(session, roadshow_id, fair_id)
    if person.fair_id != show.fair_id:
        raise NotFound("no such roadshow")
    if attending and show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    if show.presenter_id == person.id:
        raise Conflict("presenters have their roadshow in their calendar already")
    row = viewer_row(session, show, person.id)
    assert row is not None
    if row.attending == attending and row.id is not None:
        return False
    if not attending and row.id is None:
        return False
    row.attending = attending
    row.attend_changed_at = utcnow()
    session.add(row)
    session.flush()
    return True


@dataclass(frozen=True)
class CalendarShow:
    """A roadshow in a participant's calendar: presented, attended or no longer."""

    show: Roadshow
    company: str
    presenter: str
    pavilion: str
    role: str  # "presenter", "viewer" or "organiser" (the fair-wide calendar)
    cancelled: bool
    stamp: datetime


def calendar_roadshows(session: Session, person: Participant) -> list[CalendarShow]:
    """Roadshows for `person`'s calendar: those they present and those they registered
    to attend; a cancelled roadshow or a withdrawn registration stays (cancelled) so
    subscribed calendars remove it."""
    assert person.id is not None
    # One query for both (calendars are built often, for every subscribed participant).
    rows = session.exec(
        select(Roadshow, RoadshowViewer)
        .join(
            RoadshowViewer,
            and_(
                col(RoadshowViewer.roadshow_id) == col(Roadshow.id),
                col(RoadshowViewer.participant_id) == person.id,
            ),
            isouter=True,
        )
        .where(
            or_(
                col(Roadshow.presenter_id) == person.id,
                col(RoadshowViewer.attend_changed_at).is_not(None),
            )
        )
    ).all()
    if not rows:
        return []
    items = {i.id: i for i in programme_items(session, [s for s, _ in rows])}
    out = []
    for s, v in rows:
        item = items[s.id or 0]
        show_cancelled = s.status == RoadshowStatus.CANCELLED
        if s.presenter_id == person.id:
            out.append(
                CalendarShow(
                    s,
                    item.company,
                    item.presenter,
                    item.pavilion,
                    "presenter",
                    show_cancelled,
                    s.updated_at,
                )
            )
            continue
        assert v is not None and v.attend_changed_at is not None
        out.append(
            CalendarShow(
                s,
                item.company,
                item.presenter,
                item.pavilion,
                "viewer",
                show_cancelled or not v.attending,
                max(s.updated_at, v.attend_changed_at),
            )
        )
    out.sort(key=lambda c: (c.show.start, c.show.uid))
    return out


def fair_calendar_roadshows(session: Session, fair_id: int) -> list[CalendarShow]:
    """Every roadshow of the fair for the organiser's fair-wide calendar; a cancelled one
    stays (cancelled) so subscribed calendars remove it."""
    shows = list(session.exec(select(Roadshow).where(Roadshow.fair_id == fair_id)).all())
    items = {i.id: i for i in programme_items(session, shows)}
    out = [
        CalendarShow(
            s,
            items[s.id or 0].company,
            items[s.id or 0].presenter,
            items[s.id or 0].pavilion,
            "organiser",
            s.status == RoadshowStatus.CANCELLED,
            s.updated_at,
        )
        for s in shows
    ]
    out.sort(key=lambda c: (c.show.start, c.show.uid))
    return out
