"""Data in the viewer's language: time zones named the CLDR way with the person's
country's first, countries by name on the dashboard, the control room and the reports,
sectors and offers through the product-term dictionary."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from decimal import Decimal

import pytest
from sqlmodel import select

from fair.db import open_database, session_scope
from fair.models import Company, Deal, DealType, Participant
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def _options(text: str) -> list[tuple[str, str]]:
    select_ = text.split('name="timezone"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select_)


async def test_availability_lists_the_countrys_zones_first_with_localized_names(
    site: Site,
) -> None:
    await site.sign_in_participant("kr1")  # a Korean company
    text = await (await site.client.get("/me/availability?lang=ko")).text()
    options = _options(text)
    assert options[0] == ("Asia/Seoul", "대한민국 시간 · Asia/Seoul")
    assert '<optgroup label="대한민국 (회사 소재국)">' in text  # translated
    values = [v for v, _ in options]
    assert values.index("Asia/Seoul") < values.index("Africa/Abidjan")
    assert len(values) == len(set(values)) > 400  # every zone still offered, once
    shanghai = dict(options)["Asia/Shanghai"]
    assert shanghai == "중국(상하이) 시간 · Asia/Shanghai"


async def test_availability_zones_for_a_chinese_buyer_in_chinese(site: Site) -> None:
    await site.sign_in_participant("cn1")
    options = _options(await (await site.client.get("/me/availability?lang=zh")).text())
    assert [v for v, _ in options[:2]] == ["Asia/Shanghai", "Asia/Urumqi"]
    assert options[0][1] == "中国（上海）时间 · Asia/Shanghai"


def _deal(settings: Settings, fair_id: int) -> None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        companies = {c.name: c.id for c in session.exec(select(Company))}
        recorder = session.exec(select(Participant).where(Participant.key == "kr1")).one()
        session.add(
            Deal(
                fair_id=fair_id,
                seller_id=companies["부산해양식품 주식회사"],
                buyer_id=companies["青岛海润食品有限公司"],
                type=DealType.PURCHASE,
                amount=Decimal("1000"),
                currency="USD",
                client_key="localized-deal",
                recorded_by_id=recorder.id,
            )
        )
    engine.dispose()


async def test_dashboard_and_reports_name_countries_in_the_viewers_language(
    site: Site, settings: Settings
) -> None:
    _deal(settings, site.fair_id)
    await site.sign_in_organiser()
    dashboard = await (await site.client.get("/organiser/dashboard?lang=ko")).text()
    by_country = dashboard.split('id="by-country"')[1].split("</tbody>")[0]
    assert '<td title="KR">대한민국</td>' in by_country
    assert '<td title="CN">중국</td>' in by_country
    names = re.search(r"data-names='([^']*)'", by_country)
    assert names and json.loads(html.unescape(names.group(1)))["KR"] == "대한민국"  # live rows
    data = await (await site.client.get("/organiser/reports/companies?lang=ja")).read()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["company"]: r["country"] for r in rows}["부산해양식품 주식회사"] == "韓国"
    deals = await (await site.client.get("/organiser/reports/deals?lang=zh")).read()
    [deal] = list(csv.DictReader(io.StringIO(deals.decode("utf-8-sig"))))
    assert (deal["seller_country"], deal["buyer_country"]) == ("韩国", "中国")
    # JSON is for programs: ISO codes stay.
    response = await site.client.get("/organiser/reports/deals?format=json&lang=zh")
    assert '"seller_country": "KR"' in await response.text()


async def test_control_room_country_filter_names_countries(site: Site) -> None:
    await site.sign_in_organiser()
    text = await (await site.client.get("/organiser/control?lang=zh")).text()
    assert '<option value="KR" >韩国</option>' in text


async def test_booth_shows_sectors_and_offers_in_the_viewers_language(
    site: Site, settings: Settings
) -> None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        kr = session.exec(select(Company).where(Company.name == "부산해양식품 주식회사")).one()
        kr_id = kr.id
    engine.dispose()
    page = f"/fair/{site.fair_id}/companies/{kr_id}"
    ko = await (await site.client.get(page, params={"lang": "zh"})).text()
    # sectors "seafood;food", offers "frozen seafood;laver"
    assert '<li class="tag" title="seafood">海鲜</li>' in ko
    assert '<li class="tag offer" title="frozen seafood">冷冻海鲜</li>' in ko
    assert '<li class="tag offer" title="laver">海苔</li>' in ko
    assert "韩国" in ko  # the country by name
    en = await (await site.client.get(page, params={"lang": "en"})).text()
    assert '<li class="tag offer" title="laver">laver</li>' in en


async def test_catalogue_filters_and_participants_name_countries_and_sectors(
    site: Site,
) -> None:
    catalogue = await (
        await site.client.get(f"/fair/{site.fair_id}/catalogue", params={"lang": "ja"})
    ).text()
    assert '<option value="KR">韓国</option>' in catalogue
    await site.sign_in_organiser()
    people = await (await site.client.get("/organiser/participants?lang=ko")).text()
    assert '<span class="tag" title="CN">중국</span>' in people
    assert '<option value="DE" >독일</option>' in people
