"""The stage orders in the organiser's take-home figures: the orders report three ways
(`/api/reports/orders`, the dashboard's download, `fair export orders`), the dashboard
page and `/api/charts`, all with the same values in the fair's currency."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from fair import orders as od
from fair.db import open_database, session_scope
from fair.models import Participant, Product, Roadshow, RoadshowStatus
from fair.settings import Settings
from tests.realtime.test_roadshow_stage import add_roadshow
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The site's settings with a rate for KRW."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
        deals_rates=(("KRW", 0.00072),),
    )


def add_orders(settings: Settings) -> None:
    """kr2's live roadshow: de1 orders 40 at 2.50 USD (confirmed by kr1), cn1 orders 10 at
    35,000 KRW (pending) and 3 at 2.50 USD (declined)."""
    roadshow, products = add_roadshow(settings.database_url)
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        show = session.get(Roadshow, roadshow)
        product = session.get(Product, products[1])
        assert show is not None and product is not None
        product.price_min, product.currency = Decimal("35000"), "KRW"
        show.status = RoadshowStatus.LIVE
        session.add_all([show, product])
        people = {p.key: p.id for p in session.exec(select(Participant))}

    def place(who: str, product: int, quantity: int, key: str) -> int:
        data = {"product": product, "quantity": quantity, "client_key": key}
        view, _ = od.place_order_once(engine, roadshow, people[who], data, settings.rates)
        return int(view["id"])

    first = place("de1", products[0], 40, "rep-0001")
    place("cn1", products[1], 10, "rep-0002")
    third = place("cn1", products[0], 3, "rep-0003")
    with session_scope(engine) as session:
        od.decide_order(session, roadshow, people["kr1"], first, True)
        od.decide_order(session, roadshow, people["kr2"], third, False)
    engine.dispose()


async def test_orders_report_dashboard_and_charts_agree(site: Site, settings: Settings) -> None:
    add_orders(settings)
    assert (await site.client.get("/api/reports/orders")).status == 401
    await site.sign_in_organiser()
    api = (await (await site.client.get("/api/reports/orders")).json())["rows"]
    assert [(r["status"], r["quantity"], r["amount"], r["currency"], r["value"]) for r in api] == [
        ("confirmed", 40, "100.00", "USD", "100.00"),
        ("pending", 10, "350000.00", "KRW", "252.00"),
        ("declined", 3, "7.50", "USD", "7.50"),
    ]
    assert api[0]["buyer"] == "Hanse Feinkost GmbH" and api[0]["decided_by"] == "kr1"
    assert api[0]["ordered_by"] == "de1" and api[0]["unit_price"] == "2.50"

    response = await site.client.get("/organiser/reports/orders")
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(od.ORDER_COLUMNS)
    assert [r["value"] for r in rows] == ["100.00", "252.00", "7.50"]

    charts = (await (await site.client.get("/api/charts")).json())["orders"]
    counted = [r for r in api if r["status"] != "declined"]
    assert charts["orders"] == len(counted) == 2
    assert Decimal(charts["value"]) == sum(Decimal(r["value"]) for r in counted)
    assert charts["value"] == "352.00" and charts["confirmed_value"] == "100.00"
    assert charts["declined"] == 1 and charts["pending"] == 1

    page = await (await site.client.get("/organiser/dashboard")).text()
    assert 'id="orders-value" data-value="352.00"' in page
    assert 'id="orders-confirmed-value" data-value="100.00"' in page


def test_cli_exports_the_orders_report(
    tmp_path: Path,
    published_fair: tuple[int, dict[str, str]],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from web.cli import main

    add_orders(settings)
    out = tmp_path / "orders.json"
    db = ["--db", settings.database_url]
    assert main(["export", "orders", "--format", "json", "-o", str(out), *db]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    # The command's own settings: no KRW rate there, so that order has no value.
    assert [r["value"] for r in rows] == ["100.00", None, "7.50"]
    monkeypatch.setenv("FAIR_DEALS_RATES", '{"KRW": 0.00072}')
    assert main(["export", "orders", "--format", "json", "-o", str(out), *db]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["value"] for r in rows] == ["100.00", "252.00", "7.50"]
    assert [r["product"] for r in rows] == ["냉동 고등어", "조미김", "냉동 고등어"]
