"""Fair floor pages: who sees what, the catalogue search, request-a-meeting from a booth
and from a suggestion."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from fair import search
from fair.db import open_database, session_scope
from fair.models import Company, MeetingRequest, Pavilion, Product
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration

SEAFOOD = "부산해양식품 주식회사"


def _ids(settings: Settings) -> dict[str, int]:
    engine = open_database(settings.database_url)
    with Session(engine) as s:
        kr = s.exec(select(Company).where(Company.name == SEAFOOD)).one()
        buyer = s.exec(select(Company).where(Company.country == "CN")).first()
        pavilion = s.exec(select(Pavilion).where(Pavilion.key == "KR")).one()
        assert kr.id and buyer and buyer.id and pavilion.id
        ids = {"kr": kr.id, "cn": buyer.id, "pavilion": pavilion.id, "fair": kr.fair_id}
    engine.dispose()
    return ids


def _add_products(settings: Settings, company_id: int, fair_id: int, n: int = 3) -> None:
    engine = open_database(settings.database_url)
    with session_scope(engine) as s:
        for i in range(n):
            s.add(
                Product(
                    fair_id=fair_id,
                    key=f"T{i:03d}",
                    company_id=company_id,
                    name=f"건조 김 Dried Laver No. {i}",
                    description="Roasted and seasoned; 한국산",
                    sector="seafood",
                    origin="KR",
                    price_min=Decimal("1.20"),
                    price_max=Decimal("2.40"),
                    currency="USD",
                    moq=1000,
                    certifications=["HACCP"],
                )
            )
        s.flush()
        search.rebuild(s, fair_id)
    engine.dispose()


async def _csrf(site: Site, path: str) -> str:
    text = await (await site.client.get(path)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def test_floor_home_redirects_to_the_fair(site: Site) -> None:
    response = await site.client.get("/fair", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"/fair/{site.fair_id}"


async def test_floor_lists_pavilions_for_anonymous_visitors(site: Site) -> None:
    response = await site.client.get(f"/fair/{site.fair_id}")
    text = await response.text()
    assert response.status == 200
    assert "Korea Pavilion" in text and "Shandong Hall" in text
    assert "🇰🇷" in text
    assert "Suggested for you" not in text  # only for participants


async def test_pavilion_page_shows_its_exhibitors(site: Site, settings: Settings) -> None:
    ids = _ids(settings)
    response = await site.client.get(f"/fair/{site.fair_id}/pavilions/{ids['pavilion']}")
    text = await response.text()
    assert response.status == 200
    assert SEAFOOD in text and "KR-B01" in text and "seafood" in text


async def test_pavilion_of_another_fair_is_not_found(site: Site) -> None:
    response = await site.client.get(f"/fair/{site.fair_id}/pavilions/999")
    assert response.status == 404


async def test_booth_shows_products_but_not_people_to_anonymous(
    site: Site, settings: Settings
) -> None:
    ids = _ids(settings)
    _add_products(settings, ids["kr"], ids["fair"])
    response = await site.client.get(f"/fair/{site.fair_id}/companies/{ids['kr']}")
    text = await response.text()
    assert response.status == 200
    assert "건조 김 Dried Laver No. 0" in text
    assert "$1.20" in text and "$2.40" in text and "HACCP" in text and "1,000" in text
    assert "frozen seafood" in text  # what it offers
    assert "김민준" not in text  # people are for signed-in visitors
    assert 'name="to"' not in text


async def test_booth_shows_people_and_request_form_to_a_buyer(
    site: Site, settings: Settings
) -> None:
    ids = _ids(settings)
    await site.sign_in_participant("cn1")
    text = await (await site.client.get(f"/fair/{site.fair_id}/companies/{ids['kr']}")).text()
    assert "김민준" in text and "이서연" in text
    assert 'action="/me/meet"' in text
    assert 'value="kr1" disabled' in text  # cn1 asked kr1 already
    assert "already requested" in text


async def test_booth_says_so_when_everyone_was_asked(site: Site, settings: Settings) -> None:
    ids = _ids(settings)
    await site.sign_in_participant("de1")  # asked kr1 and kr2
    text = await (await site.client.get(f"/fair/{site.fair_id}/companies/{ids['kr']}")).text()
    assert "You already have a request with everyone at this stand" in text
    assert 'disabled id="already-requested"' in text
    assert 'action="/me/meet"' not in text


async def test_booth_shows_people_to_the_organiser(site: Site, settings: Settings) -> None:
    ids = _ids(settings)
    await site.sign_in_organiser()
    text = await (await site.client.get(f"/fair/{site.fair_id}/companies/{ids['kr']}")).text()
    assert "김민준" in text
    assert 'action="/me/meet"' not in text


async def test_request_a_meeting_from_a_booth(site: Site, settings: Settings) -> None:
    ids = _ids(settings)
    await site.sign_in_participant("cn1")
    booth = f"/fair/{site.fair_id}/companies/{ids['kr']}"
    csrf = await _csrf(site, booth)
    response = await site.client.post(
        "/me/meet",
        data={"csrf": csrf, "to": "kr2", "priority": "4", "back": "booth", "company": ids["kr"]},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == f"{booth}?done=sent#meet"
    engine = open_database(settings.database_url)
    with Session(engine) as s:
        sent = s.exec(select(MeetingRequest).where(MeetingRequest.key == "cn1>kr2")).one()
        assert sent.priority == 4
    engine.dispose()
    text = await (await site.client.get(f"{booth}?done=sent")).text()
    assert "Your request was sent" in text


async def test_request_a_meeting_refused_shows_the_error_on_the_booth(
    site: Site, settings: Settings
) -> None:
    ids = _ids(settings)
    await site.sign_in_participant("cn1")
    booth = f"/fair/{site.fair_id}/companies/{ids['kr']}"
    csrf = await _csrf(site, booth)
    response = await site.client.post(
        "/me/meet",
        data={"csrf": csrf, "to": "kr1", "priority": "3", "back": "booth", "company": ids["kr"]},
    )
    text = await response.text()
    assert response.status == 422
    assert 'class="field-error" id="err-to"' in text
    assert "already requested: you sent" in text


async def test_booth_marks_people_who_asked_me_as_already_requested(
    site: Site, settings: Settings
) -> None:
    ids = _ids(settings)
    await site.sign_in_participant("kr2")  # de1 asked kr2 (r3)
    engine = open_database(settings.database_url)
    with Session(engine) as s:
        hanse = s.exec(select(Company).where(Company.name == "Hanse Feinkost GmbH")).one()
    engine.dispose()
    text = await (await site.client.get(f"/fair/{ids['fair']}/companies/{hanse.id}")).text()
    # de1 is Hanse's only person: no form, the button says so.
    assert 'id="already-requested"' in text and "Already requested" in text
    assert 'action="/me/meet"' not in text


async def test_catalogue_finds_korean_names_and_pages(site: Site, settings: Settings) -> None:
    ids = _ids(settings)
    _add_products(settings, ids["kr"], ids["fair"], n=30)
    base = f"/fair/{site.fair_id}/catalogue"
    short = await (await site.client.get(base, params={"q": "해양"})).text()
    assert SEAFOOD in short
    wanted = {"q": "건조 김", "kind": "product"}
    products = await (await site.client.get(base, params=wanted)).text()
    assert "30 results" in products and "page 1 of 2" in products
    second = await (
        await site.client.get(base, params={"q": "건조 김", "kind": "product", "page": "2"})
    ).text()
    assert "page 2 of 2" in second and 'rel="prev"' in second
    filtered = await (await site.client.get(base, params={"q": "건조", "country": "DE"})).text()
    assert "0 results" in filtered


async def test_catalogue_ignores_bad_filters(site: Site) -> None:
    response = await site.client.get(
        f"/fair/{site.fair_id}/catalogue", params={"page": "x", "pavilion": "y", "kind": "z"}
    )
    assert response.status == 200


async def test_suggestions_show_reasons_and_send_in_one_click(site: Site) -> None:
    await site.sign_in_participant("kr2")
    text = await (await site.client.get("/me/suggestions")).text()
    assert "seeks what you offer: frozen seafood" in text
    assert "青岛海润食品有限公司" in text
    assert "Hanse Feinkost GmbH" not in text  # de1 asked kr2 already (r3)
    match = re.search(r'name="to" value="(cn1)"', text)
    assert match
    csrf = await _csrf(site, "/me/suggestions")
    response = await site.client.post(
        "/me/meet",
        data={"csrf": csrf, "to": "cn1", "priority": "3", "back": "suggestions"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/me/suggestions?done=sent"
    after = await (await site.client.get("/me/suggestions?done=sent")).text()
    assert "Your request was sent" in after
    assert 'name="to" value="cn1"' not in after


async def test_suggestions_leave_out_who_asked_me_and_refuse_a_duplicate(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_participant("kr1")  # cn1 (r1) and de1 (r2) asked kr1, both accepted
    text = await (await site.client.get("/me/suggestions")).text()
    assert "青岛海润食品有限公司" not in text and "Hanse Feinkost GmbH" not in text
    assert "No suggestions right now" in text
    # A page opened before the request, clicked after: the server refuses the duplicate.
    csrf = await _csrf(site, "/me/suggestions")
    response = await site.client.post(
        "/me/meet", data={"csrf": csrf, "to": "cn1", "priority": "3", "back": "suggestions"}
    )
    refused = await response.text()
    assert response.status == 422
    assert 'id="already-requested"' in refused
    assert "Already requested: you and this person already have a meeting request" in refused
    engine = open_database(settings.database_url)
    with Session(engine) as s:
        pairs = s.exec(select(MeetingRequest.from_id, MeetingRequest.to_id)).all()
    engine.dispose()
    assert len(pairs) == len(set(pairs)) == 3  # r1, r2, r3 and nothing more


async def test_suggestions_are_for_participants_only(site: Site) -> None:
    response = await site.client.get("/me/suggestions", allow_redirects=False)
    assert response.status == 302
    await site.sign_in_organiser()
    response = await site.client.get("/me/suggestions", allow_redirects=False)
    assert response.status == 403
