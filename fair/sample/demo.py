"""The demo fair: generate a seed-modelled fair starting today, import, schedule, publish,
and hand out an organiser login and participants' sign-in links.

Used by `fair demo`; everything goes through the same code paths as a real fair.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    Participant,
    Product,
    Role,
    TokenKind,
)
from fair.publishing import publish
from fair.roadshows import RoadshowInput, schedule_roadshow
from fair.sample.generate import generate, write
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
class Demo:
    fair_id: int
    fair_name: str
    organiser_email: str
    organiser_password: str
    participants: tuple[DemoParticipant, ...]
    figures: dict[str, object]


def prepare_demo(
    engine: Engine,
    scale: str = "video",
    seed: int = 1,
    options: sp.Options | None = None,
    start: date | None = None,
    log: Callable[[str], None] | None = None,
) -> Demo:
    """Build the demo fair in `engine` (an empty database) and return how to sign in."""
    say = log or (lambda _m: None)
    say(f"generating a {scale} fair (seed {seed}) starting {start or date.today()} ...")
    generated = generate(scale, seed, start or date.today())  # type: ignore[arg-type]
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
        create_organiser(session, ORGANISER_EMAIL, password, "Demo organiser")
        people = _showcase(session, summary.fair_id)
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
    return Demo(
        fair_id=summary.fair_id,
        fair_name=summary.fair_name,
        organiser_email=ORGANISER_EMAIL,
        organiser_password=password,
        participants=handed,
        figures=figures,
    )


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


def _showcase(session: Session, fair_id: int) -> list[tuple[Participant, str]]:
    """Two people who meet each other online in the published schedule: an exhibitor
    and a buyer in different time zones if possible, so both agendas are worth a look."""
    version = published_version(session, fair_id)
    assert version is not None
    meetings = session.exec(
        select(Meeting).where(Meeting.version_id == version.id).order_by(col(Meeting.start))
    ).all()
    best: tuple[Participant, Participant] | None = None
    for m in meetings:
        request = session.get(MeetingRequest, m.request_id)
        assert request is not None
        a = session.get(Participant, request.from_id)
        b = session.get(Participant, request.to_id)
        assert a is not None and b is not None
        if best is None:
            best = (a, b)
        if m.place_kind == "online" and a.timezone != b.timezone:
            best = (a, b)
            break
    if best is None:
        raise RuntimeError("the demo schedule has no meetings")
    out = []
    for person in best:
        company = session.get(Company, person.company_id)
        assert company is not None
        out.append((person, f"{company.name} ({Role(company.role).value}, {company.country})"))
    return out
