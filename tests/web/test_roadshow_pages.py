"""Roadshow pages: the programme in the viewer's time zone and its links from the floor,
the stage page for participants and the organiser, attending (the roadshow then in the
calendar and the feed, with ETag/304 still working), scheduling from the portal and by
the organiser with clear refusals, and every page in zh/ko/ja."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from fair.db import open_database
from fair.models import Company, Participant, Pavilion, Product, Roadshow, TokenKind
from fair.settings import Settings
from fair.tokens import issue_token
from tests.realtime.test_roadshow_stage import add_roadshow
from tests.web.conftest import Site
from tests.web.test_translations import LANGUAGES, _check

pytestmark = pytest.mark.integration


def _csrf(text: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _one(settings: Settings, model: type, **where: object) -> object:
    engine = open_database(settings.database_url)
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = session.exec(query).first()
    engine.dispose()
    return found


def _roadshows(settings: Settings) -> list[Roadshow]:
    engine = open_database(settings.database_url)
    with Session(engine) as session:
        found = list(session.exec(select(Roadshow).order_by(Roadshow.id)))  # type: ignore[arg-type]
    engine.dispose()
    return found


async def test_programme_lists_roadshows_in_the_viewer_time_zone(
    site: Site, settings: Settings
) -> None:
    add_roadshow(settings.database_url)  # day 2, 11:00 Asia/Shanghai = 04:00 in Berlin
    anonymous = await (await site.client.get(f"/fair/{site.fair_id}/programme?lang=en")).text()
    assert "조미김 신제품 런칭" in anonymous
    assert "11:00" in anonymous and "Asia/Shanghai" in anonymous
    assert "이서연" not in anonymous  # people's names only for signed-in visitors
    await site.sign_in_participant("de1")
    mine = await (await site.client.get(f"/fair/{site.fair_id}/programme?lang=en")).text()
    assert "4:00" in mine and "Europe/Berlin" in mine
    assert "Korea Pavilion stage" in mine
    assert "이서연" in mine


async def test_programme_is_empty_without_roadshows(site: Site) -> None:
    text = await (await site.client.get(f"/fair/{site.fair_id}/programme?lang=en")).text()
    assert 'id="programme-empty"' in text


async def test_floor_pages_link_the_programme(site: Site, settings: Settings) -> None:
    pavilion = _one(settings, Pavilion, key="KR")
    company = _one(settings, Company, name="부산해양식품 주식회사")
    assert isinstance(pavilion, Pavilion) and isinstance(company, Company)
    programme = f"/fair/{site.fair_id}/programme"
    floor = await (await site.client.get(f"/fair/{site.fair_id}")).text()
    assert f'href="{programme}"' in floor
    hall = await (await site.client.get(f"/fair/{site.fair_id}/pavilions/{pavilion.id}")).text()
    assert f'href="{programme}?pavilion={pavilion.id}"' in hall
    booth = await (await site.client.get(f"/fair/{site.fair_id}/companies/{company.id}")).text()
    assert f'href="{programme}?company={company.id}"' in booth


async def test_stage_page_needs_a_participant_of_the_fair_or_the_organiser(
    site: Site, settings: Settings
) -> None:
    roadshow, _ = add_roadshow(settings.database_url)
    path = f"/fair/{site.fair_id}/roadshows/{roadshow}"
    anonymous = await site.client.get(path, allow_redirects=False)
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/login")
    await site.sign_in_participant("de1")
    viewer = await (await site.client.get(path)).text()
    assert 'data-role="viewer"' in viewer and "stage.js" in viewer
    assert 'id="btn-attend"' in viewer and 'id="btn-meet"' in viewer
    assert "interest-form" in viewer
    await site.sign_in_participant("kr2")
    presenter = await (await site.client.get(path)).text()
    assert 'data-role="presenter"' in presenter and 'id="btn-start"' in presenter
    assert "interest-form" not in presenter  # not for one's own products
    site.client.session.cookie_jar.clear()
    await site.sign_in_organiser()
    observer = await (await site.client.get(path)).text()
    assert 'data-role="observer"' in observer
    missing = await site.client.get(f"/fair/{site.fair_id}/roadshows/999999")
    assert missing.status == 404


async def test_attending_puts_the_roadshow_in_the_calendar_and_feed(
    site: Site, settings: Settings
) -> None:
    roadshow, _ = add_roadshow(settings.database_url)
    engine = open_database(settings.database_url)
    with Session(engine) as session:
        de1 = session.exec(select(Participant).where(Participant.key == "de1")).one()
        feed_token = issue_token(session, de1, TokenKind.FEED)
        session.commit()
    engine.dispose()
    await site.sign_in_participant("de1")
    before = await (await site.client.get("/me/agenda.ics")).text()
    assert "roadshow@fair" not in before
    page = await (await site.client.get(f"/fair/{site.fair_id}/roadshows/{roadshow}")).text()
    response = await site.client.post(
        f"/fair/{site.fair_id}/roadshows/{roadshow}/attend",
        data={"csrf": _csrf(page), "attend": "1"},
        allow_redirects=False,
    )
    assert response.status == 302 and "done=attending" in response.headers["Location"]
    after = await (await site.client.get("/me/agenda.ics")).text()
    assert "roadshow@fair" in after
    assert "SUMMARY:Roadshow: 조미김 신제품 런칭" in after
    assert "DTSTART:20261128T030000Z" in after  # 11:00 in Shanghai
    feed = await site.client.get(f"/feed/{feed_token}.ics")
    assert feed.status == 200 and "roadshow@fair" in await feed.text()
    again = await site.client.get(
        f"/feed/{feed_token}.ics", headers={"If-None-Match": feed.headers["ETag"]}
    )
    assert again.status == 304
    shown = await (await site.client.get(f"/fair/{site.fair_id}/roadshows/{roadshow}")).text()
    assert 'data-attending="yes"' in shown and 'id="attend-done"' not in shown


async def test_presenter_calendar_has_the_roadshow(site: Site, settings: Settings) -> None:
    add_roadshow(settings.database_url)
    await site.sign_in_participant("kr2")
    text = await (await site.client.get("/me/agenda.ics")).text()
    assert "SUMMARY:Presenting: 조미김 신제품 런칭" in text


async def test_exhibitor_schedules_a_roadshow_from_the_portal(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_participant("kr1")
    page = await site.client.get("/me/roadshows?lang=en")
    assert page.status == 200
    text = await page.text()
    form = {
        "csrf": _csrf(text),
        "title": "Laver tasting",
        "presenter": "kr2",
        "day": "2",
        "start": "09:30",
        "minutes": "30",
    }
    response = await site.client.post("/me/roadshows", data=form, allow_redirects=False)
    assert response.status == 302, await response.text()
    [show] = _roadshows(settings)
    assert show.title == "Laver tasting" and show.audience_limit == 50
    listed = await (await site.client.get("/me/roadshows?done=scheduled&lang=en")).text()
    assert 'id="roadshow-done"' in listed and "Laver tasting" in listed
    clash = await site.client.post("/me/roadshows", data={**form, "presenter": "kr1"})
    assert clash.status == 422
    assert "Korea Pavilion stage is taken by “Laver tasting”" in await clash.text()


async def test_portal_roadshow_refused_over_presenter_meeting_names_it(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_participant("kr1")
    text = await (await site.client.get("/me/roadshows")).text()
    form = {"csrf": _csrf(text), "title": "Pitch", "presenter": "kr1", "day": "1"}
    # The published schedule has cn1 → kr1 (r1) on day 1 at 09:00.
    response = await site.client.post("/me/roadshows", data={**form, "start": "09:00"})
    assert response.status == 422
    assert "김민준 has a meeting then" in await response.text()
    assert _roadshows(settings) == []


async def test_buyers_cannot_schedule_roadshows(site: Site) -> None:
    await site.sign_in_participant("de1")
    page = await site.client.get("/me/roadshows", allow_redirects=False)
    assert page.status == 302  # a buyer's "Roadshows" link leads to the programme
    assert page.headers["Location"] == f"/fair/{site.fair_id}/programme"
    agenda = await (await site.client.get("/me")).text()
    csrf = agenda.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = await site.client.post("/me/roadshows", data={"csrf": csrf}, allow_redirects=False)
    assert refused.status == 403
    assert "scheduled by exhibitors" in await refused.text()


async def test_organiser_schedules_with_product_ids_and_cancels(
    site: Site, settings: Settings
) -> None:
    _, products = add_roadshow(settings.database_url)
    product = _one(settings, Product, id=products[0])
    assert isinstance(product, Product)
    await site.sign_in_organiser()
    csrf = await site.csrf()
    form = {
        "csrf": csrf,
        "title": "Busan seafood week",
        "presenter": "kr1",
        "day": "2",
        "start": "09:00",
        "minutes": "60",
        "product_keys": product.key,
        "audience_limit": "20",
    }
    response = await site.client.post("/organiser/roadshows", data=form, allow_redirects=False)
    assert response.status == 302, await response.text()
    show = _roadshows(settings)[-1]
    assert show.products == [product.id] and show.audience_limit == 20
    bad = await site.client.post("/organiser/roadshows", data={**form, "product_keys": "nope"})
    assert bad.status == 422 and "no product &#39;nope&#39;" in await bad.text()
    cancel = await site.client.post(
        f"/organiser/roadshows/{show.id}/cancel", data={"csrf": csrf}, allow_redirects=False
    )
    assert cancel.status == 302
    assert _roadshows(settings)[-1].status == "cancelled"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_roadshow_pages_render_translated(site: Site, settings: Settings, lang: str) -> None:
    roadshow, _ = add_roadshow(settings.database_url)
    await site.sign_in_participant("kr1")
    await _check(
        site,
        {
            f"/fair/{site.fair_id}/programme": ["Roadshows and livestreams"],
            f"/fair/{site.fair_id}/roadshows/{roadshow}": ["Products shown"],
            "/me/roadshows": ["Schedule a roadshow"],
        },
        lang,
    )
    site.client.session.cookie_jar.clear()
    await site.sign_in_organiser()
    await _check(site, {"/organiser/roadshows": ["Schedule a roadshow"]}, lang)
