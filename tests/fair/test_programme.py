"""The roadshow programme: by day and stage, attending (the roadshow goes into and out
of the viewer's calendar), and the roadshows in the organiser's fair-wide calendar."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fair import programme as pg
from fair import roadshows as rs
from fair.db import session_scope
from tests.fair.test_roadshows import at, person, roadshow_fair, schedule, solve_and_publish

pytestmark = pytest.mark.integration


@pytest.fixture
def fair(engine: Engine) -> int:
    return roadshow_fair(engine)


def test_programme_groups_by_day_and_stage(engine: Engine, fair: int) -> None:
    schedule(engine, fair, start="09:00")
    schedule(engine, fair, day="2", start="11:00", title="Day two launch")
    with Session(engine) as session:
        shown = pg.programme(session, fair)
    assert [d.number for d in shown.days] == [1, 2]
    assert shown.days[1].stages[0].pavilion == "Korea Pavilion"
    assert shown.days[1].stages[0].items[0].title == "Day two launch"
    assert shown.count == 2


def test_attending_puts_roadshow_in_calendar_and_withdrawing_cancels_it(
    engine: Engine, fair: int
) -> None:
    show = schedule(engine, fair)
    with session_scope(engine) as session:
        de1 = person(session, "de1")
        assert pg.set_attending(session, fair, show, de1, True)
        assert not pg.set_attending(session, fair, show, de1, True)
    with Session(engine) as session:
        [entry] = pg.calendar_roadshows(session, person(session, "de1"))
        assert entry.role == "viewer" and not entry.cancelled
        [own] = pg.calendar_roadshows(session, person(session, "kr1"))
        assert own.role == "presenter"
        assert pg.calendar_roadshows(session, person(session, "cn1")) == []
    with session_scope(engine) as session:
        assert pg.set_attending(session, fair, show, person(session, "de1"), False)
    with Session(engine) as session:
        [entry] = pg.calendar_roadshows(session, person(session, "de1"))
        assert entry.cancelled


def test_organiser_fair_calendar_lists_every_roadshow_between_the_meetings(
    engine: Engine, fair: int
) -> None:
    from icalendar import Calendar

    from fair.ical import fair_calendar_file

    first = schedule(engine, fair, start="09:00", minutes="30")
    second = schedule(engine, fair, start="09:30", minutes="30", presenter="kr2")
    solve_and_publish(engine, fair, "greedy")
    with session_scope(engine) as session:
        rs.cancel_roadshow(session, second)
    with Session(engine) as session:
        text = fair_calendar_file(session, fair, "https://fair.example").text
        one_booth = fair_calendar_file(session, fair, "https://fair.example", "KR-B01").text
    events = Calendar.from_ical(text).walk("VEVENT")
    shows = {str(e["uid"]): e for e in events if str(e["uid"]).endswith(".roadshow@fair")}
    assert len(shows) == 2 and len(events) > 2  # the meetings are there too
    starts = [e.decoded("dtstart") for e in events]
    assert starts == sorted(starts)
    by_id = {int(str(e["url"]).rsplit("/", 1)[1]): e for e in shows.values()}
    live, cancelled = by_id[first], by_id[second]
    assert str(live["status"]) == "CONFIRMED" and str(cancelled["status"]) == "CANCELLED"
    assert live.decoded("dtstart") == at(1, "09:00")
    assert str(live["summary"]) == "Roadshow: 부산 수산물 신제품 발표 (부산해양식품 주식회사)"
    assert "Your time" not in str(live["description"])  # the organiser has no time zone
    assert "Fair time: " in str(live["description"])
    assert ".roadshow@fair" not in one_booth  # a booth's calendar has its meetings only
