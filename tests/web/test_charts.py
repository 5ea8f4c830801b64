"""The live dashboard's chart figures (`fair/charts.py`, GET /api/charts): the same totals
as the dashboard's counters (`fair_totals`) and the reports, for the organiser only."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from fair.charts import bucket_start
from fair.db import open_database, session_scope
from fair.deals import fair_totals
from fair.models import (
    Company,
    Deal,
    DealType,
    Meeting,
    MeetingPresence,
    MeetingRequest,
    MeetingStatus,
    Participant,
    PlaceKind,
)
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration
T0 = datetime(2026, 5, 12, 1, 7, tzinfo=UTC)


@given(st.datetimes(timezones=st.just(UTC)))
def test_bucket_start_is_the_quarter_hour_holding_the_moment(moment: datetime) -> None:
    start = bucket_start(moment)
    assert start <= moment < start + timedelta(minutes=15)
    assert start.minute % 15 == 0 and start.second == 0 and start.microsecond == 0


def add_deals(settings: Settings, fair_id: int) -> None:
    """Deals between KR, CN and DE companies over 40 minutes, in three currencies, one
    of them with no rate (left out of every value); one meeting a no-show, one held."""
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        c = {x.name: x for x in session.exec(select(Company))}
        kr = next(x for x in c.values() if x.country == "KR")
        cn = next(x for x in c.values() if x.country == "CN")
        de = next(x for x in c.values() if x.country == "DE")
        rows = [
            (kr, cn, DealType.PURCHASE, "125000.50", "USD", 0),
            (kr, cn, DealType.INTENT, "1000", "USD", 5),
            (de, cn, DealType.AGENCY, "2000", "EUR", 20),
            (cn, kr, DealType.PROJECT, "300", "USD", 40),
            (cn, de, DealType.PROJECT, "999", "XYZ", 41),  # no rate: unconverted
        ]
        for i, (seller, buyer, kind, amount, currency, minutes) in enumerate(rows):
            session.add(
                Deal(
                    fair_id=fair_id,
                    seller_id=seller.id,
                    buyer_id=buyer.id,
                    type=kind,
                    amount=Decimal(amount),
                    currency=currency,
                    client_key=f"chart-deal-{i}",
                    recorded_at=T0 + timedelta(minutes=minutes),
                    confirmed_at=T0 if i == 0 else None,
                )
            )
        [first] = session.exec(select(Meeting)).all()
        other = session.exec(
            select(MeetingRequest).where(MeetingRequest.id != first.request_id)
        ).first()
        assert other is not None and other.id is not None
        second = Meeting(
            fair_id=fair_id,
            version_id=first.version_id,
            request_id=other.id,
            start=first.start + timedelta(minutes=30),
            end=first.end + timedelta(minutes=30),
            place_kind=PlaceKind.ONLINE,
        )
        session.add(second)
        session.flush()
        meetings = [first, second]
        meetings[0].status = MeetingStatus.NO_SHOW
        person = session.exec(select(Participant)).first()
        assert person is not None and meetings[1].id is not None and person.id is not None
        session.add(
            MeetingPresence(meeting_id=meetings[1].id, participant_id=person.id, first_joined_at=T0)
        )
        session.add(meetings[0])
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The site's settings with a rate for EUR (and none for XYZ)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
        deals_rates=(("EUR", 1.08),),
    )


async def test_charts_agree_with_totals_and_reports(site: Site, settings: Settings) -> None:
    add_deals(settings, site.fair_id)
    await site.sign_in_organiser()
    response = await site.client.get("/api/charts")
    assert response.status == 200
    charts = await response.json()
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        totals = fair_totals(session, site.fair_id, settings.rates)
        meetings = session.exec(select(Meeting)).all()
    engine.dispose()
    rows = (await (await site.client.get("/api/reports/deals")).json())["rows"]

    # The overall value and count: the dashboard's and the deals report's (rated rows).
    assert charts["value"] == totals["value"]
    assert charts["deals"] == totals["deals"] == 4
    assert Decimal(charts["value"]) == sum(Decimal(r["value"]) for r in rows if r["value"])

    # Over time: four deals in three quarter hours; each type sums to the dashboard's.
    assert [b["start"] for b in charts["timeline"]] == [
        "2026-05-12T01:00:00+00:00",
        "2026-05-12T01:15:00+00:00",
        "2026-05-12T01:45:00+00:00",
    ]
    assert [b["deals"] for b in charts["timeline"]] == [2, 1, 1]
    for kind, row in totals["by_type"].items():
        got = sum(Decimal(b["by_type"][kind]) for b in charts["timeline"])
        assert got == Decimal(row["value"]), kind

    # Between countries: seller → buyer, as in the report; each country's total (either
    # side) is the dashboard's "by country".
    report_flows: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["value"]:
            report_flows[r["seller_country"], r["buyer_country"]] += Decimal(r["value"])
    assert {(f["from"], f["to"]): Decimal(f["value"]) for f in charts["flows"]} == report_flows
    by_country: dict[str, Decimal] = defaultdict(Decimal)
    for f in charts["flows"]:
        for country in {f["from"], f["to"]}:
            by_country[country] += Decimal(f["value"])
    assert {r["name"]: Decimal(r["value"]) for r in totals["by_country"]} == by_country

    # By pavilion: the dashboard's rows exactly.
    assert charts["by_pavilion"] == totals["by_pavilion"]

    # Per slot: every meeting of the published schedule, the no-shows the dashboard
    # counts, and the one someone joined.
    slots = charts["slots"]
    assert sum(s["meetings"] for s in slots) == len(
        [m for m in meetings if m.status != MeetingStatus.CANCELLED]
    )
    assert sum(s["no_shows"] for s in slots) == totals["no_shows"] == 1
    assert sum(s["held"] for s in slots) == 1
    starts = Counter(m.start.replace(tzinfo=UTC).isoformat() for m in meetings)
    assert {s["start"]: s["meetings"] for s in slots} == dict(starts)


async def test_charts_empty_fair_has_zero_figures(site: Site) -> None:
    await site.sign_in_organiser()
    charts = await (await site.client.get("/api/charts")).json()
    assert (charts["value"], charts["deals"]) == ("0.00", 0)
    assert charts["timeline"] == charts["flows"] == charts["by_pavilion"] == []
    assert charts["currency"] == "USD" and all(s["held"] == 0 for s in charts["slots"])


@pytest.mark.parametrize("who", ["anonymous", "participant"])
async def test_charts_are_the_organisers_only(site: Site, who: str) -> None:
    if who == "participant":
        await site.sign_in_participant("kr1")
    response = await site.client.get("/api/charts")
    assert response.status == (401 if who == "anonymous" else 403)
