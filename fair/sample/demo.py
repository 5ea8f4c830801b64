"""The demo fair: generate a seed-modelled fair running now, import, schedule, publish,
and hand out an organiser login, participants' sign-in links and a meeting that is live.

Used by `fair demo`; everything goes through the same code paths as a real fair. Unless
a fixed `start` date is asked for, the fair's day is placed around `now` in the fair's
own zone (`fair.sample.live`), so meetings are running when the demo opens.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.accounts import create_organiser
from fair.db import session_scope
from fair.importer import read_directory
from fair.loader import import_files
from fair.models import (
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Participant,
    Product,
    Role,
    TokenKind,
)
from fair.publishing import MAIL_NONE, mark_mail, publish
from fair.roadshows import RoadshowInput, schedule_roadshow
from fair.sample import live
from fair.sample.generate import generate, write
from fair.sample.scales import SPECS
from fair.scheduling import schedule_fair
from fair.tokens import issue_token
from fair.versions import published_version

ORGANISER_EMAIL = "organiser@demo.fair"


@dataclass(frozen=True)
class DemoParticipant:
    key: str
    name: str
    company: str
    timezone: str
    token: str


@dataclass(frozen=True)
class LiveMeeting:
    """A published meeting running at the demo's `now`: its room (`/rooms/{uid}`), when
    it ends, and which of the demo's participants (an index into `participants`) is in it."""

    uid: str
    start: datetime
    end: datetime
    participant: int


@dataclass(frozen=True)
class Demo:
    fair_id: int
    fair_name: str
    fair_timezone: str
    organiser_email: str
    organiser_password: str
    participants: tuple[DemoParticipant, ...]
    figures: dict[str, object]
    live: LiveMeeting | None = None


def prepare_demo(
    engine: Engine,
    scale: str = "video",
    seed: int = 1,
    options: sp.Options | None = None,
    start: date | None = None,
    log: Callable[[str], None] | None = None,
    now: datetime | None = None,
) -> Demo:
    """Build the demo fair in `engine` (an empty database) and return how to sign in.

    With `start`, the fair keeps its scale's hours from that date on. Otherwise its day
    is placed around `now` (default: the current time) in the fair's zone, and the
    result names a meeting running at `now` and one of its participants.
    """
    say = log or (lambda _m: None)
    moment = now or datetime.now(UTC)
    if start is not None:
        say(f"generating a {scale} fair (seed {seed}) starting {start} ...")
        generated = generate(scale, seed, start)  # type: ignore[arg-type]
    else:
        spec = SPECS[scale]
        day = live.live_day(spec, moment)
        placed = live.describe(day, spec.timezone)
        say(f"generating a {scale} fair (seed {seed}) around now: {placed} ...")
        generated = live.move(generate(scale, seed, day.start), day.shift)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        write(generated, Path(tmp))
        summary = import_files(engine, read_directory(Path(tmp)))
    say(summary.describe())
    with session_scope(engine) as session:
        shows = _roadshows(session, summary.fair_id)
    say(f"{shows} roadshows on the pavilions' stages on day 1 (busy for their presenters)")
    opts = options or sp.Options(time_limit=20.0, workers=2, seed=0)
    say(f"scheduling (up to {opts.time_limit:.0f}s) ...")
    number, figures = schedule_fair(engine, summary.fair_id, opts)
    say(f"version {number}: {figures['scheduled']} of {figures['requests']} requests scheduled")
    password = secrets.token_urlsafe(12)
    with session_scope(engine) as session:
        publish(session, summary.fair_id, number)
        # the demo's people are generated: its publication mails nobody
        version = published_version(session, summary.fair_id)
        assert version is not None
        mark_mail(version, MAIL_NONE)
        session.add(version)
        create_organiser(session, ORGANISER_EMAIL, password, "Demo organiser")
        people, running = _showcase(session, summary.fair_id, None if start else moment)
        handed = tuple(
            DemoParticipant(
                key=p.key,
                name=p.name,
                company=company,
                timezone=p.timezone,
                token=issue_token(session, p, TokenKind.MAGIC),
            )
            for p, company in people
        )
        timezone = _fair_timezone(session, summary.fair_id)
    return Demo(
        fair_id=summary.fair_id,
        fair_name=summary.fair_name,
        fair_timezone=timezone,
        organiser_email=ORGANISER_EMAIL,
        organiser_password=password,
        participants=handed,
        figures=figures,
        live=running,
    )


def _fair_timezone(session: Session, fair_id: int) -> str:
    fair = session.get(Fair, fair_id)
    assert fair is not None
    return fair.timezone


def _roadshows(session: Session, fair_id: int, most: int = 4) -> int:
    """Product launches by exhibitors of different pavilions on day 1, an hour apart from
    the fair's second hour, each showing up to three of the company's products. They are
    stored before the schedule is solved, so the solver sees their presenters busy."""
    fair = session.get(Fair, fair_id)
    assert fair is not None
    first = datetime.combine(fair.start, fair.day_start) + timedelta(hours=1)
    exhibitors = session.exec(
        select(Company)
        .where(Company.fair_id == fair_id, Company.role == Role.EXHIBITOR)
        .order_by(col(Company.id))
    ).all()
    seen: set[int | None] = set()
    made = 0
    for company in exhibitors:
        if made == most:
            break
        if company.pavilion_id is None or company.pavilion_id in seen:
            continue
        presenter = session.exec(
            select(Participant)
            .where(Participant.company_id == company.id)
            .order_by(col(Participant.id))
        ).first()
        products = session.exec(
            select(Product.id).where(Product.company_id == company.id).order_by(col(Product.id))
        ).all()[:3]
        if presenter is None or not products:
            continue
        start = first + timedelta(hours=made)
        if start.time() >= fair.day_end:
            break
        schedule_roadshow(
            session,
            fair_id,
            RoadshowInput(
                presenter=presenter.key,
                title=f"{company.name}: new products",
                description="A live product launch with questions from buyers.",
                day="1",
                start=start.strftime("%H:%M"),
                minutes="30",
                products=tuple(str(p) for p in products),
            ),
        )
        seen.add(company.pavilion_id)
        made += 1
    return made


def _showcase(
    session: Session, fair_id: int, now: datetime | None
) -> tuple[list[tuple[Participant, str]], LiveMeeting | None]:
    """Two people who meet each other in the published schedule, in a meeting running at
    `now` when there is one: an online meeting between different time zones if possible,
    so both agendas (and the room) are worth a look. The meeting is returned when live."""
    version = published_version(session, fair_id)
    assert version is not None
    meetings = session.exec(
        select(Meeting)
        .where(Meeting.version_id == version.id, Meeting.status != MeetingStatus.CANCELLED)
        .order_by(col(Meeting.start), col(Meeting.id))
    ).all()
    running = [m for m in meetings if now is not None and m.start <= now < m.end]
    best: tuple[Meeting, Participant, Participant] | None = None
    for m in running or meetings:
        request = session.get(MeetingRequest, m.request_id)
        assert request is not None
        a = session.get(Participant, request.from_id)
        b = session.get(Participant, request.to_id)
        assert a is not None and b is not None
        if best is None:
            best = (m, a, b)
        if m.place_kind == "online" and a.timezone != b.timezone:
            best = (m, a, b)
            break
    if best is None:
        raise RuntimeError("the demo schedule has no meetings")
    meeting, *pair = best
    out = []
    for person in pair:
        company = session.get(Company, person.company_id)
        assert company is not None
        out.append((person, f"{company.name} ({Role(company.role).value}, {company.country})"))
    if not running:
        return out, None
    request = session.get(MeetingRequest, meeting.request_id)
    assert request is not None
    return out, LiveMeeting(uid=request.uid, start=meeting.start, end=meeting.end, participant=0)
