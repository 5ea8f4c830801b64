"""The figures behind the live dashboard's charts.

The same deals and meetings as the dashboard's totals (`fair.deals.fair_totals`) and the
reports (`fair.report`), arranged for pictures: deal value over time by type (15-minute
buckets of when each deal was recorded), value between countries (seller's country →
buyer's country), value by pavilion, and meetings held and no-shows per slot of the
published schedule. Values are in the fair's currency with the rates of `deals.rates`;
a deal whose currency lost its rate is left out, as from the totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from fair import presence
from fair.deals import CENT, _breakdown, _sum_deals, fair_value
from fair.errors import NotFound
from fair.models import (
    Company,
    Deal,
    DealType,
    Fair,
    Meeting,
    MeetingStatus,
    utcnow,
)
from fair.orders import order_totals
from fair.versions import published_version

BUCKET = timedelta(minutes=15)


def bucket_start(moment: datetime) -> datetime:
    """The start of the 15-minute bucket holding `moment` (in UTC; every time zone's
    offset is a whole number of quarter hours, so the buckets line up in any zone)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _timeline(
    deals: list[Deal], currency: str, rates: Mapping[str, Decimal]
) -> list[dict[str, Any]]:
    buckets: dict[datetime, dict[str, Decimal]] = defaultdict(
        lambda: {t.value: Decimal(0) for t in DealType}
    )
    counts: dict[datetime, int] = defaultdict(int)
    for d in deals:
        value = fair_value(d.amount, d.currency, currency, rates)
        if value is None:
            continue
        start = bucket_start(d.recorded_at)
        buckets[start][str(d.type)] += value
        counts[start] += 1
    return [
        {
            "start": start.isoformat(),
            "deals": counts[start],
            "by_type": {k: _money(v) for k, v in buckets[start].items()},
        }
        for start in sorted(buckets)
    ]


def _flows(
    session: Session, fair_id: int, deals: list[Deal], currency: str, rates: Mapping[str, Decimal]
) -> list[dict[str, Any]]:
    country = dict(
        session.exec(select(Company.id, Company.country).where(Company.fair_id == fair_id)).all()
    )
    table: dict[tuple[str, str], list[Any]] = {}
    for d in deals:
        value = fair_value(d.amount, d.currency, currency, rates)
        if value is None:
            continue
        key = (country.get(d.seller_id, ""), country.get(d.buyer_id, ""))
        row = table.setdefault(key, [0, Decimal(0)])
        row[0] += 1
        row[1] += value
    ordered = sorted(table.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return [{"from": k[0], "to": k[1], "deals": v[0], "value": _money(v[1])} for k, v in ordered]


def _slots(session: Session, fair_id: int) -> list[dict[str, Any]]:
    """Per slot start of the published schedule: meetings (not cancelled), how many were
    held (marked done, or someone joined the video room) and how many were no-shows."""
    version = published_version(session, fair_id)
    if version is None:
        return []
    meetings = session.exec(
        select(Meeting).where(
            Meeting.version_id == version.id, Meeting.status != MeetingStatus.CANCELLED
        )
    ).all()
    # Presence by request over every version: a republish makes new meeting rows and
    # leaves who joined with the rows of the version before (as the companies report).
    joined = presence.joined_requests(session, fair_id)
    rows: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
    for m in meetings:
        row = rows[m.start]
        row[0] += 1
        if m.status == MeetingStatus.NO_SHOW:
            row[2] += 1
        elif m.status == MeetingStatus.DONE or m.request_id in joined:
            row[1] += 1
    return [
        {
            "start": (start if start.tzinfo else start.replace(tzinfo=UTC)).isoformat(),
            "meetings": r[0],
            "held": r[1],
            "no_shows": r[2],
        }
        for start, r in sorted(rows.items())
    ]


def fair_charts(
    session: Session, fair_id: int, rates: Mapping[str, Decimal], now: datetime | None = None
) -> dict[str, Any]:
    """The fair's chart figures (see the module's docstring and docs/api.md)."""
    fair = session.get(Fair, fair_id)
    if fair is None:
        raise NotFound(f"no fair {fair_id}")
    now = now or utcnow()
    deals = list(
        session.exec(
            select(Deal).where(Deal.fair_id == fair_id).order_by(col(Deal.recorded_at))
        ).all()
    )
    sums = _sum_deals(session, fair_id, deals, fair.currency, rates)
    return {
        "fair": fair_id,
        "currency": fair.currency,
        "timezone": fair.timezone,
        "as_of": now.isoformat(),
        "bucket_minutes": int(BUCKET.total_seconds() // 60),
        "value": _money(sums.total),
        "deals": len(deals) - sums.unconverted,
        "timeline": _timeline(deals, fair.currency, rates),
        "flows": _flows(session, fair_id, deals, fair.currency, rates),
        "by_pavilion": _breakdown(sums.by_pavilion),
        "slots": _slots(session, fair_id),
        # The stage orders' totals, the same figures as the dashboard's (`fair.orders`).
        "orders": {
            k: v for k, v in order_totals(session, fair_id, rates, now).items() if k != "rows"
        },
    }
