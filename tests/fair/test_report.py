"""The organiser's reports (`fair.report`): every deal, and every company's meetings and
deals, on SQLite and PostgreSQL; their CSV and JSON forms.

The factory fair: 부산해양식품 (Korea, exhibitor: 김민준 kr1) meets 青岛海润食品 (China,
buyer: 王伟 cn1) in meeting r1, made an online meeting that is running now.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from fair.deals import confirm_deal, record_deal_once
from fair.errors import InvalidInput
from fair.presence import enter, load_room, mark_no_shows
from fair.report import (
    COMPANY_COLUMNS,
    DEAL_COLUMNS,
    company_rows,
    deal_rows,
    format_report,
    report_rows,
)
from tests.fair.test_deals import RATES

pytestmark = pytest.mark.integration
KR, CN = "부산해양식품 주식회사", "青岛海润食品有限公司"


def two_deals(engine: Engine, uid: str) -> tuple[int, dict[str, int]]:
    """A KRW purchase (confirmed) and a CNY project (not), both in meeting r1."""
    with Session(engine) as session:
        room = load_room(session, uid)
    ids = {m.name: m.participant_id for m in room.members}
    first, _ = record_deal_once(
        engine,
        room,
        ids["김민준"],
        {"type": "purchase", "amount": "1000000", "currency": "KRW", "client_key": "rep-0001"},
        RATES,
    )
    record_deal_once(
        engine,
        room,
        ids["王伟"],
        {"type": "project", "amount": "500", "currency": "CNY", "client_key": "rep-0002"},
        RATES,
    )
    with Session(engine) as session:
        confirm_deal(session, room, ids["王伟"], first["id"])
        session.commit()
    return room.fair_id, ids


def test_deal_report_lists_each_deal_with_its_value_in_the_fair_currency(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    fair_id, _ = two_deals(engine, uid)
    with Session(engine) as session:
        rows = deal_rows(session, fair_id, RATES)
    assert [tuple(r) for r in rows] == [DEAL_COLUMNS, DEAL_COLUMNS]
    purchase, project = rows
    assert (purchase["type"], purchase["seller"], purchase["buyer"]) == ("purchase", KR, CN)
    assert (purchase["seller_country"], purchase["buyer_country"]) == ("KR", "CN")
    assert purchase["pavilion"] == "Korea Pavilion"
    assert (purchase["amount"], purchase["currency"]) == ("1000000.00", "KRW")
    assert (purchase["value"], purchase["value_currency"]) == ("720.00", "USD")
    assert purchase["confirmed"] is True and purchase["confirmed_by"] == "cn1"
    assert purchase["recorded_by"] == "kr1" and purchase["meeting"] == uid
    recorded = datetime.fromisoformat(purchase["recorded_at"])  # UTC, with its offset
    fair_clock = recorded.astimezone(ZoneInfo("Asia/Shanghai"))
    assert purchase["recorded_fair_time"] == fair_clock.strftime("%Y-%m-%d %H:%M")
    assert (project["type"], project["value"], project["confirmed"]) == ("project", "70.00", False)
    # A currency whose rate was removed from the settings: the amount, no value.
    with Session(engine) as session:
        no_cny = deal_rows(session, fair_id, {"KRW": RATES["KRW"]})
    assert no_cny[1]["amount"] == "500.00" and no_cny[1]["value"] is None


def test_company_report_counts_meetings_presence_no_shows_and_deals(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    fair_id, ids = two_deals(engine, uid)
    now = datetime.now(UTC)
    with Session(engine) as session:
        room = load_room(session, uid)
        enter(session, room, ids["王伟"], now)  # the buyer joins, the seller never does
        session.commit()
        assert mark_no_shows(session, now, 10) == [(fair_id, uid)]
        session.commit()
        rows = {r["company"]: r for r in company_rows(session, fair_id, RATES)}
    assert all(tuple(r) == COMPANY_COLUMNS for r in rows.values())
    kr, cn = rows[KR], rows[CN]
    assert (kr["deals"], kr["confirmed_deals"], kr["value"]) == (2, 1, "790.00")
    assert (cn["deals"], cn["confirmed_deals"], cn["value"]) == (2, 1, "790.00")
    assert kr["online_meetings"] == cn["online_meetings"] == 1
    assert (cn["online_joined"], cn["no_shows"]) == (1, 0)
    assert (kr["online_joined"], kr["no_shows"]) == (0, 1)
    assert kr["meetings"] >= 1 and kr["participants"] == 2 and kr["role"] == "exhibitor"
    others = [r for name, r in rows.items() if name not in (KR, CN)]
    assert all(r["deals"] == 0 and r["value"] == "0.00" for r in others)
    with Session(engine) as session:
        ordered = [r["company"] for r in company_rows(session, fair_id, RATES)]
    assert set(ordered[:2]) == {KR, CN}  # most deal value first


def test_report_csv_has_a_bom_the_header_and_yes_no(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    fair_id, _ = two_deals(engine, uid)
    with Session(engine) as session:
        rows = report_rows(session, fair_id, "deals", RATES)
    data = format_report("deals", rows, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheets then read 부산 and 青岛 right
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert list(table[0]) == list(DEAL_COLUMNS)
    assert [r["confirmed"] for r in table] == ["yes", "no"]
    assert table[0]["seller"] == KR and table[0]["value"] == "720.00"
    assert json.loads(format_report("deals", rows, "json"))[0]["amount"] == "1000000.00"
    with pytest.raises(InvalidInput, match="format"):
        format_report("deals", rows, "xlsx")
    with Session(engine) as session, pytest.raises(InvalidInput, match="report"):
        report_rows(session, fair_id, "salaries", RATES)


def test_company_report_without_a_schedule_or_deals_is_all_zero(engine: Engine) -> None:
    from fair.loader import import_files
    from tests.factories import fair_files

    fair_id = import_files(engine, fair_files()).fair_id
    with Session(engine) as session:
        rows = company_rows(session, fair_id, RATES)
    assert rows and all(r["meetings"] == r["deals"] == 0 for r in rows)
    assert {r["value"] for r in rows} == {str(Decimal("0.00"))}


def test_report_csv_keeps_formulas_as_text() -> None:
    """CSV injection: a note or a name typed as a formula stays text in a spreadsheet."""
    rows = [
        {
            **dict.fromkeys(DEAL_COLUMNS, ""),
            "note": '=HYPERLINK("http://evil.example","click")',
            "seller": "+82 Trading",
            "buyer": "@buyer",
            "amount": "100.00",
            "confirmed": True,
        }
    ]
    [row] = list(
        csv.DictReader(io.StringIO(format_report("deals", rows, "csv").decode("utf-8-sig")))
    )
    assert row["note"] == '\'=HYPERLINK("http://evil.example","click")'
    assert (row["seller"], row["buyer"]) == ("'+82 Trading", "'@buyer")
    assert (row["amount"], row["confirmed"]) == ("100.00", "yes")
    assert json.loads(format_report("deals", rows, "json"))[0]["note"].startswith("=")


def test_grid_csv_keeps_formulas_as_text_too() -> None:
    from fair.export import GRID_COLUMNS, format_grid

    row = {**dict.fromkeys(GRID_COLUMNS, ""), "from_company": "=cmd|' /C calc'!A0"}
    [parsed] = list(csv.DictReader(io.StringIO(format_grid([row], "csv"))))
    assert parsed["from_company"] == "'=cmd|' /C calc'!A0"


def test_company_report_keeps_who_joined_across_a_republish(
    room_engine: tuple[Engine, str],
) -> None:
    """Regression: presence was looked up by the current version's meeting rows, and a
    republish makes new rows, so the side that joined became a no-show."""
    from sqlmodel import select

    import scheduler.problem as sp
    from fair.models import Meeting, MeetingRequest
    from fair.publishing import publish
    from fair.scheduling import schedule_fair

    engine, uid = room_engine
    fair_id, ids = two_deals(engine, uid)
    now = datetime.now(UTC)
    with Session(engine) as session:
        enter(session, load_room(session, uid), ids["王伟"], now)
        session.commit()
        mark_no_shows(session, now, 10)
        session.commit()
        before = {r["company"]: r for r in company_rows(session, fair_id, RATES)}
    number, _ = schedule_fair(
        engine, fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), method="greedy"
    )
    with Session(engine) as session:  # r1 stays where it was: the same meeting, republished
        old, new = sorted(
            session.exec(
                select(Meeting)
                .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
                .where(MeetingRequest.uid == uid)
            ).all(),
            key=lambda m: m.version_id,
        )[-2:]
        new.place_kind, new.booth_id, new.table_id = old.place_kind, None, None
        new.start, new.end = old.start, old.end
        session.add(new)
        session.commit()
        publish(session, fair_id, number)
        session.commit()
        after = {r["company"]: r for r in company_rows(session, fair_id, RATES)}
    for company in (KR, CN):
        keys = ("online_meetings", "online_joined", "no_shows", "deals", "value")
        assert [after[company][k] for k in keys] == [before[company][k] for k in keys]
    assert (after[CN]["online_joined"], after[KR]["no_shows"]) == (1, 1)


def test_company_report_names_deals_without_a_rate(
    room_engine: tuple[Engine, str],
) -> None:
    engine, uid = room_engine
    fair_id, _ = two_deals(engine, uid)
    with Session(engine) as session:
        rows = {r["company"]: r for r in company_rows(session, fair_id, {"KRW": RATES["KRW"]})}
    # The CNY project has no value without its rate; it is counted and named, not valued.
    assert (rows[KR]["deals"], rows[KR]["value"], rows[KR]["unconverted_deals"]) == (
        2,
        "720.00",
        1,
    )
