"""Orders on a roadshow's live stage (`fair.orders`): priced from the catalogue, counted
once on resend, refused with the field at fault, decided only by the presenting
company's people, and totalled in the fair's currency with the deals' rates — the same
figures on the stage, the dashboard, /api/charts and the orders report."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fair import orders as od
from fair.charts import fair_charts
from fair.db import session_scope
from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.models import OrderStatus, Product, Roadshow, RoadshowStatus, StageOrder
from fair.report import format_report, report_rows
from tests.fair.test_roadshows import person, roadshow_fair, schedule

pytestmark = pytest.mark.integration
RATES = {"KRW": Decimal("0.00072")}


@pytest.fixture
def fair(engine: Engine) -> int:
    return roadshow_fair(engine)


def live_show(engine: Engine, fair: int, status: RoadshowStatus = RoadshowStatus.LIVE) -> int:
    """kr1's roadshow with the two USD products (2.50 each) and a third in KRW (35,000,
    minimum order 10), live."""
    with session_scope(engine) as session:
        kr1 = person(session, "kr1")
        session.add(
            Product(
                fair_id=fair,
                key="p2",
                company_id=kr1.company_id,
                name="김치",
                price_min=Decimal("35000"),
                currency="KRW",
                moq=10,
            )
        )
    show = schedule(engine, fair)
    with session_scope(engine) as session:
        row = session.get(Roadshow, show)
        assert row is not None
        row.products = [p.id for p in session.exec(select(Product).order_by(Product.key))]
        row.status = status
        session.add(row)
    return show


def ids(engine: Engine, *keys: str) -> list[int]:
    with Session(engine) as session:
        return [int(person(session, k).id or 0) for k in keys]


def product_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [int(p.id or 0) for p in session.exec(select(Product).order_by(Product.key))]


def order(product: int, quantity: Any, key: str, **more: Any) -> dict[str, Any]:
    return {"product": product, "quantity": quantity, "client_key": key, **more}


def test_order_is_priced_from_the_catalogue_and_counted_once_on_resend(
    engine: Engine, fair: int
) -> None:
    show = live_show(engine, fair)
    (de1,) = ids(engine, "de1")
    p0 = product_ids(engine)[0]
    data = order(p0, "40", "order-key-0001", unit_price="0.01", amount="0.40")
    first, created = od.place_order_once(engine, show, de1, data, RATES)
    again, created_again = od.place_order_once(engine, show, de1, data, RATES)
    assert created and not created_again and again["id"] == first["id"]
    assert first["unit_price"] == "2.50" and first["amount"] == "100.00"  # not the client's
    assert first["currency"] == "USD" and first["value"] == "100.00"
    assert first["status"] == "pending" and first["product_name"] == "냉동 고등어"
    with Session(engine) as session:
        assert len(session.exec(select(StageOrder)).all()) == 1
        assert od.order_totals(session, fair, RATES)["orders"] == 1


@pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)  # threads racing on PostgreSQL; the in-memory SQLite test engine is one shared connection
def test_a_racing_resend_is_stored_once(engine: Engine, fair: int) -> None:
    show = live_show(engine, fair)
    (de1,) = ids(engine, "de1")
    data = order(product_ids(engine)[1], 3, "order-race-0001")
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: od.place_order_once(engine, show, de1, data, RATES), range(4))
        )
    assert len({view["id"] for view, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    with Session(engine) as session:
        assert len(session.exec(select(StageOrder)).all()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": 10_000_001}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"product": 999_999}, "product"),
        ({"product": "x"}, "product"),
        ({"currency": "EUR"}, "currency"),
        ({"client_key": "short"}, "client_key"),
        ({"client_key": None}, "client_key"),
        ({"note": "n" * 301}, "note"),
        ({"note": 5}, "note"),
    ],
)
def test_order_bad_input_names_the_field(
    engine: Engine, fair: int, change: dict[str, Any], field: str
) -> None:
    show = live_show(engine, fair)
    (de1,) = ids(engine, "de1")
    data = {**order(product_ids(engine)[0], 5, "order-bad-00001"), **change}
    with Session(engine) as session, pytest.raises(InvalidInput, match=f"^{field}: "):
        od.place_order(session, show, de1, data, RATES)


def test_order_below_the_minimum_or_without_a_rate_or_price_is_refused(
    engine: Engine, fair: int
) -> None:
    show = live_show(engine, fair)
    (de1,) = ids(engine, "de1")
    p0, _, kimchi = product_ids(engine)
    with Session(engine) as session:
        with pytest.raises(InvalidInput, match=r"^quantity: at least the minimum order of 10"):
            od.place_order(session, show, de1, order(kimchi, 9, "order-moq-0001"), RATES)
        with pytest.raises(InvalidInput, match=r"^currency: no exchange rate for KRW"):
            od.place_order(session, show, de1, order(kimchi, 10, "order-krw-0001"), {})
        product = session.get(Product, p0)
        assert product is not None
        product.price_min = product.price_max = None
        session.add(product)
        session.flush()
        with pytest.raises(InvalidInput, match=r"^product: the catalogue lists no price"):
            od.place_order(session, show, de1, order(p0, 1, "order-nop-0001"), RATES)
        dear = session.get(Product, kimchi)
        assert dear is not None
        dear.price_min = Decimal("1000000000")
        session.add(dear)
        session.flush()
        with pytest.raises(InvalidInput, match=r"^quantity: the order's amount is too large"):
            od.place_order(session, show, de1, order(kimchi, 10_000_000, "order-big-001"), RATES)


def test_order_only_by_other_companies_on_a_live_stage_and_keys_are_not_shared(
    engine: Engine, fair: int
) -> None:
    show = live_show(engine, fair, RoadshowStatus.SCHEDULED)
    kr2, de1, cn1 = ids(engine, "kr2", "de1", "cn1")
    p0 = product_ids(engine)[0]
    with Session(engine) as session, pytest.raises(Conflict, match="only while"):
        od.place_order(session, show, de1, order(p0, 1, "order-key-0002"), RATES)
    with session_scope(engine) as session:
        row = session.get(Roadshow, show)
        assert row is not None
        row.status = RoadshowStatus.LIVE
        session.add(row)
    with Session(engine) as session, pytest.raises(Forbidden):
        od.place_order(session, show, kr2, order(p0, 1, "order-key-0003"), RATES)
    od.place_order_once(engine, show, de1, order(p0, 1, "order-key-0004"), RATES)
    with Session(engine) as session, pytest.raises(Conflict, match=r"^client_key: already used"):
        od.place_order(session, show, cn1, order(p0, 1, "order-key-0004"), RATES)


def test_only_the_presenting_company_decides_and_an_answer_holds(engine: Engine, fair: int) -> None:
    show = live_show(engine, fair)
    kr2, de1, cn1 = ids(engine, "kr2", "de1", "cn1")
    data = order(product_ids(engine)[0], 2, "k-dec-0001")
    view, _ = od.place_order_once(engine, show, de1, data, RATES)
    with session_scope(engine) as session:
        with pytest.raises(Forbidden):
            od.decide_order(session, show, cn1, view["id"], True)
        with pytest.raises(Forbidden):
            od.decide_order(session, show, de1, view["id"], True)  # the buyer
        with pytest.raises(NotFound, match=r"^order: "):
            od.decide_order(session, show, kr2, view["id"] + 1000, True)
        row, changed = od.decide_order(session, show, kr2, view["id"], True)  # not the presenter
        assert changed and row.status == OrderStatus.CONFIRMED and row.decided_by_id == kr2
        _, changed = od.decide_order(session, show, kr2, view["id"], True)
        assert not changed
        with pytest.raises(Conflict, match=r"^order: already confirmed"):
            od.decide_order(session, show, kr2, view["id"], False)


def test_totals_convert_with_the_deal_rates_and_agree_everywhere(engine: Engine, fair: int) -> None:
    show = live_show(engine, fair)
    kr1, de1, cn1 = ids(engine, "kr1", "de1", "cn1")
    p0, p1, kimchi = product_ids(engine)
    a, _ = od.place_order_once(engine, show, de1, order(kimchi, 10, "k-tot-0001"), RATES)
    od.place_order_once(engine, show, cn1, order(p0, 40, "k-tot-0002"), RATES)
    c, _ = od.place_order_once(engine, show, cn1, order(p1, 7, "k-tot-0003"), RATES)
    old, _ = od.place_order_once(engine, show, de1, order(p1, 2, "k-tot-0004"), RATES)
    assert a["amount"] == "350000.00" and a["currency"] == "KRW" and a["value"] == "252.00"
    with session_scope(engine) as session:
        od.decide_order(session, show, kr1, a["id"], True)
        od.decide_order(session, show, kr1, c["id"], False)  # declined: not counted
        row = session.get(StageOrder, old["id"])
        assert row is not None
        row.ordered_at -= timedelta(hours=2)
        session.add(row)
    with Session(engine) as session:
        stage = od.stage_totals(session, show, RATES)
        totals = od.order_totals(session, fair, RATES)
        charts = fair_charts(session, fair, RATES)["orders"]
        report = report_rows(session, fair, "orders", RATES)
        csv = format_report("orders", report, "csv").decode("utf-8-sig")
    # 252.00 (KRW converted) + 100.00 in the last hour; 5.00 more two hours ago
    assert stage["currency"] == "USD"
    assert stage["last_hour"] == {
        "orders": 2,
        "value": "352.00",
        "confirmed": 1,
        "confirmed_value": "252.00",
        "pending": 1,
        "unconverted": 0,
    }
    assert stage["total"]["orders"] == 3 and stage["total"]["value"] == "357.00"
    assert totals["orders"] == 3 and totals["value"] == "357.00"
    assert totals["confirmed_value"] == "252.00" and totals["pending"] == 2
    assert totals["declined"] == 1 and totals["last_hour_value"] == "352.00"
    assert [(r["product_name"], r["value"], r["quantity"]) for r in totals["rows"]] == [
        ("김치", "252.00", 10),
        ("냉동 고등어", "100.00", 40),
        ("조미김", "5.00", 2),
    ]
    assert {k: charts[k] for k in ("orders", "value", "confirmed_value")} == {
        k: totals[k] for k in ("orders", "value", "confirmed_value")
    }
    counted = [r for r in report if r["status"] != "declined"]
    assert sum(Decimal(r["value"]) for r in counted) == Decimal(totals["value"])
    # oldest first: the order moved two hours back leads
    assert [r["status"] for r in report] == ["pending", "confirmed", "pending", "declined"]
    assert report[1]["value"] == "252.00" and report[1]["decided_by"] == "kr1"
    assert csv.splitlines()[0] == ",".join(od.ORDER_COLUMNS)
    assert "김치" in csv


def test_an_order_in_a_currency_whose_rate_was_removed_is_left_out_and_counted_apart(
    engine: Engine, fair: int
) -> None:
    show = live_show(engine, fair)
    (de1,) = ids(engine, "de1")
    od.place_order_once(engine, show, de1, order(product_ids(engine)[2], 10, "k-rate-0001"), RATES)
    with Session(engine) as session:
        totals = od.order_totals(session, fair, {})
        rows = report_rows(session, fair, "orders", {})
    assert totals["orders"] == 0 and totals["unconverted"] == 1 and totals["value"] == "0.00"
    assert rows[0]["value"] is None and rows[0]["amount"] == "350000.00"
