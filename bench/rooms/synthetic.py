"""The rooms benchmark's fair: one published online meeting per pair of clients,
running now, a personal sign-in link for every participant and an organiser account
(the benchmark signs them all in through `fair serve`, as their browsers would)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from fair.accounts import create_organiser
from fair.db import open_database
from fair.models import (
    Company,
    Fair,
    Meeting,
    MeetingRequest,
    Participant,
    Pavilion,
    PlaceKind,
    RequestStatus,
    Role,
    ScheduleVersion,
    TokenKind,
    VersionStatus,
)
from fair.tokens import issue_token


def build_fair(url: str, pairs: int) -> dict[str, Any]:
    """A published fair with `pairs` online meetings running now: its id, the organiser's
    e-mail and password, and per pair the room uid and each side's participant id and
    personal-link token."""
    engine = open_database(url)
    try:
        return populate(engine, pairs)
    finally:
        engine.dispose()


def populate(engine: Engine, pairs: int) -> dict[str, Any]:
    """`build_fair` on a migrated database."""
    now = datetime.now(UTC).replace(microsecond=0)
    with Session(engine) as session:
        fair_id, buyer_id, seller_id = _fair(session, now)
        people = _people(session, fair_id, buyer_id, seller_id, pairs)
        version = ScheduleVersion(
            fair_id=fair_id, number=1, status=VersionStatus.PUBLISHED, published_at=now
        )
        session.add(version)
        session.flush()
        assert version.id is not None
        requests = _requests(session, fair_id, people)
        tokens = [issue_token(session, p, TokenKind.MAGIC) for p in people]
        email = f"organiser-{secrets.token_hex(4)}@bench.example"
        password = secrets.token_urlsafe(16)
        create_organiser(session, email, password, "Bench organiser")
        for r in requests:
            assert r.id is not None
            session.add(
                Meeting(
                    fair_id=fair_id,
                    version_id=version.id,
                    request_id=r.id,
                    start=now - timedelta(minutes=1),
                    end=now + timedelta(hours=2),
                    place_kind=PlaceKind.ONLINE,
                    room=f"online-{r.key}",
                )
            )
        session.commit()
        result = {
            "fair": fair_id,
            "organiser": (email, password),
            "pairs": [
                {
                    "room": requests[i].uid,
                    "a": {"pid": people[2 * i].id, "token": tokens[2 * i]},
                    "b": {"pid": people[2 * i + 1].id, "token": tokens[2 * i + 1]},
                }
                for i in range(pairs)
            ],
        }
    return result


def _fair(session: Session, now: datetime) -> tuple[int, int, int]:
    """A one-day fair with a buyer and an exhibitor company; (fair, buyer, seller) ids."""
    fair = Fair(
        name=f"Bench fair {now.isoformat()}",
        timezone="UTC",
        start=date.today(),
        days=1,
        day_start=dtime(0, 0),
        day_end=dtime(23, 30),
        slot_minutes=30,
    )
    session.add(fair)
    session.flush()
    assert fair.id is not None
    pavilion = Pavilion(fair_id=fair.id, key="KR", name="Korea Pavilion", country="KR")
    session.add(pavilion)
    session.flush()
    seller = Company(
        fair_id=fair.id,
        name="Seller",
        country="KR",
        role=Role.EXHIBITOR,
        pavilion_id=pavilion.id,
    )
    buyer = Company(fair_id=fair.id, name="Buyer", country="CN", role=Role.BUYER)
    session.add_all([seller, buyer])
    session.flush()
    assert seller.id is not None and buyer.id is not None
    return fair.id, buyer.id, seller.id


def _people(
    session: Session, fair_id: int, buyer_id: int, seller_id: int, pairs: int
) -> list[Participant]:
    """Two people a pair: a buyer (even) and an exhibitor (odd)."""
    people = [
        Participant(
            fair_id=fair_id,
            key=f"p{i}",
            company_id=buyer_id if i % 2 == 0 else seller_id,
            name=f"Person {i}",
            email=f"p{i}@bench.example",
            timezone="UTC",
        )
        for i in range(2 * pairs)
    ]
    session.add_all(people)
    return people


def _requests(session: Session, fair_id: int, people: list[Participant]) -> list[MeetingRequest]:
    """An accepted request from each pair's buyer to its exhibitor."""
    requests = []
    for i in range(len(people) // 2):
        a, b = people[2 * i], people[2 * i + 1]
        assert a.id is not None and b.id is not None
        requests.append(
            MeetingRequest(
                fair_id=fair_id,
                key=f"r{i}",
                from_id=a.id,
                to_id=b.id,
                status=RequestStatus.ACCEPTED,
            )
        )
    session.add_all(requests)
    session.flush()
    return requests
