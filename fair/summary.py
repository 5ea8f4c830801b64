"""The post-fair report's content: the headline figures, what the charts draw, and the
tables (deals, companies, orders on the roadshow stages, meetings held), for the whole
fair, one pavilion, or one company.

Everything is built from the rows of the spreadsheet reports (`fair.report`: deals and
companies) and the meetings of the published schedule, so the report's figures are the
CSV reports' and the dashboard's (`fair.charts`): the same values in the fair's
currency, the same rule for a pavilion's deals (the seller's pavilion, else the
buyer's), the same rule for a meeting held (marked done, or someone joined its room).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fair import presence
from fair.errors import InvalidInput
from fair.models import (
    Booth,
    Company,
    DealType,
    Fair,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    MeetingTable,
    Participant,
    Pavilion,
    PlaceKind,
)
from fair.orders import order_rows
from fair.report import _fair, company_rows, deal_rows
from fair.versions import published_version

CENT = Decimal("0.01")


def meeting_rows(session: Session, fair_id: int) -> list[dict[str, Any]]:
    """Every meeting of the published schedule (cancelled ones left out), in time order:
    when (UTC and fair time), where, who met whom (people and companies), and whether it
    was held (marked done, or someone joined its video room in any published version:
    a republish makes new rows and leaves who joined with the old ones) or a no-show."""
    fair = _fair(session, fair_id)
    zone = ZoneInfo(fair.timezone)
    version = published_version(session, fair_id)
    if version is None:
        return []
    people = {
        p.id: p for p in session.exec(select(Participant).where(Participant.fair_id == fair_id))
    }
    companies = {c.id: c for c in session.exec(select(Company).where(Company.fair_id == fair_id))}
    pavilions = {p.id: p for p in session.exec(select(Pavilion).where(Pavilion.fair_id == fair_id))}
    booths = {b.id: b for b in session.exec(select(Booth).where(Booth.fair_id == fair_id))}
    tables = {
        t.id: t for t in session.exec(select(MeetingTable).where(MeetingTable.fair_id == fair_id))
    }
    joined = presence.joined_requests(session, fair_id)
    out = []
    for m, r in session.exec(
        select(Meeting, MeetingRequest)
        .join(MeetingRequest, col(MeetingRequest.id) == col(Meeting.request_id))
        .where(Meeting.version_id == version.id, Meeting.status != MeetingStatus.CANCELLED)
        .order_by(col(Meeting.start), col(Meeting.id))
    ):
        a, b = people[r.from_id], people[r.to_id]
        ca, cb = companies[a.company_id], companies[b.company_id]
        place, pavilion = "", ""
        if m.place_kind == PlaceKind.BOOTH and m.booth_id in booths:
            booth = booths[m.booth_id]
            pavilion, place = pavilions[booth.pavilion_id].name, booth.key
        elif m.place_kind == PlaceKind.TABLE and m.table_id in tables:
            table = tables[m.table_id]
            pavilion, place = pavilions[table.pavilion_id].name, table.key
        no_show = m.status == MeetingStatus.NO_SHOW
        local = m.start.astimezone(zone)
        out.append(
            {
                "start": m.start.isoformat(),
                "fair_time": local.strftime("%Y-%m-%d %H:%M"),
                "day": (local.date() - fair.start).days + 1,
                "place_kind": str(m.place_kind),
                "pavilion": pavilion,
                "place": place,
                "from": a.name,
                "from_company": ca.name,
                "from_country": ca.country,
                "to": b.name,
                "to_company": cb.name,
                "to_country": cb.country,
                "held": not no_show and (m.status == MeetingStatus.DONE or r.id in joined),
                "no_show": no_show,
                "companies": (ca.name, cb.name),
                "pavilions": tuple(
                    pavilions[c.pavilion_id].name if c.pavilion_id in pavilions else ""
                    for c in (ca, cb)
                ),
            }
        )
    return out


@dataclass
class Scope:
    """What a report covers: the whole fair, one pavilion (by key) or one company (by
    name)."""

    pavilion: str = ""
    company: str = ""
    pavilion_name: str = field(default="", init=False)


def _resolve(session: Session, fair: Fair, scope: Scope) -> Scope:
    if scope.pavilion and scope.company:
        raise InvalidInput("a report covers one pavilion or one company, not both")
    if scope.pavilion:
        found = session.exec(
            select(Pavilion).where(Pavilion.fair_id == fair.id, Pavilion.key == scope.pavilion)
        ).first()
        if found is None:
            keys = session.exec(select(Pavilion.key).where(Pavilion.fair_id == fair.id)).all()
            expected = ", ".join(sorted(keys))
            raise InvalidInput(
                f"pavilion: no pavilion {scope.pavilion!r} (expected one of {expected})"
            )
        scope.pavilion_name = found.name
    if scope.company:
        found_company = session.exec(
            select(Company).where(Company.fair_id == fair.id, Company.name == scope.company)
        ).first()
        if found_company is None:
            raise InvalidInput(f"company: no company named {scope.company!r} in this fair")
    return scope


def _sum(rows: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(r["value"]) for r in rows if r["value"] is not None), Decimal(0))


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def report_content(
    session: Session, fair_id: int, rates: Mapping[str, Decimal], scope: Scope | None = None
) -> dict[str, Any]:
    """The post-fair report of `fair_id` within `scope` (see the module's docstring)."""
    fair = _fair(session, fair_id)
    scope = _resolve(session, fair, scope or Scope())
    deals = deal_rows(session, fair_id, rates)
    companies = company_rows(session, fair_id, rates)
    meetings = meeting_rows(session, fair_id)
    # Stage orders placed (pending or confirmed; declined ones are not counted), as the
    # dashboard's and the orders report's.
    orders = [o for o in order_rows(session, fair_id, rates) if o["status"] != "declined"]
    if scope.pavilion:
        name = scope.pavilion_name
        deals = [d for d in deals if d["pavilion"] == name]
        companies = [c for c in companies if c["pavilion"] == name]
        meetings = [m for m in meetings if name in m["pavilions"]]
    elif scope.company:
        name = scope.company
        deals = [d for d in deals if name in (d["seller"], d["buyer"])]
        companies = [c for c in companies if c["company"] == name]
        meetings = [m for m in meetings if name in m["companies"]]
    if scope.pavilion or scope.company:
        names = {c["company"] for c in companies}
        orders = [o for o in orders if o["seller"] in names or o["buyer"] in names]
    converted = [d for d in deals if d["value"] is not None]
    by_type: dict[str, list[Any]] = {str(t): [0, Decimal(0)] for t in DealType}
    by_day: dict[date, dict[str, Decimal]] = defaultdict(
        lambda: {str(t): Decimal(0) for t in DealType}
    )
    by_pavilion: dict[str, list[Any]] = {}
    flows: dict[tuple[str, str], list[Any]] = {}
    for d in converted:
        value = Decimal(d["value"])
        by_type[d["type"]][0] += 1
        by_type[d["type"]][1] += value
        by_day[datetime.fromisoformat(d["recorded_fair_time"]).date()][d["type"]] += value
        row = by_pavilion.setdefault(d["pavilion"] or "—", [0, Decimal(0)])
        row[0] += 1
        row[1] += value
        flow = flows.setdefault((d["seller_country"], d["buyer_country"]), [0, Decimal(0)])
        flow[0] += 1
        flow[1] += value
    per_day: dict[int, Counter[str]] = defaultdict(Counter)
    for m in meetings:
        per_day[m["day"]]["meetings"] += 1
        per_day[m["day"]]["held"] += m["held"]
        per_day[m["day"]]["no_shows"] += m["no_show"]
    return {
        "fair": fair,
        "scope": scope,
        "currency": fair.currency,
        "figures": {
            "value": _money(_sum(deals)),
            "deals": len(converted),
            "unconverted": len(deals) - len(converted),
            "confirmed": sum(1 for d in deals if d["confirmed"]),
            "meetings": len(meetings),
            "held": sum(1 for m in meetings if m["held"]),
            "no_shows": sum(1 for m in meetings if m["no_show"]),
            "companies": len(companies),
            "countries": len({c["country"] for c in companies}),
            "orders": len(orders),
            "orders_value": _money(_sum(orders)),
        },
        "by_type": {k: {"deals": v[0], "value": _money(v[1])} for k, v in by_type.items()},
        "by_day": [
            {"day": day.isoformat(), "by_type": {k: _money(v) for k, v in types.items()}}
            for day, types in sorted(by_day.items())
        ],
        "by_pavilion": [
            {"name": k, "deals": v[0], "value": _money(v[1])}
            for k, v in sorted(by_pavilion.items(), key=lambda kv: (-kv[1][1], kv[0]))
        ],
        "flows": [
            {"from": k[0], "to": k[1], "deals": v[0], "value": _money(v[1])}
            for k, v in sorted(flows.items(), key=lambda kv: (-kv[1][1], kv[0]))
        ],
        "meetings_by_day": [
            {"day": day, **{k: counts[k] for k in ("meetings", "held", "no_shows")}}
            for day, counts in sorted(per_day.items())
        ],
        "deals": deals,
        "companies": companies,
        "orders": orders,
        "held": [m for m in meetings if m["held"]],
    }
