"""The reports an organiser takes home from a fair: every deal, and every company's
meetings and deals.

The seed counts a fair by its deals (projects signed, contracts, value in one currency)
and by who met whom; these are the tables behind such a summary, for a spreadsheet
(CSV, with a byte-order mark so that spreadsheet programs read Chinese, Korean and
Japanese names right) or for a program (JSON). Values are converted to the fair's
currency with the configured rates (`deals.rates`), like the live dashboard; a deal in
a currency whose rate was removed keeps its amount and has no value.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair.deals import fair_value
from fair.errors import InvalidInput, NotFound
from fair.export import csv_bytes, spreadsheet_cell
from fair.models import (
    Company,
    Deal,
    Fair,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    MeetingStatus,
    Participant,
    Pavilion,
    PlaceKind,
)
from fair.orders import ORDER_COLUMNS, order_rows
from fair.versions import published_version

DEAL_COLUMNS = (
    "id",
    "recorded_at",
    "recorded_fair_time",
    "type",
    "seller",
    "seller_country",
    "pavilion",
    "buyer",
    "buyer_country",
    "amount",
    "currency",
    "value",
    "value_currency",
    "confirmed",
    "confirmed_at",
    "recorded_by",
    "confirmed_by",
    "meeting",
    "note",
)
COMPANY_COLUMNS = (
    "company",
    "country",
    "role",
    "pavilion",
    "participants",
    "meetings",
    "online_meetings",
    "online_joined",
    "no_shows",
    "deals",
    "confirmed_deals",
    "value",
    "value_currency",
    "unconverted_deals",
)
REPORTS = {"deals": DEAL_COLUMNS, "companies": COMPANY_COLUMNS, "orders": ORDER_COLUMNS}
FORMATS = ("csv", "json")


def _fair(session: Session, fair_id: int) -> Fair:
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    return fair


def deal_rows(session: Session, fair_id: int, rates: Mapping[str, Decimal]) -> list[dict[str, Any]]:
    """Every deal of the fair, oldest first: who sold to whom (companies, countries, the
    seller's pavilion), the amount as recorded and its value in the fair's currency,
    who recorded and who confirmed it (participant ids), and the meeting's uid."""
    fair = _fair(session, fair_id)
    zone = ZoneInfo(fair.timezone)
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    pavilions = {p.id: p for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))}
    people = {
        p.id: p.key for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    meetings = dict(
        session.exec(
            select(Meeting.id, MeetingRequest.uid)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(col(Meeting.id).in_(select(Deal.meeting_id).where(Deal.fair_id == fair_id)))
        ).all()
    )
    rows = []
    for d in session.exec(
        select(Deal).where(Deal.fair_id == fair_id).order_by(col(Deal.recorded_at), col(Deal.id))
    ):
        seller, buyer = companies[d.seller_id], companies[d.buyer_id]
        # The seller's pavilion, else the buyer's: as the dashboard's "by pavilion".
        pavilion_id = seller.pavilion_id or buyer.pavilion_id
        pavilion = pavilions.get(pavilion_id) if pavilion_id else None
        value = fair_value(d.amount, d.currency, fair.currency, rates)
        rows.append(
            {
                "id": d.id,
                "recorded_at": d.recorded_at.isoformat(),
                "recorded_fair_time": d.recorded_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                "type": str(d.type),
                "seller": seller.name,
                "seller_country": seller.country,
                "pavilion": pavilion.name if pavilion else "",
                "buyer": buyer.name,
                "buyer_country": buyer.country,
                "amount": format(d.amount, "f"),
                "currency": d.currency,
                "value": None if value is None else format(value, "f"),
                "value_currency": fair.currency,
                "confirmed": d.confirmed_at is not None,
                "confirmed_at": d.confirmed_at.isoformat() if d.confirmed_at else None,
                "recorded_by": people.get(d.recorded_by_id),
                "confirmed_by": people.get(d.confirmed_by_id),
                "meeting": meetings.get(d.meeting_id),
                "note": d.note,
            }
        )
    return rows


def company_rows(
    session: Session, fair_id: int, rates: Mapping[str, Decimal]
) -> list[dict[str, Any]]:
    """Every company of the fair, most deal value first: its meetings in the published
    schedule (as requester's or invitee's company; cancelled ones not counted), how many
    of them were online and in how many of those someone of the company joined the room,
    its no-shows (online meetings it was marked absent from), and its deals as seller or
    buyer with their value in the fair's currency."""
    fair = _fair(session, fair_id)
    companies = session.exec(select(Company).where(Company.fair_id == fair_id)).all()
    pavilions = {p.id: p for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))}
    company_of = dict(
        session.exec(
            select(Participant.id, Participant.company_id).where(Participant.fair_id == fair_id)
        ).all()
    )
    staff = Counter(company_of.values())
    meetings: Counter[int] = Counter()
    online: Counter[int] = Counter()
    joined: Counter[int] = Counter()
    no_shows: Counter[int] = Counter()
    version = published_version(session, fair_id)
    if version is not None:
        rows = session.exec(
            select(Meeting, MeetingRequest)
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(Meeting.version_id == version.id, Meeting.status != MeetingStatus.CANCELLED)
        ).all()
        # Presence by request, over every published version: a republish makes new
        # meeting rows and leaves who joined with the rows of the version before.
        presence: dict[int, list[MeetingPresence]] = defaultdict(list)
        for p, request_id in session.exec(
            select(MeetingPresence, Meeting.request_id)
            .join(Meeting, col(Meeting.id) == col(MeetingPresence.meeting_id))
            .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
            .where(MeetingRequest.fair_id == fair_id)
        ):
            presence[request_id].append(p)
        for meeting, request in rows:
            sides = {company_of[request.from_id], company_of[request.to_id]}
            here = presence.get(meeting.request_id, [])
            for company_id in sides:
                meetings[company_id] += 1
                if meeting.place_kind != PlaceKind.ONLINE:
                    continue
                online[company_id] += 1
                mine = [p for p in here if company_of.get(p.participant_id) == company_id]
                if any(p.first_joined_at is not None for p in mine):
                    joined[company_id] += 1
                elif meeting.status == MeetingStatus.NO_SHOW:
                    no_shows[company_id] += 1
    deals: Counter[int] = Counter()
    confirmed: Counter[int] = Counter()
    unconverted: Counter[int] = Counter()
    value: dict[int, Decimal] = defaultdict(Decimal)
    for d in session.exec(select(Deal).where(Deal.fair_id == fair_id)):
        amount = fair_value(d.amount, d.currency, fair.currency, rates)
        for company_id in {d.seller_id, d.buyer_id}:
            deals[company_id] += 1
            confirmed[company_id] += d.confirmed_at is not None
            if amount is None:
                unconverted[company_id] += 1
            else:
                value[company_id] += amount
    out: list[dict[str, Any]] = []
    for c in companies:
        assert c.id is not None
        pavilion = pavilions.get(c.pavilion_id) if c.pavilion_id else None
        out.append(
            {
                "company": c.name,
                "country": c.country,
                "role": str(c.role),
                "pavilion": pavilion.name if pavilion else "",
                "participants": staff[c.id],
                "meetings": meetings[c.id],
                "online_meetings": online[c.id],
                "online_joined": joined[c.id],
                "no_shows": no_shows[c.id],
                "deals": deals[c.id],
                "confirmed_deals": confirmed[c.id],
                "value": format(value[c.id].quantize(Decimal("0.01")), "f"),
                "value_currency": fair.currency,
                "unconverted_deals": unconverted[c.id],
            }
        )
    out.sort(key=lambda r: (-Decimal(r["value"]), -r["meetings"], r["company"]))
    return out


def report_rows(
    session: Session, fair_id: int, name: str, rates: Mapping[str, Decimal]
) -> list[dict[str, Any]]:
    """The rows of report `name` (`deals`, `companies` or `orders`)."""
    if name == "deals":
        return deal_rows(session, fair_id, rates)
    if name == "orders":
        return order_rows(session, fair_id, rates)
    if name == "companies":
        return company_rows(session, fair_id, rates)
    raise InvalidInput(f"report: expected one of {', '.join(REPORTS)}, not {name!r}")


COUNTRY_COLUMNS = ("country", "seller_country", "buyer_country")


def format_report(
    name: str,
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    country_names: Mapping[str, str] | None = None,
) -> bytes:
    """Report `name` as CSV (UTF-8 with a byte-order mark, CRLF, `yes`/`no` for booleans,
    no cell a spreadsheet would take for a formula) or JSON (a list of objects, as is).

    `country_names` (code → name in the reader's language) names the countries of a CSV,
    which people read; JSON, which programs read, keeps the ISO codes."""
    if fmt == "json":
        return (json.dumps(list(rows), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt != "csv":
        raise InvalidInput(f"format: expected csv or json, not {fmt!r}")
    if country_names:
        rows = [
            {k: country_names.get(v, v) if k in COUNTRY_COLUMNS else v for k, v in row.items()}
            for row in rows
        ]
    cells = [{k: spreadsheet_cell(v) for k, v in row.items()} for row in rows]
    return "\ufeff".encode() + csv_bytes(REPORTS[name], cells)
