"""The expo fair's post-fair report as a PDF (issue 22 item 4): generated, imported,
scheduled and published by the real path, played out (`fair.sample.outcome`), then
reported. Every company and every person of a held meeting is in the PDF's text layer
(`pdftotext`: the CJK fonts are embedded as text, not drawn); its figures are the CSV
reports' and the dashboard charts'; a pavilion's or a company's report holds only theirs.
The fair and the whole-fair PDF are built once for the module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import scheduler.problem as sp
from bench.fairs import imported_in_memory, schedule_and_publish
from fair.charts import fair_charts
from fair.db import session_scope
from fair.models import Company, Pavilion
from fair.report import company_rows, deal_rows, report_rows
from fair.sample.outcome import Outcome, play_out
from fair.summary import Scope, meeting_rows, report_content
from tests.web.test_report_pdf import flat, pdf_text
from web import i18n
from web.report_pdf import report_pdf

pytestmark = pytest.mark.integration
RATES = {"EUR": Decimal("1.08")}


@dataclass(frozen=True)
class Expo:
    engine: Engine
    fair_id: int
    outcome: Outcome
    text: str  # the whole-fair PDF's text, without white space


def report_text(expo: Expo, scope: Scope | None = None, language: str = "zh") -> str:
    with Session(expo.engine) as session:
        return flat(pdf_text(report_pdf(session, expo.fair_id, RATES, language, scope)))


@pytest.fixture(scope="module")
def expo() -> Iterator[Expo]:
    i18n.load_catalogues()
    with imported_in_memory("expo", 1) as (engine, fair_id):
        options = sp.Options(time_limit=10.0, workers=1, seed=1)
        schedule_and_publish(engine, fair_id, options, "greedy")
        with session_scope(engine) as session:
            outcome = play_out(session, fair_id, RATES, seed=1)
        made = Expo(engine, fair_id, outcome, "")
        yield Expo(engine, fair_id, outcome, report_text(made))


def is_cjk(text: str) -> bool:
    return any("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in text)


def test_expo_report_has_every_company_and_person_of_a_held_meeting(expo: Expo) -> None:
    with Session(expo.engine) as session:
        companies = [c.name for c in session.exec(select(Company))]
        held = [m for m in meeting_rows(session, expo.fair_id) if m["held"]]
    assert len(companies) > 900 and len(held) == expo.outcome.held > 1000
    people = {m["from"] for m in held} | {m["to"] for m in held}
    cjk = [n for n in [*companies, *people] if is_cjk(n)]
    assert len(cjk) > 1000  # Chinese, Korean and Japanese names, most of them
    missing = [n for n in [*companies, *people] if flat(n) not in expo.text]
    assert missing == []


def test_expo_report_figures_are_the_csv_reports_and_the_charts(expo: Expo) -> None:
    with Session(expo.engine) as session:
        content = report_content(session, expo.fair_id, RATES)
        deals = deal_rows(session, expo.fair_id, RATES)
        companies = company_rows(session, expo.fair_id, RATES)
        orders = report_rows(session, expo.fair_id, "orders", RATES)
        charts = fair_charts(session, expo.fair_id, RATES)
    figures = content["figures"]
    value = sum(Decimal(d["value"]) for d in deals if d["value"] is not None)
    assert Decimal(figures["value"]) == value == Decimal(charts["value"]) > 0
    assert figures["deals"] == charts["deals"] == expo.outcome.deals
    assert figures["held"] == sum(s["held"] for s in charts["slots"]) == expo.outcome.held
    assert figures["no_shows"] == sum(s["no_shows"] for s in charts["slots"])
    assert figures["meetings"] == sum(s["meetings"] for s in charts["slots"])
    assert figures["companies"] == len(companies) and content["companies"] == companies
    assert figures["orders"] == len([o for o in orders if o["status"] != "declined"])
    assert content["by_pavilion"] == [
        {k: r[k] for k in ("name", "deals", "value")} for r in charts["by_pavilion"]
    ]
    assert content["flows"] == charts["flows"]
    # The PDF shows the same total, the way a Chinese reader writes it.
    with i18n.using("zh"):
        assert flat(i18n.amount(value, content["currency"])) in expo.text


def names_in(text: str, names: list[str]) -> set[str]:
    return {n for n in names if flat(n) in text}


def counterparts(rows: list[dict[str, Any]], keys: tuple[str, str]) -> set[str]:
    return {r[k] for r in rows for k in keys}


def test_pavilion_and_company_reports_hold_only_theirs(expo: Expo) -> None:
    with Session(expo.engine) as session:
        everyone = [c.name for c in session.exec(select(Company))]
        pavilion = session.exec(select(Pavilion).order_by(Pavilion.key)).first()
        assert pavilion is not None
        whole = report_content(session, expo.fair_id, RATES)
        mine = report_content(session, expo.fair_id, RATES, Scope(pavilion=pavilion.key))
    assert mine["deals"] and all(d["pavilion"] == pavilion.name for d in mine["deals"])
    assert {c["pavilion"] for c in mine["companies"]} == {pavilion.name}
    assert len(mine["deals"]) < len(whole["deals"])
    # Every company named in the pavilion's PDF is one of its own or met or traded with one.
    allowed = {c["company"] for c in mine["companies"]}
    allowed |= counterparts(mine["deals"], ("seller", "buyer"))
    allowed |= counterparts(mine["held"], ("from_company", "to_company"))
    text = report_text(expo, Scope(pavilion=pavilion.key), "ko")
    shown = names_in(text, everyone)
    # (a name found only inside a longer allowed name is that name)
    assert {n for n in shown if not any(n in m for m in allowed)} == set()
    assert {c["company"] for c in mine["companies"]} <= shown and len(shown) < len(everyone)
    # A company's report: its own deals and meetings, no one else's.
    seller = mine["deals"][0]["seller"]
    with Session(expo.engine) as session:
        own = report_content(session, expo.fair_id, RATES, Scope(company=seller))
    assert own["deals"] and all(seller in (d["seller"], d["buyer"]) for d in own["deals"])
    assert all(seller in m["companies"] for m in own["held"])
    allowed = {seller} | counterparts(own["deals"], ("seller", "buyer"))
    allowed |= counterparts(own["held"], ("from_company", "to_company"))
    shown = names_in(report_text(expo, Scope(company=seller), "ja"), everyone)
    assert seller in shown
    assert {n for n in shown if not any(n in m for m in allowed)} == set()
