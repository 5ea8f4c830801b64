"""Orders placed on a roadshow's live stage, and their totals.

A viewer of a live stage orders a product shown on it: a quantity; the unit price and
its currency come from the catalogue (the product's lowest listed price) at that
moment, never from the client. The exhibitor — any person of the presenting company —
confirms or declines it. As with deals (`fair.deals`), the client sends an idempotency
key with each order: a resubmission returns the stored order and counts once. Values
are converted to the fair's currency with the rates of the deals (`deals.rates`), and
every total is computed from the database, so every server process reports the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fair.db import session_scope
from fair.deals import CENT, CLIENT_KEY, MAX_AMOUNT, convertible, fair_value
from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.models import (
    Company,
    Fair,
    OrderStatus,
    Participant,
    Product,
    Replay,
    ReplayStatus,
    Roadshow,
    RoadshowStatus,
    StageOrder,
    utcnow,
)
from fair.requests import whole_number
from fair.roadshows import ID

QUANTITY_MAX = 10_000_000
NOTE_MAX = 300
RECENT = timedelta(hours=1)  # "ordered in the last hour" on the stage
QUEUE = 200  # orders of a stage sent to the exhibitor's people when they join


@dataclass(frozen=True)
class Price:
    """A product's unit price in the catalogue."""

    unit_price: Decimal
    currency: str


def catalogue_prices(products: Iterable[Any]) -> dict[int, Price]:
    """The unit price an order of each shown product (with `id`, `price_min`,
    `price_max`, `currency`) is charged; a product the catalogue lists no price for
    cannot be ordered and is left out."""
    prices = {}
    for p in products:
        try:
            prices[p.id] = catalogue_price(p.price_min, p.price_max, p.currency)
        except InvalidInput:
            continue
    return prices


def catalogue_price(price_min: Decimal | None, price_max: Decimal | None, currency: str) -> Price:
    """The price an order of a product is charged: its lowest listed unit price
    (`price_min`, else `price_max`) in the catalogue's currency. InvalidInput names
    `product` when the catalogue lists no price or no currency for it."""
    unit = price_min if price_min is not None else price_max
    if unit is None or unit <= 0:
        raise InvalidInput("product: the catalogue lists no price for it; ask for a quote")
    currency = (currency or "").strip().upper()
    if not currency:
        raise InvalidInput("product: the catalogue lists no currency for its price")
    return Price(Decimal(unit).quantize(CENT), currency)


def _product(session: Session, show: Roadshow, data: Mapping[str, Any]) -> Product:
    raw = data.get("product")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not ID.fullmatch(str(raw)):
        raise InvalidInput("product: expected a product shown on this roadshow")
    product_id = int(raw)
    product = session.get(Product, product_id) if product_id in show.products else None
    if product is None:
        raise InvalidInput("product: not a product shown on this roadshow")
    return product


def order_view(
    session: Session, order: StageOrder, fair_currency: str, rates: Mapping[str, Decimal]
) -> dict[str, Any]:
    """An order as sent to its buyer and the exhibitor's people (amounts as strings)."""
    product = session.get(Product, order.product_id)
    person = session.get(Participant, order.ordered_by_id)
    buyer = session.get(Company, order.buyer_id)
    decider = session.get(Participant, order.decided_by_id) if order.decided_by_id else None
    value = fair_value(order.amount, order.currency, fair_currency, rates)
    return {
        "id": order.id,
        "client_key": order.client_key,
        "roadshow": order.roadshow_id,
        "product": order.product_id,
        "product_name": product.name if product else "",
        "quantity": order.quantity,
        "unit_price": str(order.unit_price),
        "currency": order.currency,
        "amount": str(order.amount),
        "value": None if value is None else str(value),
        "reporting_currency": fair_currency,
        "note": order.note,
        "buyer": person.name if person else "",
        "buyer_company": buyer.name if buyer else "",
        "status": str(order.status),
        "ordered_at": order.ordered_at.isoformat(),
        "decided_by": decider.name if decider else None,
        "decided_at": order.decided_at.isoformat() if order.decided_at else None,
    }


def place_order(
    session: Session,
    roadshow_id: int,
    participant_id: int,
    data: Mapping[str, Any],
    rates: Mapping[str, Decimal],
    replay: bool = False,
) -> tuple[StageOrder, bool]:
    """A viewer orders a product shown on live roadshow `roadshow_id` (the caller
    commits). Returns the order and whether it is new: a resubmission with the same
    client key by the same person for the same roadshow returns the stored order; the
    key used by someone else or elsewhere is a Conflict. Raises IntegrityError when
    another transaction stored the same key first (`place_order_once` retries then).

    With `replay`, the order comes from the roadshow's replay (`fair.replays`) and
    needs a ready replay instead of a live roadshow; it is stored and answered as a live
    one.

    Refused: the presenting company's own people (Forbidden), a roadshow that is not
    live, or from a replay one without a ready replay (Conflict), and with InvalidInput
    naming the field — a product not shown on it, a quantity out of 1–10,000,000 or
    below the product's minimum order, a `currency` other than the catalogue's, a
    currency without an exchange rate, a note over 300 characters, a missing or
    malformed `client_key`."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        raise NotFound("no such roadshow")
    person = session.get(Participant, participant_id)
    if person is None or person.fair_id != show.fair_id:
        raise NotFound("no such roadshow")
    if person.company_id == show.company_id:
        raise Forbidden("the presenting company does not order its own products")
    client_key = str(data.get("client_key", ""))
    if not CLIENT_KEY.match(client_key):
        raise InvalidInput("client_key: 8–100 letters, digits, '-', '_', '.' or ':'")
    existing = session.exec(select(StageOrder).where(StageOrder.client_key == client_key)).first()
    if existing is not None:
        if existing.roadshow_id != show.id or existing.ordered_by_id != participant_id:
            raise Conflict("client_key: already used for another order")
        return existing, False
    if replay:
        recorded = session.exec(
            select(Replay.id).where(
                Replay.roadshow_id == show.id, Replay.status == ReplayStatus.READY
            )
        ).first()
        if recorded is None or show.status == RoadshowStatus.CANCELLED:
            raise Conflict("this roadshow has no replay to order from")
    elif show.status != RoadshowStatus.LIVE:
        raise Conflict("orders are taken only while the roadshow is live")
    product = _product(session, show, data)
    quantity = whole_number("quantity", data.get("quantity"), 1, QUANTITY_MAX)
    if product.moq is not None and quantity < product.moq:
        raise InvalidInput(f"quantity: at least the minimum order of {product.moq}")
    price = catalogue_price(product.price_min, product.price_max, product.currency)
    asked = data.get("currency")
    if asked not in (None, "") and str(asked).strip().upper() != price.currency:
        raise InvalidInput(f"currency: this product is priced in {price.currency}")
    fair = session.get(Fair, show.fair_id)
    assert fair is not None
    if not convertible(price.currency, fair.currency, rates):
        known = ", ".join(sorted({fair.currency, *rates}))
        raise InvalidInput(f"currency: no exchange rate for {price.currency} (known: {known})")
    amount = (price.unit_price * quantity).quantize(CENT)
    if amount >= MAX_AMOUNT:
        raise InvalidInput("quantity: the order's amount is too large")
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters")
    assert show.id is not None and product.id is not None and person.id is not None
    row = StageOrder(
        fair_id=show.fair_id,
        roadshow_id=show.id,
        product_id=product.id,
        seller_id=show.company_id,
        buyer_id=person.company_id,
        ordered_by_id=person.id,
        quantity=quantity,
        unit_price=price.unit_price,
        currency=price.currency,
        amount=amount,
        note=note.strip(),
        client_key=client_key,
    )
    session.add(row)
    session.flush()
    return row, True


def place_order_once(
    engine: Engine,
    roadshow_id: int,
    participant_id: int,
    data: Mapping[str, Any],
    rates: Mapping[str, Decimal],
    replay: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Place and commit an order (`replay`: from the roadshow's replay); returns its
    view and whether it is new. When two submissions with one client key race, the
    loser reads the winner's order."""
    for attempt in (1, 2):
        try:
            with session_scope(engine) as session:
                order, created = place_order(
                    session, roadshow_id, participant_id, data, rates, replay
                )
                fair = session.get(Fair, order.fair_id)
                assert fair is not None
                view = order_view(session, order, fair.currency, rates)
            return view, created
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def decide_order(
    session: Session,
    roadshow_id: int,
    participant_id: int,
    order_id: int,
    confirm: bool,
    now: datetime | None = None,
) -> tuple[StageOrder, bool]:
    """The exhibitor's answer to an order (the caller commits): only people of the
    presenting company decide, and only orders of this roadshow. Giving the same
    answer twice is harmless; changing it is a Conflict. Returns the order and
    whether this call changed it."""
    show = session.get(Roadshow, roadshow_id)
    person = session.get(Participant, participant_id)
    if show is None or person is None or person.fair_id != show.fair_id:
        raise NotFound("no such roadshow")
    if person.company_id != show.company_id:
        raise Forbidden("only the presenting company's people confirm or decline orders")
    order = session.get(StageOrder, order_id)
    if order is None or order.roadshow_id != show.id:
        raise NotFound("order: no such order on this roadshow")
    wanted = OrderStatus.CONFIRMED if confirm else OrderStatus.DECLINED
    if order.status == wanted:
        return order, False
    if order.status != OrderStatus.PENDING:
        raise Conflict(f"order: already {order.status}")
    order.status = wanted
    order.decided_by_id = participant_id
    order.decided_at = now or utcnow()
    session.add(order)
    session.flush()
    return order, True


def stage_orders(
    session: Session,
    roadshow_id: int,
    fair_currency: str,
    rates: Mapping[str, Decimal],
    participant_id: int | None = None,
) -> list[dict[str, Any]]:
    """A roadshow's orders, newest last (the latest `QUEUE`); with `participant_id`,
    only that viewer's own."""
    query = select(StageOrder).where(StageOrder.roadshow_id == roadshow_id)
    if participant_id is not None:
        query = query.where(StageOrder.ordered_by_id == participant_id)
    rows = session.exec(
        query.order_by(col(StageOrder.ordered_at).desc(), col(StageOrder.id).desc()).limit(QUEUE)
    ).all()
    return [order_view(session, o, fair_currency, rates) for o in reversed(rows)]


@dataclass
class _Sum:
    orders: int = 0
    value: Decimal = Decimal(0)
    confirmed: int = 0
    confirmed_value: Decimal = Decimal(0)
    pending: int = 0
    unconverted: int = 0

    def add(self, status: str, value: Decimal | None) -> None:
        if status == OrderStatus.DECLINED:
            return
        if value is None:
            self.unconverted += 1  # its currency's rate was removed from the settings
            return
        self.orders += 1
        self.value += value
        if status == OrderStatus.CONFIRMED:
            self.confirmed += 1
            self.confirmed_value += value
        else:
            self.pending += 1

    def view(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "value": str(self.value.quantize(CENT)),
            "confirmed": self.confirmed,
            "confirmed_value": str(self.confirmed_value.quantize(CENT)),
            "pending": self.pending,
            "unconverted": self.unconverted,
        }


def stage_totals(
    session: Session, roadshow_id: int, rates: Mapping[str, Decimal], now: datetime | None = None
) -> dict[str, Any]:
    """What the stage shows: orders placed in the last hour (pending or confirmed, not
    declined) and their value in the fair's currency, and the same since the start."""
    show = session.get(Roadshow, roadshow_id)
    if show is None:
        raise NotFound("no such roadshow")
    fair = session.get(Fair, show.fair_id)
    assert fair is not None
    now = now or utcnow()
    since = now - RECENT
    hour, total = _Sum(), _Sum()
    # Each order converted on its own, to the cent, as in the dashboard and the report.
    for status, amount, currency, at in session.exec(
        select(
            col(StageOrder.status),
            col(StageOrder.amount),
            col(StageOrder.currency),
            col(StageOrder.ordered_at),
        ).where(StageOrder.roadshow_id == roadshow_id)
    ):
        value = fair_value(amount, currency, fair.currency, rates)
        total.add(status, value)
        if at >= since:
            hour.add(status, value)
    return {
        "roadshow": roadshow_id,
        "currency": fair.currency,
        "as_of": now.isoformat(),
        "last_hour": hour.view(),
        "total": total.view(),
    }


def order_totals(
    session: Session, fair_id: int, rates: Mapping[str, Decimal], now: datetime | None = None
) -> dict[str, Any]:
    """The fair's stage orders for the dashboard and `/api/charts`: placed (pending or
    confirmed; declined ones not counted), confirmed and pending, their value in the
    fair's currency, the value placed in the last hour, and per roadshow and product
    (most value first)."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    now = now or utcnow()
    since = now - RECENT
    total, hour = _Sum(), _Sum()
    rows: dict[tuple[int, int], _Sum] = defaultdict(_Sum)
    quantity: dict[tuple[int, int], int] = defaultdict(int)
    declined = 0
    # Only the columns summed (each order converted on its own, to the cent).
    for status, amount, currency, at, rid, pid, count in session.execute(
        sa.select(
            col(StageOrder.status),
            col(StageOrder.amount),
            col(StageOrder.currency),
            col(StageOrder.ordered_at),
            col(StageOrder.roadshow_id),
            col(StageOrder.product_id),
            col(StageOrder.quantity),
        ).where(col(StageOrder.fair_id) == fair_id)
    ):
        value = fair_value(amount, currency, fair.currency, rates)
        total.add(status, value)
        if at >= since:
            hour.add(status, value)
        rows[(rid, pid)].add(status, value)
        if status == OrderStatus.DECLINED:
            declined += 1
        elif value is not None:
            quantity[(rid, pid)] += count
    shows = {
        s.id: s
        for s in session.exec(select(Roadshow).where(col(Roadshow.id).in_({k[0] for k in rows})))
    }
    products = {
        p.id: p.name
        for p in session.exec(select(Product).where(col(Product.id).in_({k[1] for k in rows})))
    }
    companies = {
        c.id: c.name
        for c in session.exec(
            select(Company).where(col(Company.id).in_({s.company_id for s in shows.values()}))
        )
    }
    table = [
        {
            "roadshow": rid,
            "title": shows[rid].title if rid in shows else "",
            "company": companies.get(shows[rid].company_id, "") if rid in shows else "",
            "product": pid,
            "product_name": products.get(pid, ""),
            "quantity": quantity[(rid, pid)],
            **s.view(),
        }
        for (rid, pid), s in rows.items()
        if s.orders
    ]
    table.sort(key=lambda r: (-Decimal(r["value"]), r["title"], r["product_name"]))
    return {
        "currency": fair.currency,
        "as_of": now.isoformat(),
        **total.view(),
        "last_hour_value": hour.view()["value"],
        "last_hour_orders": hour.orders,
        "declined": declined,
        "rows": table,
    }


ORDER_COLUMNS = (
    "id",
    "ordered_at",
    "ordered_fair_time",
    "status",
    "roadshow",
    "seller",
    "seller_country",
    "buyer",
    "buyer_country",
    "product",
    "quantity",
    "unit_price",
    "amount",
    "currency",
    "value",
    "value_currency",
    "ordered_by",
    "decided_by",
    "decided_at",
    "note",
)


def order_rows(
    session: Session, fair_id: int, rates: Mapping[str, Decimal]
) -> list[dict[str, Any]]:
    """Every stage order of the fair, oldest first, declined ones included (with their
    status): the roadshow, who sold what to whom, the amount as ordered and its value
    in the fair's currency, and who ordered and decided (participant keys)."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    zone = ZoneInfo(fair.timezone)
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    people = {
        p.id: p.key for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    products = {
        p.id: p.name for p in session.exec(select(Product).where(Product.fair_id == fair_id))
    }
    shows = {
        s.id: s.title for s in session.exec(select(Roadshow).where(Roadshow.fair_id == fair_id))
    }
    out = []
    for o in session.exec(
        select(StageOrder)
        .where(StageOrder.fair_id == fair_id)
        .order_by(col(StageOrder.ordered_at), col(StageOrder.id))
    ):
        seller, buyer = companies.get(o.seller_id), companies.get(o.buyer_id)
        value = fair_value(o.amount, o.currency, fair.currency, rates)
        out.append(
            {
                "id": o.id,
                "ordered_at": o.ordered_at.isoformat(),
                "ordered_fair_time": o.ordered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "status": str(o.status),
                "roadshow": shows.get(o.roadshow_id, ""),
                "seller": seller.name if seller else "",
                "seller_country": seller.country if seller else "",
                "buyer": buyer.name if buyer else "",
                "buyer_country": buyer.country if buyer else "",
                "product": products.get(o.product_id, ""),
                "quantity": o.quantity,
                "unit_price": format(o.unit_price, "f"),
                "amount": format(o.amount, "f"),
                "currency": o.currency,
                "value": None if value is None else format(value, "f"),
                "value_currency": fair.currency,
                "ordered_by": people.get(o.ordered_by_id),
                "decided_by": people.get(o.decided_by_id),
                "decided_at": o.decided_at.isoformat() if o.decided_at else None,
                "note": o.note,
            }
        )
    return out
