"""What-if on a version (fair.whatif): levers on fairs built so the answer is known, and
applying each kind of lever then re-solving schedules at least what it promised."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from fair.db import session_scope
from fair.loader import import_files
from fair.models import Fair, Meeting, MeetingTable, Participant
from fair.publishing import publish
from fair.requests import FieldError
from fair.scheduling import schedule_fair
from fair.whatif import Change, apply_lever, version_levers
from tests.factories import fair_files

TOML = """\
[fair]
name = "What-if Fair"
timezone = "Asia/Shanghai"
start = "2026-11-27"
days = 1
day_start = "09:00"
day_end = "{end}"
slot_minutes = 30
currency = "USD"

[[pavilions]]
id = "KR"
name = "Korea Pavilion"
country = "KR"
{tables}
"""

OPTIONS = sp.Options(time_limit=10, workers=1, seed=0)


def _table(key: str) -> str:
    return f'\n[[tables]]\nid = "{key}"\npavilion = "KR"\n'


def _person(key: str, role: str, available: str = "") -> dict[str, str]:
    return {
        "id": key,
        "company": f"Company {key}",
        "name": f"Person {key}",
        "email": f"{key}@example.com",
        "role": role,
        "country": "KR" if role == "exhibitor" else "CN",
        "timezone": "Asia/Shanghai",
        "pavilion": "KR" if role == "exhibitor" else "",
        "onsite": "all",
        "available": available,
    }


def _request(key: str, sender: str, receiver: str) -> dict[str, str]:
    return {
        "id": key,
        "from": sender,
        "to": receiver,
        "priority": "3",
        "mode": "in_person",
        "status": "accepted",
    }


def _published(engine: Engine, files: dict[str, bytes]) -> int:
    """Import, solve and publish version 1; the fair's id."""
    fair_id = import_files(engine, files).fair_id
    number, _ = schedule_fair(engine, fair_id, OPTIONS)
    with session_scope(engine) as session:
        publish(session, fair_id, number)
    return fair_id


def one_table_fair(engine: Engine) -> int:
    """Six in-person pairs, one table, two slots: 2 meetings fit, 4 are left out, and two
    more tables would take exactly those 4."""
    people = [_person(f"e{i}", "exhibitor") for i in range(6)]
    people += [_person(f"b{i}", "buyer") for i in range(6)]
    requests = [_request(f"r{i}", f"b{i}", f"e{i}") for i in range(6)]
    toml = TOML.format(end="10:00", tables=_table("KR-T01"))
    return _published(engine, fair_files(people, requests, toml))


def short_hours_fair(engine: Engine) -> int:
    """A buyer available 09:00-10:00 with three meetings wanted in a two-hour day with
    tables to spare: 2 fit, and one more hour (later end) takes the third."""
    people = [_person(f"e{i}", "exhibitor") for i in range(3)]
    people.append(_person("b0", "buyer", available="09:00-10:00"))
    requests = [_request(f"r{i}", "b0", f"e{i}") for i in range(3)]
    tables = "".join(_table(f"KR-T0{i}") for i in range(1, 4))
    toml = TOML.format(end="11:00", tables=tables)
    return _published(engine, fair_files(people, requests, toml))


def _resolve(engine: Engine, fair_id: int) -> int:
    """The console's re-solve (published grid as the start); meetings scheduled."""
    _, figures = schedule_fair(engine, fair_id, OPTIONS)
    scheduled: int = figures["scheduled"]
    return scheduled


def test_version_levers_two_tables_promise_the_four_left_out(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    with Session(engine) as session:
        answer = version_levers(session, fair_id, 1)
    assert answer.version == 1 and answer.left_out == 4
    top = answer.levers[0]
    assert (top.kind, top.pool, top.tables, top.meetings) == ("tables", "KR", 2, 4)
    assert "2 more tables in the KR pavilion on day 1 09:00–10:00" in top.text
    assert [lv.meetings for lv in answer.levers] == sorted(
        (lv.meetings for lv in answer.levers), reverse=True
    )


def test_apply_tables_then_resolve_schedules_at_least_the_promise(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    with Session(engine) as session:
        top = version_levers(session, fair_id, 1).levers[0]
    with session_scope(engine) as session:
        done = apply_lever(session, fair_id, Change("tables", pool=top.pool, tables=top.tables))
    assert done == "added KR-X01, KR-X02 to the KR pavilion"
    with Session(engine) as session:
        keys = set(session.exec(select(MeetingTable.key)))
    assert keys == {"KR-T01", "KR-X01", "KR-X02"}
    assert _resolve(engine, fair_id) >= 2 + top.meetings


def test_apply_slot_then_resolve_schedules_at_least_the_promise(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    with Session(engine) as session:
        slot = next(lv for lv in version_levers(session, fair_id, 1).levers if lv.kind == "slot")
    assert slot.meetings == 1 and slot.day == 0
    with session_scope(engine) as session:
        assert apply_lever(session, fair_id, Change("slot")) == "every day now ends at 10:30"
    assert _resolve(engine, fair_id) >= 2 + slot.meetings


def test_apply_hours_then_resolve_schedules_at_least_the_promise(engine: Engine) -> None:
    fair_id = short_hours_fair(engine)
    with Session(engine) as session:
        answer = version_levers(session, fair_id, 1)
    assert answer.left_out == 1
    top = answer.levers[0]
    assert (top.kind, top.person, top.earlier, top.meetings) == ("hours", "b0", False, 1)
    with session_scope(engine) as session:
        apply_lever(session, fair_id, Change("hours", person="b0", earlier=False))
    with Session(engine) as session:
        person = session.exec(select(Participant).where(Participant.key == "b0")).one()
        assert person.windows == ["09:00-11:00"]
    assert _resolve(engine, fair_id) == 3


def test_version_levers_cache_answers_unchanged_version(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    cache: dict[str, object] = {}
    with Session(engine) as session:
        first = version_levers(session, fair_id, 1, cache=cache)  # type: ignore[arg-type]
        again = version_levers(session, fair_id, 1, cache=cache)  # type: ignore[arg-type]
    assert not first.cached and again.cached and again.levers == first.levers
    with session_scope(engine) as session:
        apply_lever(session, fair_id, Change("tables", pool="KR", tables=2))
    with Session(engine) as session:
        changed = version_levers(session, fair_id, 1, cache=cache)  # type: ignore[arg-type]
    assert not changed.cached and changed.levers == ()  # the tables are there now


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (Change("tables", pool="XX", tables=1), "pool"),
        (Change("tables", pool="KR", tables=0), "tables"),
        (Change("hours", person="e0"), "person"),  # no working hours of their own
        (Change("hours", person="nobody"), "person"),
        (Change("tables", pool="K\x00R", tables=1), "pool"),  # PostgreSQL refuses NUL
        (Change("hours", person="e\x000"), "person"),
        (Change("rooms"), "kind"),
    ],
)
def test_apply_lever_refuses_what_it_cannot_apply(
    engine: Engine, change: Change, field: str
) -> None:
    fair_id = one_table_fair(engine)
    with session_scope(engine) as session, pytest.raises(FieldError) as caught:
        apply_lever(session, fair_id, change)
    assert caught.value.field == field


def test_apply_slot_refuses_past_midnight(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    with session_scope(engine) as session:
        fair = session.get(Fair, fair_id)
        assert fair is not None
        fair.day_end = fair.day_end.replace(hour=23, minute=45)
    with session_scope(engine) as session, pytest.raises(FieldError) as caught:
        apply_lever(session, fair_id, Change("slot"))
    assert "midnight" in str(caught.value)


def test_version_levers_skip_a_meeting_whose_table_is_gone(engine: Engine) -> None:
    fair_id = one_table_fair(engine)
    with session_scope(engine) as session:
        for meeting in session.exec(select(Meeting)):
            meeting.table_id = None  # as if its table had been removed since
            session.add(meeting)
    with Session(engine) as session:
        answer = version_levers(session, fair_id, 1)
    assert answer.left_out == 6  # nothing holds a place any more
    assert answer.levers[0].meetings >= 4
