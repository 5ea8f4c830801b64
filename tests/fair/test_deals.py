"""Deal input, currency conversion and the table-typed settings the rooms use."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fair.deals import convert, parse_deal
from fair.errors import InvalidInput
from fair.settings import load_settings

pytestmark = pytest.mark.unit
RATES = {"KRW": Decimal("0.00072"), "CNY": Decimal("0.14")}


def test_deal_parse_accepts_decimal_text_and_lowercase_currency() -> None:
    deal = parse_deal(
        {"type": "agency", "amount": "1,250.5", "currency": "krw", "client_key": "k" * 12},
        "USD",
        RATES,
    )
    assert deal.amount == Decimal("1250.50") and deal.currency == "KRW"


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "0"), ("amount", "NaN"), ("amount", True), ("currency", "EUR"), ("type", "")],
)
def test_deal_parse_refuses_bad_field_naming_it(field: str, value: object) -> None:
    data = {"type": "intent", "amount": "10", "currency": "USD", "client_key": "k" * 12}
    with pytest.raises(InvalidInput, match=f"^{field}"):
        parse_deal({**data, field: value}, "USD", RATES)


def test_deal_convert_to_reporting_currency_to_the_cent() -> None:
    assert convert(Decimal("1000000"), "KRW", "USD", RATES) == Decimal("720.00")
    assert convert(Decimal("5.55"), "USD", "USD", RATES) == Decimal("5.55")


def test_settings_rates_table_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[deals]\nrates = { KRW = 0.00072, CNY = 0.14 }\n"
        '[rooms]\nno_show_minutes = 5\nice_servers = [{ urls = "stun:stun.example:3478" }]\n'
    )
    settings = load_settings(path, environ={})
    assert settings.rates == RATES and settings.rooms_no_show_minutes == 5
    assert settings.ice_servers == [{"urls": "stun:stun.example:3478"}]
    env = load_settings(path, environ={"FAIR_DEALS_RATES": '{"JPY": 0.0067}'})
    assert env.rates == {"JPY": Decimal("0.0067")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[deals]\nrates = { dollars = 1 }\n", "not an ISO 4217 code"),
        ("[deals]\nrates = { KRW = -1 }\n", "deals.rates.KRW must be a positive number"),
        ("[deals]\nrates = 3\n", "must be a table"),
        ('[rooms]\nice_servers = [{ urls = "http://x" }]\n', "stun:/turn:/turns:"),
        ('[rooms]\nice_servers = [{ urls = "stun:x", secret = "y" }]\n', "unknown key secret"),
        ("[rooms]\nno_show_minutes = 0\n", "at least 1"),
    ],
)
def test_settings_rooms_and_rates_bad_values_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        load_settings(path, environ={})


# -- on SQLite and PostgreSQL ---------------------------------------------------------


@pytest.mark.integration
def test_deal_recorded_confirmed_and_totalled_once(room_engine: tuple[Engine, str]) -> None:
    from sqlmodel import Session

    from fair.deals import confirm_deal, fair_totals, record_deal_once
    from fair.errors import Forbidden
    from fair.presence import load_room

    engine, uid = room_engine
    with Session(engine) as session:
        room = load_room(session, uid)
    ids = {m.name: m.participant_id for m in room.members}
    data = {"type": "intent", "amount": "1000000", "currency": "KRW", "client_key": "key-00001"}
    first, new = record_deal_once(engine, room, ids["김민준"], data, RATES)
    again, again_new = record_deal_once(engine, room, ids["김민준"], data, RATES)
    assert new and not again_new and first["id"] == again["id"]
    with Session(engine) as session:
        with pytest.raises(Forbidden):
            confirm_deal(session, room, ids["김민준"], first["id"])
        with pytest.raises(Forbidden):  # the interpreter is not a side
            confirm_deal(session, room, ids["朴智慧"], first["id"])
        confirm_deal(session, room, ids["王伟"], first["id"])
        session.commit()
        totals = fair_totals(session, room.fair_id, RATES)
    assert totals["deals"] == 1 and totals["confirmed"] == 1 and totals["value"] == "720.00"
    assert totals["companies_with_intent"] == 2
    assert totals["by_pavilion"] == [
        {"name": "Korea Pavilion", "deals": 1, "value": "720.00", "companies": 2}
    ]
    assert totals["meetings_running"] == 1 and totals["rooms_live"] == 0


@pytest.mark.integration
def test_no_show_marks_absent_side_and_revives_on_arrival(room_engine: tuple[Engine, str]) -> None:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from fair.deals import fair_totals
    from fair.presence import enter, load_room, mark_no_shows, presence

    engine, uid = room_engine
    now = datetime.now(UTC)
    with Session(engine) as session:
        room = load_room(session, uid)
        ids = {m.name: m.participant_id for m in room.members}
        enter(session, room, ids["王伟"], now)
        session.commit()
        assert mark_no_shows(session, now, 10) == [(room.fair_id, room.uid)]
        session.commit()
        assert mark_no_shows(session, now, 10) == []
        assert fair_totals(session, room.fair_id, RATES)["no_shows"] == 1
        flags = {p["name"]: p["no_show"] for p in presence(session, room)}
        assert flags == {"王伟": False, "김민준": True, "朴智慧": False}
        enter(session, room, ids["김민준"], now)
        session.commit()
        assert fair_totals(session, room.fair_id, RATES)["no_shows"] == 0


@pytest.mark.integration
def test_no_show_sweep_costs_what_there_is_to_mark(sqlite_engine: Engine) -> None:
    """The demo fair with every published meeting online and running, every side in: a
    pass of the sweep is three queries whatever the number of meetings (it was about
    eight per running meeting, issue 19); a meeting with a side missing is still marked."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa
    from sqlmodel import Session, col, select

    import scheduler.problem as sp
    from fair.models import Meeting, MeetingRequest, PlaceKind
    from fair.presence import enter, load_room, mark_no_shows
    from fair.sample.demo import prepare_demo
    from fair.versions import published_version_id

    engine = sqlite_engine
    now = datetime.now(UTC)
    demo = prepare_demo(engine, "small", 1, sp.Options(time_limit=5, workers=1, seed=0, levels=1))
    with Session(engine) as session:
        version = published_version_id(session, demo.fair_id)
        rows = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(Meeting.version_id == version)
        ).all()
        uids = []
        for meeting, request in rows:
            meeting.place_kind = PlaceKind.ONLINE
            meeting.booth_id = meeting.table_id = None
            meeting.start = now - timedelta(minutes=15)
            meeting.end = now + timedelta(minutes=15)
            session.add(meeting)
            uids.append(request.uid)
        session.commit()
        for uid in uids:
            room = load_room(session, uid)
            for member in room.members:
                if member.side in ("from", "to") and uid != uids[0]:
                    enter(session, room, member.participant_id, now)
        session.commit()
    assert len(uids) >= 200
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as session:
            marked = mark_no_shows(session, now, 10)
            session.commit()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert [uid for _, uid in marked] == [uids[0]]  # nobody came to the first
    before_marking = [s for s in statements if "meeting_presence" in s or "request_attendee" in s]
    # three for the 230-odd meetings, then what marking the one takes (2,420 before)
    assert len(statements) <= 20, statements
    assert len(before_marking) >= 2
