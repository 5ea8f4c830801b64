"""Deals reached in meeting rooms, and the fair's live totals.

One side of a meeting records a deal (intent, purchase contract, agency contract or
project) with an amount and currency; the other side confirms it. The client sends an
idempotency key with each deal: a resubmission (after a reconnect, a double click) returns
the stored deal and counts once. Amounts are converted to the fair's reporting currency
with the rates of `deals.rates`. Totals are always computed from the database, so every
server process reports the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from fair.db import session_scope
from fair.errors import Conflict, Forbidden, InvalidInput, NotFound
from fair.models import (
    Company,
    Deal,
    DealType,
    Fair,
    Meeting,
    MeetingPresence,
    MeetingStatus,
    Participant,
    Pavilion,
    PlaceKind,
    utcnow,
)
from fair.presence import Room, same_room
from fair.rules import is_currency
from fair.versions import published_version

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
MAX_AMOUNT = Decimal("1e15")
NOTE_MAX = 1000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DealInput:
    """A deal as a client submits it, checked by `parse_deal`."""

    type: DealType
    amount: Decimal
    currency: str
    note: str
    client_key: str


def parse_deal(
    data: Mapping[str, Any], fair_currency: str, rates: Mapping[str, Decimal]
) -> DealInput:
    """Check a submitted deal; InvalidInput names the first field that is wrong."""
    try:
        kind = DealType(str(data.get("type", "")))
    except ValueError:
        kinds = ", ".join(t.value for t in DealType)
        raise InvalidInput(f"type: one of {kinds}") from None
    raw = data.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidInput("amount: a number greater than 0")
    try:
        amount = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput("amount: a number greater than 0") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("amount: a number greater than 0")
    if amount >= MAX_AMOUNT:
        raise InvalidInput("amount: too large")
    if amount != amount.quantize(CENT):
        raise InvalidInput("amount: at most two decimals")
    currency = str(data.get("currency", "")).strip().upper()
    if not is_currency(currency):
        raise InvalidInput("currency: a three-letter ISO 4217 code such as USD")
    if not convertible(currency, fair_currency, rates):
        known = ", ".join(sorted({fair_currency, *rates}))
        raise InvalidInput(f"currency: no exchange rate for {currency} (known: {known})")
    note = str(data.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters")
    client_key = str(data.get("client_key", ""))
    if not CLIENT_KEY.match(client_key):
        raise InvalidInput("client_key: 8–100 letters, digits, '-', '_', '.' or ':'")
    return DealInput(kind, amount.quantize(CENT), currency, note, client_key)


def convertible(currency: str, fair_currency: str, rates: Mapping[str, Decimal]) -> bool:
    """Whether an amount in `currency` has a value in the fair's currency (a rate can be
    removed from the settings after deals were recorded in it)."""
    return currency == fair_currency or currency in rates


def fair_value(
    amount: Decimal, currency: str, fair_currency: str, rates: Mapping[str, Decimal]
) -> Decimal | None:
    """`amount` in the fair's currency, or None when `currency` has no rate any more."""
    if not convertible(currency, fair_currency, rates):
        return None
    return convert(amount, currency, fair_currency, rates)


def convert(
    amount: Decimal, currency: str, fair_currency: str, rates: Mapping[str, Decimal]
) -> Decimal:
    """`amount` in `currency` expressed in the fair's currency, to the cent."""
    if currency == fair_currency:
        return amount
    return (amount * rates[currency]).quantize(CENT)


def _side(room: Room, participant_id: int) -> str:
    member = room.member(participant_id)
    if member is None:
        raise Forbidden("this meeting is not on your agenda")
    if member.side not in ("from", "to"):
        raise Forbidden("only the two sides of the meeting record and confirm deals")
    return member.side


def deal_view(
    session: Session, deal: Deal, room: Room, rates: Mapping[str, Decimal]
) -> dict[str, Any]:
    """A deal as sent to the room (amounts as strings, exact)."""

    def name(pid: int | None) -> str | None:
        member = room.member(pid) if pid is not None else None
        return member.name if member else None

    recorder = room.member(deal.recorded_by_id) if deal.recorded_by_id else None
    value = fair_value(deal.amount, deal.currency, room.currency, rates)
    return {
        "id": deal.id,
        "client_key": deal.client_key,
        "type": deal.type,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "value": str(value) if value is not None else None,
        "reporting_currency": room.currency,
        "note": deal.note,
        "recorded_by": name(deal.recorded_by_id),
        "recorded_by_id": deal.recorded_by_id,
        "recorded_side": recorder.side if recorder else None,
        "recorded_at": deal.recorded_at.isoformat(),
        "confirmed_by": name(deal.confirmed_by_id),
        "confirmed_at": deal.confirmed_at.isoformat() if deal.confirmed_at else None,
    }


def record_deal(
    session: Session,
    room: Room,
    participant_id: int,
    data: Mapping[str, Any],
    rates: Mapping[str, Decimal],
) -> tuple[Deal, bool]:
    """Record a deal by one side of the meeting (the caller commits).

    Returns the deal and whether it is new; a resubmission with the same client key by
    the same person for the same meeting returns the stored deal. The same key used for
    another meeting or by someone else is a Conflict. Raises IntegrityError when another
    transaction stored the same key first: `record_deal_once` retries then."""
    _side(room, participant_id)
    deal = parse_deal(data, room.currency, rates)
    existing = session.exec(select(Deal).where(Deal.client_key == deal.client_key)).first()
    if existing is not None:
        if (
            not same_room(session, existing.meeting_id, room)
            or existing.recorded_by_id != participant_id
        ):
            raise Conflict("client_key: already used for another deal")
        return existing, False
    row = Deal(
        fair_id=room.fair_id,
        meeting_id=room.meeting_id,
        seller_id=room.seller_company_id,
        buyer_id=room.buyer_company_id,
        type=deal.type,
        amount=deal.amount,
        currency=deal.currency,
        note=deal.note,
        client_key=deal.client_key,
        recorded_by_id=participant_id,
    )
    session.add(row)
    session.flush()
    return row, True


def record_deal_once(
    engine: Engine,
    room: Room,
    participant_id: int,
    data: Mapping[str, Any],
    rates: Mapping[str, Decimal],
) -> tuple[dict[str, Any], bool]:
    """Record and commit a deal; returns its view and whether it is new. When two
    submissions with one client key race, the loser reads the winner's deal."""
    for attempt in (1, 2):
        try:
            with session_scope(engine) as session:
                deal, created = record_deal(session, room, participant_id, data, rates)
                session.flush()
                view = deal_view(session, deal, room, rates)
            return view, created
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def confirm_deal(
    session: Session,
    room: Room,
    participant_id: int,
    deal_id: int,
    now: datetime | None = None,
) -> tuple[Deal, bool]:
    """Confirm a deal recorded by the other side (the caller commits). Confirming twice
    is harmless; returns the deal and whether this call confirmed it."""
    side = _side(room, participant_id)
    deal = session.get(Deal, deal_id)
    if deal is None or not same_room(session, deal.meeting_id, room):
        raise NotFound("no such deal in this meeting")
    recorder = room.member(deal.recorded_by_id) if deal.recorded_by_id else None
    if recorder is not None and recorder.side == side:
        raise Forbidden("the other side confirms a deal, not the side that recorded it")
    if deal.confirmed_at is not None:
        return deal, False
    deal.confirmed_by_id = participant_id
    deal.confirmed_at = now or utcnow()
    session.add(deal)
    session.flush()
    return deal, True


def rooms_deals(
    session: Session, rooms: Sequence[Room], rates: Mapping[str, Decimal]
) -> dict[int, list[dict[str, Any]]]:
    """The deals of each room, over every version's row of its meeting, oldest first, in
    one statement however many rooms (the joins of a slot change): room's request id ->
    its deals as sent to the room."""
    by_request = {room.request_id: room for room in rooms}
    found: dict[int, list[dict[str, Any]]] = {rid: [] for rid in by_request}
    if not rooms:
        return found
    for deal, rid in session.exec(
        select(Deal, Meeting.request_id)
        .join(Meeting, col(Meeting.id) == col(Deal.meeting_id))
        .where(col(Meeting.request_id).in_(sorted(by_request)))
        .order_by(col(Deal.id))
    ):
        found[rid].append(deal_view(session, deal, by_request[rid], rates))
    return found


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


@dataclass
class _Bucket:
    """Deals and their value in one row of a breakdown (a type, a pavilion, a country)."""

    deals: int = 0
    value: Decimal = Decimal(0)
    companies: set[int] = field(default_factory=set)

    def add(self, value: Decimal, companies: set[int]) -> None:
        self.deals += 1
        self.value += value
        self.companies |= companies


@dataclass
class _DealSums:
    """The fair's deals summed in its currency, overall and broken down."""

    total: Decimal = Decimal(0)
    confirmed_total: Decimal = Decimal(0)
    confirmed: int = 0
    unconverted: int = 0  # deals whose currency has no rate any more
    by_type: dict[str, _Bucket] = field(
        default_factory=lambda: {t.value: _Bucket() for t in DealType}
    )
    by_pavilion: dict[str, _Bucket] = field(default_factory=dict)
    by_country: dict[str, _Bucket] = field(default_factory=dict)
    reached: set[int] = field(default_factory=set)  # companies in any deal


def _sum_deals(
    session: Session,
    fair_id: int,
    deals: Sequence[Any],
    currency: str,
    rates: Mapping[str, Decimal],
) -> _DealSums:
    """Sum `deals` (rows or objects with amount, currency, confirmed_at, seller_id,
    buyer_id and type) by type, by the selling company's pavilion (the buyer's when the
    seller has none) and by country (of either company: a cross-border deal counts for
    both)."""
    company_rows: Any = session.execute(
        sa.select(col(Company.id), col(Company.pavilion_id), col(Company.country)).where(
            col(Company.fair_id) == fair_id
        )
    )
    companies: dict[Any, Any] = {row.id: row for row in company_rows}
    pavilion_rows: Any = session.execute(
        sa.select(col(Pavilion.id), col(Pavilion.name)).where(col(Pavilion.fair_id) == fair_id)
    )
    pavilions: dict[Any, Any] = {row.id: row for row in pavilion_rows}
    sums = _DealSums()
    for d in deals:
        value = fair_value(d.amount, d.currency, currency, rates)
        if value is None:
            sums.unconverted += 1  # a rate was removed from the settings after the deal
            continue
        sums.total += value
        if d.confirmed_at is not None:
            sums.confirmed += 1
            sums.confirmed_total += value
        both = {d.seller_id, d.buyer_id}
        sums.by_type[d.type].add(value, set())
        sums.reached |= both
        seller = companies.get(d.seller_id)
        buyer = companies.get(d.buyer_id)
        pavilion_id = (seller.pavilion_id if seller else None) or (
            buyer.pavilion_id if buyer else None
        )
        pavilion = pavilions.get(pavilion_id) if pavilion_id else None
        sums.by_pavilion.setdefault(pavilion.name if pavilion else "—", _Bucket()).add(value, both)
        for country in {c.country for c in (seller, buyer) if c is not None}:
            here = {c.id for c in (seller, buyer) if c and c.country == country and c.id}
            sums.by_country.setdefault(country, _Bucket()).add(value, here)
    return sums


def _breakdown(table: dict[str, _Bucket]) -> list[dict[str, Any]]:
    """Rows of a breakdown, largest value first."""
    ordered = sorted(table.items(), key=lambda kv: (-kv[1].value, kv[0]))
    return [
        {
            "name": k,
            "deals": v.deals,
            "value": _money(v.value),
            "companies": len(v.companies),
        }
        for k, v in ordered
    ]


def _meetings_now(session: Session, fair_id: int, now: datetime) -> tuple[int, int, int]:
    """Online meetings of the published schedule running at `now`, meetings not yet over
    with someone in the room, and no-shows."""
    version = published_version(session, fair_id)
    if version is None:
        return 0, 0, 0
    running = session.exec(
        select(func.count())
        .select_from(Meeting)
        .where(
            Meeting.version_id == version.id,
            Meeting.place_kind == PlaceKind.ONLINE,
            col(Meeting.status).in_([MeetingStatus.SCHEDULED, MeetingStatus.NO_SHOW]),
            col(Meeting.start) <= now,
            col(Meeting.end) > now,
        )
    ).one()
    live = session.exec(
        select(func.count(func.distinct(Meeting.id)))
        .select_from(Meeting)
        .join(MeetingPresence, col(MeetingPresence.meeting_id) == col(Meeting.id))
        .where(
            Meeting.version_id == version.id,
            MeetingPresence.connections > 0,
            col(Meeting.end) > now,
        )
    ).one()
    no_shows = session.exec(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.version_id == version.id, Meeting.status == MeetingStatus.NO_SHOW)
    ).one()
    return int(running), int(live), int(no_shows)


def fair_totals(
    session: Session, fair_id: int, rates: Mapping[str, Decimal], now: datetime | None = None
) -> dict[str, Any]:
    """The fair's live counters, the way the seed reports a fair: deal value in the
    reporting currency, deals by type, companies that reached intent (took part in any
    deal), the same by pavilion (of the selling company) and by country (of either
    company, so a cross-border deal counts for both countries), online meetings running
    now and with someone in the room, and no-shows."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    now = now or utcnow()
    # The columns the sums need, not the deals as objects: the dashboard asks this after
    # every burst of changes, and building thousands of ORM objects was most of its cost.
    names = ("amount", "currency", "confirmed_at", "seller_id", "buyer_id", "type")
    table: Any = Deal.__table__  # type: ignore[attr-defined]
    deals = session.execute(
        sa.select(*(table.c[n] for n in names)).where(table.c.fair_id == fair_id)
    ).all()
    sums = _sum_deals(session, fair_id, deals, fair.currency, rates)
    running, live, no_shows = _meetings_now(session, fair_id, now)
    return {
        "fair": fair_id,
        "currency": fair.currency,
        "as_of": now.isoformat(),
        "deals": len(deals) - sums.unconverted,
        "confirmed": sums.confirmed,
        "value": _money(sums.total),
        "confirmed_value": _money(sums.confirmed_total),
        "unconverted": sums.unconverted,
        "by_type": {
            k: {"deals": v.deals, "value": _money(v.value)} for k, v in sums.by_type.items()
        },
        "companies_with_intent": len(sums.reached),
        "by_pavilion": _breakdown(sums.by_pavilion),
        "by_country": _breakdown(sums.by_country),
        "meetings_running": running,
        "rooms_live": live,
        "no_shows": no_shows,
    }


def fair_deals(session: Session, fair_id: int) -> list[dict[str, Any]]:
    """Every deal of the fair, oldest first, with company names and participant ids."""
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    people = {
        p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    rows = session.exec(
        select(Deal).where(Deal.fair_id == fair_id).order_by(col(Deal.recorded_at))
    ).all()

    def key(pid: int | None) -> str | None:
        return people[pid].key if pid in people else None

    return [
        {
            "id": d.id,
            "meeting_id": d.meeting_id,
            "seller": companies[d.seller_id].name,
            "buyer": companies[d.buyer_id].name,
            "type": d.type,
            "amount": str(d.amount),
            "currency": d.currency,
            "note": d.note,
            "recorded_by": key(d.recorded_by_id),
            "recorded_at": d.recorded_at.isoformat(),
            "confirmed_by": key(d.confirmed_by_id),
            "confirmed_at": d.confirmed_at.isoformat() if d.confirmed_at else None,
        }
        for d in rows
    ]
