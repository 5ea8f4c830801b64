"""Roadshows: scheduling rules and the presenter's roadshow as busy time for the solver
(no meeting of the presenter overlaps it). The fair, people and roadshow helpers here are
shared with the programme, stage and presence tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair import programme as pg
from fair import roadshows as rs
from fair.db import session_scope
from fair.loader import import_files
from fair.models import (
    Company,
    Meeting,
    MeetingRequest,
    Participant,
    Pavilion,
    Product,
)
from fair.planning import build_problem
from fair.publishing import publish
from fair.requests import FieldError
from fair.scheduling import schedule_fair
from fair.versions import published_version
from tests.factories import fair_files

pytestmark = pytest.mark.integration
OPTIONS = sp.Options(time_limit=5, workers=1, seed=0, levels=1)


def person(session: Session, key: str) -> Participant:
    return session.exec(select(Participant).where(Participant.key == key)).one()


def korea(session: Session) -> Pavilion:
    return session.exec(select(Pavilion).where(Pavilion.key == "KR")).one()


def roadshow_fair(engine: Engine) -> int:
    """The small test fair (Asia/Shanghai, 2 days 09:00–12:00) with two products of
    the Korean exhibitor (kr1, kr2)."""
    fair_id = import_files(engine, fair_files()).fair_id
    with session_scope(engine) as session:
        kr1 = person(session, "kr1")
        for n, name in enumerate(("냉동 고등어", "조미김")):
            session.add(
                Product(
                    fair_id=fair_id,
                    key=f"p{n}",
                    company_id=kr1.company_id,
                    name=name,
                    price_min=Decimal("2.5"),
                    price_max=Decimal("3.1"),
                    currency="USD",
                )
            )
    return fair_id


@pytest.fixture
def fair(engine: Engine) -> int:
    return roadshow_fair(engine)


def products(session: Session) -> list[str]:
    return [str(p.id) for p in session.exec(select(Product).order_by(Product.key))]


def form(session: Session, **overrides: object) -> rs.RoadshowInput:
    values: dict[str, object] = {
        "presenter": "kr1",
        "pavilion": str(korea(session).id),
        "title": "부산 수산물 신제품 발표",
        "description": "Frozen mackerel and laver, live from Busan.",
        "day": "1",
        "start": "09:00",
        "minutes": "30",
        "products": tuple(products(session)),
        "audience_limit": "",
    }
    values.update(overrides)
    return rs.RoadshowInput(**values)  # type: ignore[arg-type]


def schedule(engine: Engine, fair_id: int, **overrides: object) -> int:
    with session_scope(engine) as session:
        show = rs.schedule_roadshow(session, fair_id, form(session, **overrides), max_audience=50)
        assert show.id is not None
        return show.id


def at(day: int, hhmm: str) -> datetime:
    """A fair-clock time (Asia/Shanghai, UTC+8) on fair day `day` as UTC."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, 26 + day, hour - 8, minute, tzinfo=UTC)


def meetings_of(session: Session, key: str) -> list[Meeting]:
    pid = person(session, key).id
    version = published_version(session, session.exec(select(Participant.fair_id)).first() or 0)
    query = select(Meeting, MeetingRequest).join(
        MeetingRequest,
        MeetingRequest.id == Meeting.request_id,  # type: ignore[arg-type]
    )
    if version is not None:
        query = query.where(Meeting.version_id == version.id)
    return [m for m, r in session.exec(query) if pid in (r.from_id, r.to_id)]


# ---------------------------------------------------------------------------- collision


def test_roadshow_presenter_is_busy_for_the_solver(engine: Engine, fair: int) -> None:
    first = schedule(engine, fair, start="09:00", minutes="90")
    second = schedule(engine, fair, start="11:00", minutes="60", title="Laver tasting")
    with Session(engine) as session:
        planning = build_problem(session, fair)
    busy = planning.problem.people["kr1"].busy
    assert (at(1, "09:00"), at(1, "10:30")) in busy
    assert (at(1, "11:00"), at(1, "12:00")) in busy
    assert planning.problem.people["kr2"].busy == ()  # only the presenter is busy
    assert first != second


def solve_and_publish(engine: Engine, fair: int, method: str) -> dict[str, object]:
    number, figures = schedule_fair(engine, fair, OPTIONS, method=method)
    with session_scope(engine) as session:
        publish(session, fair, number)
    return figures


@pytest.mark.parametrize("method", ["ours", "greedy"])
def test_roadshow_and_meetings_of_presenter_never_overlap(
    engine: Engine, fair: int, method: str
) -> None:
    # Without the roadshow, cn1 → kr1 (cn1 is on site on day 1 only) is planned at 09:00
    # on day 1; with kr1 on stage 09:00–10:30 it must move after the coffee break.
    schedule(engine, fair, start="09:00", minutes="90")
    solve_and_publish(engine, fair, method)
    with Session(engine) as session:
        meetings = meetings_of(session, "kr1")
        [show] = pg.company_roadshows(session, fair, person(session, "kr1").company_id)
    assert meetings, "the meeting cn1 → kr1 still fits after the roadshow"
    for m in meetings:
        assert not (m.start < show.end and show.start < m.end), (m.start, show.title)
        assert m.start >= at(1, "11:00")


@pytest.mark.parametrize("method", ["ours", "greedy"])
def test_roadshows_all_day_leave_the_meeting_out(engine: Engine, fair: int, method: str) -> None:
    schedule(engine, fair, start="09:00", minutes="90")
    schedule(engine, fair, start="10:30", minutes="90", title="Laver tasting")
    figures = solve_and_publish(engine, fair, method)
    with Session(engine) as session:
        assert meetings_of(session, "kr1") == []
    unscheduled = figures["unscheduled"]
    assert isinstance(unscheduled, dict) and "r1" in unscheduled


def test_roadshow_refused_over_a_published_meeting_names_it(engine: Engine, fair: int) -> None:
    number, _ = schedule_fair(engine, fair, OPTIONS, method="greedy")
    with session_scope(engine) as session:
        publish(session, fair, number)
    with Session(engine) as session:
        meeting = meetings_of(session, "kr1")[0]
        fair_clock = meeting.start + timedelta(hours=8)
        day = (fair_clock.date() - datetime(2026, 11, 27).date()).days + 1
        with pytest.raises(FieldError) as caught:
            rs.schedule_roadshow(
                session,
                fair,
                form(session, day=str(day), start=f"{fair_clock:%H:%M}", minutes="30"),
            )
    assert caught.value.field == "start"
    assert "김민준 has a meeting then" in caught.value.detail
    assert "request r" in caught.value.detail


def test_roadshow_refused_when_the_stage_is_taken(engine: Engine, fair: int) -> None:
    schedule(engine, fair, start="09:00", minutes="60")
    with Session(engine) as session, pytest.raises(FieldError) as caught:
        rs.schedule_roadshow(session, fair, form(session, presenter="kr2", start="09:30"))
    assert "Korea Pavilion stage is taken" in caught.value.detail


def test_roadshow_on_the_same_stage_right_after_is_accepted(engine: Engine, fair: int) -> None:
    schedule(engine, fair, start="09:00", minutes="60")
    schedule(engine, fair, presenter="kr2", start="10:00", minutes="30")


def test_roadshow_cancelled_frees_the_stage_and_the_presenter(engine: Engine, fair: int) -> None:
    show = schedule(engine, fair, start="09:00", minutes="60")
    with session_scope(engine) as session:
        rs.cancel_roadshow(session, show)
    schedule(engine, fair, start="09:00", minutes="60", presenter="kr2")
    with Session(engine) as session:
        assert build_problem(session, fair).problem.people["kr1"].busy == ()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start": "08:30"}, "start"),  # before the fair opens
        ({"start": "11:45", "minutes": "30"}, "start"),  # after it closes
        ({"day": "3"}, "day"),  # the fair has 2 days
        ({"minutes": "5"}, "minutes"),
        ({"title": "  "}, "title"),
        ({"presenter": "cn1"}, "presenter"),  # a buyer does not present
        ({"presenter": "nobody"}, "presenter"),
        ({"audience_limit": "51"}, "audience_limit"),  # above the setting
        ({"products": ("999999",)}, "products"),
        ({"pavilion": "999999"}, "pavilion"),
    ],
)
def test_roadshow_invalid_input_names_the_field(
    engine: Engine, fair: int, overrides: dict[str, object], field: str
) -> None:
    with Session(engine) as session, pytest.raises(FieldError) as caught:
        rs.schedule_roadshow(session, fair, form(session, **overrides), max_audience=50)
    assert caught.value.field == field


def test_roadshow_participant_schedules_only_for_own_company(engine: Engine, fair: int) -> None:
    with Session(engine) as session:
        buyer_company = person(session, "de1").company_id
        with pytest.raises(FieldError) as caught:
            rs.schedule_roadshow(session, fair, form(session), company_id=buyer_company)
    assert caught.value.field == "presenter"


def test_roadshow_products_of_another_company_are_refused(engine: Engine, fair: int) -> None:
    with session_scope(engine) as session:
        other = session.exec(select(Company).where(Company.role == "buyer")).first()
        assert other is not None and other.id is not None
        session.add(Product(fair_id=fair, key="x", company_id=other.id, name="Sausage"))
    with Session(engine) as session:
        theirs = session.exec(select(Product).where(Product.key == "x")).one()
        with pytest.raises(FieldError) as caught:
            rs.schedule_roadshow(session, fair, form(session, products=(str(theirs.id),)))
    assert caught.value.field == "products"
