"""Roadshows and livestreams: one-to-many sessions (pitch, product launch) on a pavilion's
stage.

An exhibitor's participant (or the organiser for them) schedules a roadshow on the stage
of a pavilion, inside the fair's hours; it may not overlap another roadshow on that
stage, another roadshow of the presenter, or a meeting of the presenter in the published
schedule (the error names the meeting). The presenter is then busy for the session:
`fair.planning.build_problem` adds every roadshow that is not cancelled to the
presenter's busy times, so the solver never puts a meeting on top of it.

Viewers (participants of the fair) register to attend (the roadshow is then in their
calendar), join the live audience up to the roadshow's limit, ask questions, and register
purchase interest in a shown product — once per viewer, product and roadshow, so a
retried submission counts once. `livestream_totals` is what the organiser's dashboard
shows. Everything lives in the database, so every server process sees the same audience;
each process's share of it is kept apart (`fair.presence`), so the viewers of a process
that died stop counting and their places are free again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from fair.db import session_scope
from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.instances import STAGE, count_in, count_out, hold_instance
from fair.models import (
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Participant,
    Pavilion,
    Product,
    RequestAttendee,
    Roadshow,
    RoadshowInterest,
    RoadshowQuestion,
    RoadshowStatus,
    RoadshowViewer,
    Role,
    utcnow,
)
from fair.planning import published_version
from fair.requests import FieldError, whole_number
from fair.tokens import token_is_live

ID = re.compile(r"[0-9]{1,9}")  # a database id as text (ASCII digits, fits an INTEGER)
TITLE_MAX = 120
DESCRIPTION_MAX = 2000
QUESTION_MAX = 500
NOTE_MAX = 300
QUANTITY_MAX = 10_000_000
PRODUCTS_MAX = 20
MIN_MINUTES = 10
MAX_MINUTES = 240
QUESTION_HISTORY = 100
OPEN = (RoadshowStatus.SCHEDULED, RoadshowStatus.LIVE)  # statuses that take the stage


@dataclass(frozen=True)
class RoadshowInput:
    """A roadshow as a form submits it (texts), checked by `schedule_roadshow`."""

    presenter: str  # the presenter's participant id at the fair
    pavilion: str = ""  # pavilion id (database id as text); empty = the company's pavilion
    title: str = ""
    description: str = ""
    day: str = "1"  # 1-based fair day
    start: str = ""  # "HH:MM" on the fair's clock
    minutes: str = "30"
    products: tuple[str, ...] = ()  # product ids (database ids as text)
    audience_limit: str = ""


# ---------------------------------------------------------------------------- scheduling


def _fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def _hhmm(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b %H:%M}"


def _span(start: datetime, end: datetime, zone: str) -> str:
    return f"{_hhmm(start, zone)}–{end.astimezone(ZoneInfo(zone)):%H:%M}"


def presenter_meetings(
    session: Session, fair_id: int, participant_id: int, start: datetime, end: datetime
) -> list[tuple[Meeting, MeetingRequest]]:
    """Published meetings of `participant_id` (either side, a colleague or the third
    seat) that overlap [start, end)."""
    version = published_version(session, fair_id)
    if version is None:
        return []
    attended = select(RequestAttendee.request_id).where(
        RequestAttendee.participant_id == participant_id
    )
    rows = session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(
            Meeting.version_id == version.id,
            col(Meeting.status) != MeetingStatus.CANCELLED,
            col(Meeting.start) < end,
            col(Meeting.end) > start,
            or_(
                col(MeetingRequest.from_id) == participant_id,
                col(MeetingRequest.to_id) == participant_id,
                col(Meeting.third_seat_id) == participant_id,
                col(MeetingRequest.id).in_(attended),
            ),
        )
        .order_by(col(Meeting.start))
    ).all()
    return [(m, r) for m, r in rows]


def _meeting_label(session: Session, request: MeetingRequest) -> str:
    names = []
    for pid in (request.from_id, request.to_id):
        person = session.get(Participant, pid)
        company = session.get(Company, person.company_id) if person else None
        names.append(f"{person.name} ({company.name})" if person and company else "?")
    return f"{names[0]} with {names[1]} (request {request.key})"


def _parse_times(
    fair: Fair, day_text: str, start_text: str, minutes_text: str
) -> tuple[datetime, datetime]:
    day = whole_number("day", day_text, 1, fair.days)
    try:
        clock = time.fromisoformat(start_text.strip())
    except (ValueError, AttributeError):
        raise FieldError("start", "a time of day as HH:MM on the fair's clock") from None
    minutes = whole_number("minutes", minutes_text, MIN_MINUTES, MAX_MINUTES)
    zone = ZoneInfo(fair.timezone)
    on: date = fair.start + timedelta(days=day - 1)
    start = datetime.combine(on, clock, zone)
    end = start + timedelta(minutes=minutes)
    opens = datetime.combine(on, fair.day_start, zone)
    closes = datetime.combine(on, fair.day_end, zone)
    if start < opens or end > closes:
        raise FieldError(
            "start",
            f"the fair is open {fair.day_start:%H:%M}–{fair.day_end:%H:%M} ({fair.timezone}); "
            f"{clock:%H:%M} for {minutes} minutes does not fit",
        )
    return start.astimezone(UTC), end.astimezone(UTC)


def check_slot(
    session: Session,
    fair: Fair,
    pavilion: Pavilion,
    presenter: Participant,
    start: datetime,
    end: datetime,
    ignore: int | None = None,
) -> None:
    """Raise FieldError("start", ...) when the stage or the presenter is taken then."""
    assert fair.id is not None and presenter.id is not None
    others = session.exec(
        select(Roadshow).where(
            Roadshow.fair_id == fair.id,
            col(Roadshow.status).in_(OPEN),
            col(Roadshow.start) < end,
            col(Roadshow.end) > start,
            or_(
                col(Roadshow.pavilion_id) == pavilion.id,
                col(Roadshow.presenter_id) == presenter.id,
            ),
        )
    ).all()
    for other in others:
        if other.id == ignore:
            continue
        when = _span(other.start, other.end, fair.timezone)
        if other.pavilion_id == pavilion.id:
            raise FieldError(
                "start", f"the {pavilion.name} stage is taken by “{other.title}” at {when}"
            )
        raise FieldError("start", f"{presenter.name} presents “{other.title}” at {when}")
    clashes = presenter_meetings(session, fair.id, presenter.id, start, end)
    if clashes:
        meeting, request = clashes[0]
        raise FieldError(
            "start",
            f"{presenter.name} has a meeting then: {_meeting_label(session, request)} at "
            f"{_span(meeting.start, meeting.end, fair.timezone)} ({fair.timezone})",
        )


def schedule_roadshow(
    session: Session,
    fair_id: int,
    data: RoadshowInput,
    *,
    company_id: int | None = None,
    max_audience: int = 50,
) -> Roadshow:
    """Check and store a new roadshow (the caller commits).

    Args:
        fair_id: the fair.
        data: the form's texts.
        company_id: when a participant schedules, their company (the presenter must be
            one of its people); None for the organiser, who schedules for anyone.
        max_audience: the `stage.audience_limit` setting (the roadshow's own limit is at
            most this; empty means this).

    Raises FieldError naming the field at fault (`presenter`, `pavilion`, `title`, `day`,
    `start`, `minutes`, `products`, `audience_limit`).
    """
    fair = _fair(session, fair_id)
    key = data.presenter.strip()
    presenter = session.exec(
        select(Participant).where(Participant.fair_id == fair_id, Participant.key == key)
    ).first()
    if presenter is None or not key:
        raise FieldError("presenter", f"no participant {key!r} at this fair")
    if company_id is not None and presenter.company_id != company_id:
        raise FieldError("presenter", f"{presenter.name} is not in your company")
    company = session.get(Company, presenter.company_id)
    assert company is not None and company.id is not None
    if company.role != Role.EXHIBITOR:
        raise FieldError("presenter", f"{company.name} is not an exhibitor; exhibitors present")
    pavilion_text = data.pavilion.strip()
    pavilion_id = int(pavilion_text) if ID.fullmatch(pavilion_text) else None
    if not pavilion_text:
        pavilion_id = company.pavilion_id
    pavilion = session.get(Pavilion, pavilion_id) if pavilion_id is not None else None
    if pavilion is None or pavilion.fair_id != fair_id:
        raise FieldError("pavilion", "choose the pavilion whose stage you present on")
    title = data.title.strip()
    if not title or len(title) > TITLE_MAX:
        raise FieldError("title", f"1–{TITLE_MAX} characters")
    description = data.description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise FieldError("description", f"at most {DESCRIPTION_MAX} characters")
    start, end = _parse_times(fair, data.day, data.start, data.minutes)
    limit = (
        whole_number("audience_limit", data.audience_limit, 1, max_audience)
        if data.audience_limit.strip()
        else max_audience
    )
    wanted = []
    for text in data.products:
        if not ID.fullmatch(text.strip()):
            raise FieldError("products", f"not a product: {text!r}")
        wanted.append(int(text))
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > PRODUCTS_MAX:
        raise FieldError("products", f"at most {PRODUCTS_MAX} products")
    if wanted:
        found = set(
            session.exec(
                select(Product.id).where(
                    col(Product.id).in_(wanted), Product.company_id == company.id
                )
            )
        )
        missing = [p for p in wanted if p not in found]
        if missing:
            raise FieldError("products", f"product {missing[0]} is not one of {company.name}'s")
    check_slot(session, fair, pavilion, presenter, start, end)
    assert presenter.id is not None and pavilion.id is not None
    show = Roadshow(
        fair_id=fair_id,
        company_id=company.id,
        presenter_id=presenter.id,
        pavilion_id=pavilion.id,
        title=title,
        description=description,
        start=start,
        end=end,
        products=wanted,
        audience_limit=limit,
    )
    session.add(show)
    session.flush()
    return show


def get_roadshow(session: Session, roadshow_id: int, fair_id: int | None = None) -> Roadshow:
    show = session.get(Roadshow, roadshow_id)
    if show is None or (fair_id is not None and show.fair_id != fair_id):
        raise NotFound("no such roadshow")
    return show


def cancel_roadshow(
    session: Session, roadshow_id: int, company_id: int | None = None, fair_id: int | None = None
) -> Roadshow:
    """Cancel a roadshow (the caller commits); a participant only their company's."""
    show = get_roadshow(session, roadshow_id, fair_id)
    if company_id is not None and show.company_id != company_id:
        raise Forbidden("only the presenting company cancels its roadshow")
    if show.status == RoadshowStatus.CANCELLED:
        return show
    show.status = RoadshowStatus.CANCELLED
    show.sequence += 1
    show.updated_at = utcnow()
    session.add(show)
    session.flush()
    return show


# ---------------------------------------------------------------------------- programme


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


def _items(session: Session, shows: list[Roadshow]) -> list[Item]:
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
    fair = _fair(session, fair_id)
    query = select(Roadshow).where(
        Roadshow.fair_id == fair_id, col(Roadshow.status) != RoadshowStatus.CANCELLED
    )
    if pavilion_id is not None:
        query = query.where(Roadshow.pavilion_id == pavilion_id)
    if company_id is not None:
        query = query.where(Roadshow.company_id == company_id)
    shows = list(session.exec(query.order_by(col(Roadshow.start), col(Roadshow.id))))
    items = _items(session, shows)
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
    return _items(session, list(session.exec(query.order_by(col(Roadshow.start)))))


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
    item = _items(session, [show])[0]
    attending = False
    interested: frozenset[int] = frozenset()
    if viewer is not None:
        row = _viewer_row(session, show, viewer.id, create=False)
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
        fair=_fair(session, show.fair_id),
        item=item,
        products=tuple(shown_products(session, show)),
        attending=attending,
        presenter=viewer is not None and viewer.id == show.presenter_id,
        own_company=viewer is not None and viewer.company_id == show.company_id,
        interested=interested,
    )


# ---------------------------------------------------------------------------- attending


def _viewer_row(
    session: Session, show: Roadshow, participant_id: int | None, create: bool = True
) -> RoadshowViewer | None:
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
    row = _viewer_row(session, show, person.id)
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
    items = {i.id: i for i in _items(session, [s for s, _ in rows])}
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
    items = {i.id: i for i in _items(session, shows)}
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


# ---------------------------------------------------------------------------- live stage


def stage_room(roadshow_id: int) -> str:
    """Everyone on a roadshow's live stage (socket.io room name)."""
    return f"stage:{roadshow_id}"


def stage_presenter_room(roadshow_id: int) -> str:
    """The presenter's connections on a roadshow's stage (socket.io room name)."""
    return f"stage:{roadshow_id}:presenter"


@dataclass(frozen=True)
class LiveStage:
    """What the live stage needs about a roadshow; does not change while it runs."""

    id: int
    uid: str
    fair_id: int
    title: str
    company_id: int
    company: str
    presenter_id: int
    presenter: str
    presenter_key: str
    start: datetime
    end: datetime
    audience_limit: int


def stage_for(
    session: Session, roadshow_id: int, participant_id: int | None, token_hash: str = ""
) -> tuple[LiveStage, str]:
    """The stage of `roadshow_id` and the asker's role there: "presenter", "viewer" or,
    with `participant_id=None`, "observer" (the organiser). Participants need a live
    sign-in link and must be of the roadshow's fair."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        raise NotFound("no such roadshow")
    role = "observer"
    if participant_id is not None:
        if not token_is_live(session, participant_id, token_hash):
            raise Forbidden("your link was replaced, revoked or has expired; open the new one")
        person = session.get(Participant, participant_id)
        if person is None or person.fair_id != show.fair_id:
            raise NotFound("no such roadshow")
        role = "presenter" if person.id == show.presenter_id else "viewer"
    if show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    item = _items(session, [show])[0]
    assert show.id is not None
    return (
        LiveStage(
            id=show.id,
            uid=show.uid,
            fair_id=show.fair_id,
            title=show.title,
            company_id=show.company_id,
            company=item.company,
            presenter_id=show.presenter_id,
            presenter=item.presenter,
            presenter_key=item.presenter_key,
            start=show.start,
            end=show.end,
            audience_limit=show.audience_limit,
        ),
        role,
    )


def audience(session: Session, roadshow_id: int) -> int:
    """Viewers in the live audience now (the presenter not counted)."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        return 0
    count = session.exec(
        select(func.count())
        .select_from(RoadshowViewer)
        .where(
            RoadshowViewer.roadshow_id == roadshow_id,
            col(RoadshowViewer.connections) > 0,
            col(RoadshowViewer.participant_id) != show.presenter_id,
        )
    ).one()
    return int(count)


def enter(
    session: Session,
    stage: LiveStage,
    participant_id: int,
    now: datetime,
    instance: str | None = None,
    recount: bool = False,
) -> int:
    """Count one more connection of `participant_id` in the audience (the caller
    commits), held by server process `instance` (see `fair.presence.count_in`); returns
    the audience. A viewer not yet in it is refused with Conflict when the audience is
    full, unless `recount` (a viewer who was in it already, counted again by a process
    that had been taken for dead). On PostgreSQL the roadshow row is locked so two
    viewers cannot take the last place at once (SQLite serialises writers anyway)."""
    hold_instance(session, instance, now)
    session.exec(select(Roadshow.id).where(Roadshow.id == stage.id).with_for_update()).first()
    show = session.get(Roadshow, stage.id)
    assert show is not None
    row = _viewer_row(session, show, participant_id)
    assert row is not None
    newcomer = participant_id != stage.presenter_id and row.connections <= 0
    if newcomer and not recount and audience(session, stage.id) >= stage.audience_limit:
        raise Conflict(
            f"the audience is full ({stage.audience_limit} viewers); try again in a moment"
        )
    count_in(session, instance, STAGE, stage.id, participant_id)
    row.connections = max(row.connections, 0) + 1
    row.first_joined_at = row.first_joined_at or now
    row.last_joined_at = now
    session.add(row)
    session.flush()
    return audience(session, stage.id)


def leave(
    session: Session, stage: LiveStage, participant_id: int, instance: str | None = None
) -> int:
    """Count one connection less (the caller commits); returns the audience. A
    connection of `instance` that a sweep already took off is not taken off twice."""
    session.exec(select(Roadshow.id).where(Roadshow.id == stage.id).with_for_update()).first()
    show = session.get(Roadshow, stage.id)
    if show is not None:
        row = _viewer_row(session, show, participant_id, create=False)
        if row is not None and count_out(session, instance, STAGE, stage.id, participant_id):
            row.connections = max(row.connections - 1, 0)
            session.add(row)
            session.flush()
    return audience(session, stage.id)


def set_live(session: Session, stage: LiveStage, live: bool) -> str:
    """The presenter starts or ends the session (the caller commits); returns the status."""
    show = session.get(Roadshow, stage.id)
    if show is None or show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    show.status = RoadshowStatus.LIVE if live else RoadshowStatus.ENDED
    session.add(show)
    session.flush()
    return str(show.status)


def _question_view(q: RoadshowQuestion) -> dict[str, object]:
    return {"id": q.id, "author": q.author, "text": q.text, "at": q.sent_at.isoformat()}


def add_question(
    session: Session,
    stage: LiveStage,
    text: str,
    participant_id: int | None,
    organiser_id: int | None = None,
) -> dict[str, object]:
    """Store a question (the caller commits) and return it as sent to the room."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("text: the question is empty")
    if len(text) > QUESTION_MAX:
        raise InvalidInput(f"text: at most {QUESTION_MAX} characters")
    author = "Organiser"
    if participant_id is not None:
        person = session.get(Participant, participant_id)
        assert person is not None
        company = session.get(Company, person.company_id)
        author = f"{person.name} ({company.name})" if company else person.name
    line = RoadshowQuestion(
        roadshow_id=stage.id,
        participant_id=participant_id,
        organiser_id=organiser_id,
        author=author,
        text=text,
    )
    session.add(line)
    session.flush()
    return _question_view(line)


def questions(session: Session, roadshow_id: int) -> list[dict[str, object]]:
    rows = session.exec(
        select(RoadshowQuestion)
        .where(RoadshowQuestion.roadshow_id == roadshow_id)
        .order_by(col(RoadshowQuestion.sent_at).desc(), col(RoadshowQuestion.id).desc())
        .limit(QUESTION_HISTORY)
    ).all()
    return [_question_view(q) for q in reversed(rows)]


# ---------------------------------------------------------------------------- interest


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


def _interest_view(row: RoadshowInterest, product: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "product": row.product_id,
        "product_name": product,
        "quantity": row.quantity,
        "note": row.note,
        "at": row.created_at.isoformat(),
    }


def record_interest(
    session: Session, stage: LiveStage, participant_id: int, data: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Register purchase interest of a viewer in a shown product (the caller commits);
    returns its view and whether it is new (a retry returns the stored one)."""
    person = session.get(Participant, participant_id)
    if person is None:
        raise NotFound("no such participant")
    if person.company_id == stage.company_id:
        raise Forbidden("the presenting company does not register interest in its own products")
    show = session.get(Roadshow, stage.id)
    assert show is not None
    if show.status == RoadshowStatus.CANCELLED:
        raise Conflict("this roadshow was cancelled")
    raw = data.get("product")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not ID.fullmatch(str(raw)):
        raise InvalidInput("product: expected a product shown on this roadshow")
    product_id = int(raw)
    if product_id not in show.products:
        raise InvalidInput("product: not a product shown on this roadshow")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("no such product")
    quantity_raw = data.get("quantity")
    quantity = None
    if quantity_raw not in (None, ""):
        quantity = whole_number("quantity", quantity_raw, 1, QUANTITY_MAX)
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters")
    existing = session.exec(
        select(RoadshowInterest).where(
            RoadshowInterest.roadshow_id == stage.id,
            RoadshowInterest.participant_id == participant_id,
            RoadshowInterest.product_id == product_id,
        )
    ).first()
    if existing is not None:
        return _interest_view(existing, product.name), False
    row = RoadshowInterest(
        roadshow_id=stage.id,
        participant_id=participant_id,
        product_id=product_id,
        quantity=quantity,
        note=note.strip(),
    )
    session.add(row)
    session.flush()
    return _interest_view(row, product.name), True


def record_interest_once(
    engine: Engine, stage: LiveStage, participant_id: int, data: Mapping[str, Any]
) -> tuple[dict[str, Any], bool, dict[int, int]]:
    """Record and commit; when two submissions race, the loser reads the winner's row.
    Also returns the roadshow's counts per product after the commit."""
    for attempt in (1, 2):
        try:
            with session_scope(engine) as session:
                view, created = record_interest(session, stage, participant_id, data)
            with Session(engine) as session:
                show = session.get(Roadshow, stage.id)
                assert show is not None
                counts = interest_counts(session, show)
            return view, created, counts
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def livestream_totals(session: Session, fair_id: int) -> dict[str, Any]:
    """The dashboard's livestream figures: purchase interest per roadshow and product
    (roadshows with none are left out), the total, and the live audience now."""
    shows = {
        s.id: s
        for s in session.exec(
            select(Roadshow).where(
                Roadshow.fair_id == fair_id, col(Roadshow.status) != RoadshowStatus.CANCELLED
            )
        )
    }
    if not shows:
        return {"interests": 0, "viewers_now": 0, "live": 0, "rows": []}
    counts = session.exec(
        select(
            RoadshowInterest.roadshow_id,
            RoadshowInterest.product_id,
            func.count(),
            func.coalesce(func.sum(RoadshowInterest.quantity), 0),
        )
        .where(col(RoadshowInterest.roadshow_id).in_(list(shows)))
        .group_by(col(RoadshowInterest.roadshow_id), col(RoadshowInterest.product_id))
    ).all()
    names = {
        p.id: p.name
        for p in session.exec(
            select(Product).where(col(Product.id).in_({pid for _, pid, _, _ in counts}))
        )
    }
    companies = {
        c.id: c.name
        for c in session.exec(
            select(Company).where(col(Company.id).in_({s.company_id for s in shows.values()}))
        )
    }
    rows: list[dict[str, Any]] = [
        {
            "roadshow": rid,
            "title": shows[rid].title,
            "company": companies.get(shows[rid].company_id, ""),
            "product": pid,
            "product_name": names.get(pid, ""),
            "interests": int(n),
            "quantity": int(q or 0),
        }
        for rid, pid, n, q in counts
    ]
    rows.sort(key=lambda r: (-r["interests"], r["title"], r["product_name"]))
    viewers = session.exec(
        select(func.count())
        .select_from(RoadshowViewer)
        .where(
            col(RoadshowViewer.roadshow_id).in_(list(shows)),
            col(RoadshowViewer.connections) > 0,
        )
    ).one()
    live = sum(1 for s in shows.values() if s.status == RoadshowStatus.LIVE)
    return {
        "interests": sum(r["interests"] for r in rows),
        "viewers_now": int(viewers),
        "live": live,
        "rows": rows,
    }
