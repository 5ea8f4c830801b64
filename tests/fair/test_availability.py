"""A participant's availability (on-site days, working windows, time zone), on SQLite and
PostgreSQL, on the small fair of tests/factories.py: days run 09:00–12:00 Shanghai,
de1 works 08:00–18:00 Berlin time, kr1 is in Seoul."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from fair.availability import availability, known_timezones, set_availability
from fair.models import Participant
from fair.requests import FieldError

pytestmark = pytest.mark.integration


def person(session: Session, key: str) -> Participant:
    found = session.exec(select(Participant).where(Participant.key == key)).one()
    return found


def field_of(exc: pytest.ExceptionInfo[FieldError]) -> str:
    assert str(exc.value).startswith(f"{exc.value.field}: ")
    return exc.value.field


def test_availability_shows_fair_days_and_hours(db: Session) -> None:
    view = availability(db, person(db, "de1"))
    assert view.windows == ("08:00-18:00",)
    assert view.timezone == "Europe/Berlin"
    assert [d.isoformat() for d in view.fair_days] == ["2026-11-27", "2026-11-28"]
    assert view.fair_hours == "09:00-12:00"


def test_set_availability_stores_days_windows_and_zone(db: Session) -> None:
    view = set_availability(
        db, person(db, "de1"), ["2", 1, 2], ["14:00-18:00", " 8:00-12:00", ""], "Asia/Seoul"
    )
    assert view.onsite_days == (1, 2)
    assert view.windows == ("08:00-12:00", "14:00-18:00")
    assert view.timezone == "Asia/Seoul"
    db.expire_all()
    stored = person(db, "de1")
    assert (stored.onsite_days, stored.windows, stored.timezone) == (
        [1, 2],
        ["08:00-12:00", "14:00-18:00"],
        "Asia/Seoul",
    )


def test_set_availability_empty_means_online_all_hours(db: Session) -> None:
    view = set_availability(db, person(db, "kr1"), [], [], "Asia/Seoul")
    assert view.onsite_days == () and view.windows == ()


def test_set_availability_window_until_midnight_holds(db: Session) -> None:
    view = set_availability(db, person(db, "kr1"), [], ["18:00-24:00"], "Asia/Seoul")
    assert view.windows == ("18:00-24:00",)


@pytest.mark.parametrize(
    ("days", "windows", "zone", "field"),
    [
        ([3], [], "Asia/Seoul", "onsite_days"),
        ([0], [], "Asia/Seoul", "onsite_days"),
        (["one"], [], "Asia/Seoul", "onsite_days"),
        ("1", [], "Asia/Seoul", "onsite_days"),
        ([], ["9-17"], "Asia/Seoul", "windows"),
        ([], ["17:00-09:00"], "Asia/Seoul", "windows"),
        ([], ["25:00-26:00"], "Asia/Seoul", "windows"),
        ([], ["09:00-12:00", "11:00-13:00"], "Asia/Seoul", "windows"),
        ([], [9], "Asia/Seoul", "windows"),
        ([], [], "Mars/Olympus", "timezone"),
        ([], [], "CET ", "timezone"),
        ([], [], None, "timezone"),
    ],
)
def test_set_availability_bad_input_names_field(
    db: Session, days: Any, windows: Any, zone: Any, field: str
) -> None:
    with pytest.raises(FieldError) as exc:
        set_availability(db, person(db, "kr1"), days, windows, zone)
    assert field_of(exc) == field
    db.expire_all()
    assert person(db, "kr1").timezone == "Asia/Seoul"


def test_known_timezones_are_all_accepted() -> None:
    zones = known_timezones()
    assert "Asia/Seoul" in zones and "UTC" in zones
    assert not any(z.startswith("posix/") for z in zones)
