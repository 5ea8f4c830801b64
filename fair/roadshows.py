"""Roadshows and livestreams: one-to-many sessions (pitch, product launch) on a pavilion's
stage. This module owns the scheduling rules: checking and storing a roadshow, looking
one up, cancelling it.

An exhibitor's participant (or the organiser for them) schedules a roadshow on the stage
of a pavilion, inside the fair's hours; it may not overlap another roadshow on that
stage, another roadshow of the presenter, or a meeting of the presenter in the published
schedule (the error names the meeting). The presenter is then busy for the session:
`fair.planning.build_problem` adds every roadshow that is not cancelled to the
presenter's busy times, so the solver never puts a meeting on top of it.

How viewers find and follow roadshows (the programme, a roadshow's page, attending and
calendar rows) is `fair.programme`; the live session itself (audience, questions,
purchase interest, the dashboard's totals) is `fair.stage`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from fair.catalogue import get_fair
from fair.errors import Forbidden, NotFound
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
    RoadshowStatus,
    Role,
    utcnow,
)
from fair.requests import FieldError, whole_number
from fair.versions import published_version

ID = re.compile(r"[0-9]{1,9}")  # a database id as text (ASCII digits, fits an INTEGER)
TITLE_MAX = 120
DESCRIPTION_MAX = 2000
PRODUCTS_MAX = 20
MIN_MINUTES = 10
MAX_MINUTES = 240
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
    fair = get_fair(session, fair_id)
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
