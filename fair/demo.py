"""The demo fair: generate a seed-modelled fair starting today, import, schedule, publish,
and hand out an organiser login and participants' sign-in links.

Used by `fair demo`; everything goes through the same code paths as a real fair.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import scheduler.problem as sp
from fair.accounts import create_organiser
from fair.db import session_scope
from fair.generate import generate, write
from fair.importer import read_directory
from fair.loader import import_files
from fair.models import Company, Meeting, MeetingRequest, Participant, Role, TokenKind
from fair.planning import published_version
from fair.publishing import publish
from fair.scheduling import schedule_fair
from fair.tokens import issue_token

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
