"""Self-registration through the real app (docs/registration.md): the public form, the
confirmation mail, the organiser's bulk decision, and the person's agenda after."""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from fair.db import open_database
from fair.models import Company, Participant, Product, Registration, RegistrationPerson
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration

EXHIBITOR = {
    "company": "Hadong Green Tea Co.",
    "country": "KR",
    "sectors": "food & beverage",
    "sectors_other": "tea",
    "offers": "green tea, matcha",
    "people-0-name": "Park Jiwoo",
    "people-0-email": "Jiwoo@Hadong-Tea.example",
    "people-0-timezone": "Asia/Seoul",
    "people-0-languages": "ko en",
    "people-0-available": "09:00-12:00",
    "people-0-onsite": "1",
    "products-0-name": "Hadong first-flush green tea",
    "products-0-description": "Hand-picked in April",
    "products-0-price_min": "12.5",
    "products-0-price_max": "20",
    "products-0-currency": "usd",
    "products-1-name": "",
}


class Mail:
    def __init__(self, root: Path) -> None:
        self.root = root

    def all(self) -> list[EmailMessage]:
        if not self.root.is_dir():
            return []
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
            for p in sorted(self.root.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.all() if address.lower() in str(m["To"]).lower()]

    def link(self, address: str, pattern: str) -> str:
        for message in reversed(self.to(address)):
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(pattern, body.get_content())
            if found:
                return found.group(0)
        raise AssertionError(f"no {pattern} mailed to {address}")


@pytest.fixture
def mail(settings: Settings) -> Mail:
    return Mail(Path(settings.smtp_outbox))


def db(settings: Settings) -> Session:
    return Session(open_database(settings.database_url))


async def as_organiser(site: Site) -> None:
    site.client.session.cookie_jar.clear()  # a visitor's session: sign in afresh
    await site.sign_in_organiser()


async def open_roles(site: Site, *roles: str) -> None:
    await as_organiser(site)
    csrf = await site.csrf()
    response = await site.client.post(
        "/organiser/registrations/open",
        data=[("csrf", csrf), *(("roles", r) for r in roles)],
        allow_redirects=False,
    )
    assert response.status == 302
    await site.client.post("/logout", data={"csrf": csrf})
    site.client.session.cookie_jar.clear()


async def register(site: Site, role: str = "exhibitor", **fields: str) -> tuple[int, str]:
    data = {**EXHIBITOR, **fields}
    if role != "exhibitor":
        data = {k: v for k, v in data.items() if not k.startswith(("products-", "offers"))}
    response = await site.client.post(f"/fair/register/{role}", data=data)
    return response.status, await response.text()


async def decide(site: Site, action: str, ids: list[int], reason: str = "") -> tuple[int, str]:
    await as_organiser(site)
    csrf = await site.csrf()
    data = [("csrf", csrf), ("action", action), ("reason", reason)]
    data += [("ids", str(i)) for i in ids]
    response = await site.client.post("/organiser/registrations/decide", data=data)
    return response.status, await response.text()


def registration_ids(settings: Settings) -> list[int]:
    with db(settings) as session:
        return [r.id for r in session.exec(select(Registration)) if r.id is not None]


async def test_registration_from_form_to_approval_to_agenda(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor", "buyer")
    floor = await (await site.client.get(f"/fair/{site.fair_id}")).text()
    assert 'href="/fair/register/exhibitor"' in floor and 'href="/fair/register/buyer"' in floor
    form = await site.client.get("/fair/register/exhibitor")
    assert form.status == 200
    assert 'name="people-0-timezone"' in await form.text()

    status, page = await register(site)
    assert status == 200 and 'id="register-sent"' in page
    link = mail.link("jiwoo@hadong-tea.example", r"/fair/register/confirm/[\w-]+")

    # Unconfirmed: not on the organiser's list, nowhere public, not a participant.
    await as_organiser(site)
    listing = await (await site.client.get("/organiser/registrations")).text()
    assert "Hadong Green Tea" not in listing
    catalogue = await (await site.client.get(f"/fair/{site.fair_id}/catalogue?q=tea")).text()
    assert "Hadong" not in catalogue

    confirmed = await site.client.get(link)
    assert confirmed.status == 200 and 'id="register-confirmed"' in await confirmed.text()
    again = await site.client.get(link)  # idempotent
    assert again.status == 200 and "jiwoo@hadong-tea.example" in await again.text()

    listing = await (await site.client.get("/organiser/registrations")).text()
    assert "Hadong Green Tea Co." in listing
    [rid] = registration_ids(settings)
    status, page = await decide(site, "approve", [rid])
    assert status == 200, page

    with db(settings) as session:
        person = session.exec(
            select(Participant).where(Participant.email == "jiwoo@hadong-tea.example")
        ).one()
        company = session.get(Company, person.company_id)
        assert company is not None
        # Normalised as an import would: lists split, codes lower/upper-cased.
        assert (company.role, company.country) == ("exhibitor", "KR")
        assert company.sectors == ["food & beverage", "tea"]
        assert company.offers == ["green tea", "matcha"]
        assert person.languages == ["ko", "en"]
        assert person.windows == ["09:00-12:00"]
        assert person.onsite_days == [1]
        product = session.exec(select(Product).where(Product.company_id == company.id)).one()
        assert product.currency == "USD" and str(product.price_min) == "12.50"
        assert session.exec(select(Registration)).all() == []

    # Their personal link arrived; it opens their agenda, and the catalogue shows them.
    token_link = mail.link("jiwoo@hadong-tea.example", r"/p/[\w-]+")
    site.client.session.cookie_jar.clear()
    opened = await site.client.get(token_link, allow_redirects=False)
    assert opened.status == 302
    agenda = await site.client.get("/me")
    assert agenda.status == 200 and "Park Jiwoo" in await agenda.text()
    catalogue = await (await site.client.get(f"/fair/{site.fair_id}/catalogue?q=green+tea")).text()
    assert "Hadong first-flush green tea" in catalogue


async def test_registration_closed_role_is_refused(site: Site, settings: Settings) -> None:
    assert (await site.client.get("/fair/register/buyer")).status == 404
    await open_roles(site, "buyer")
    assert (await site.client.get("/fair/register/buyer")).status == 200
    status, _ = await register(site, "exhibitor")
    assert status == 404
    assert registration_ids(settings) == []


async def test_registration_errors_name_the_field_and_keep_what_was_typed(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor")
    status, page = await register(
        site,
        **{
            "people-0-email": "not-an-address",
            "people-0-available": "9-5",
            "products-0-price_max": "1",
        },
    )
    assert status == 422
    assert 'id="err-people-0-email"' in page
    assert 'id="err-people-0-available"' in page
    assert 'id="err-products-0-price_max"' in page
    assert "Person 1 · E-mail: &#39;not-an-address&#39; is not an e-mail address" in page
    assert 'value="Hadong Green Tea Co."' in page and 'value="not-an-address"' in page
    assert registration_ids(settings) == [] and mail.all() == []


async def test_registration_duplicate_address_answers_the_same_and_mails_the_owner(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor")
    owner = "minjun@busan-marine.example"  # already a participant
    status, page = await register(site, **{"people-0-email": owner})
    assert status == 200 and 'id="register-sent"' in page  # as for a new address
    [notice] = mail.to(owner)
    assert "already registered" in str(notice["Subject"])
    assert "/fair/register/confirm/" not in str(notice.get_body(("plain",)))
    # The same again within a day: no second notice (no mail flood through the form).
    await register(site, **{"people-0-email": owner})
    assert len(mail.to(owner)) == 1
    # A pending address is taken too: the second registration gets no second link.
    await register(site, **{"people-0-email": "new@tea.example"})
    await register(site, **{"people-0-email": "new@tea.example", "company": "Other"})
    messages = mail.to("new@tea.example")
    assert [("confirm" in str(m["Subject"])) for m in messages] == [True, False]
    # Nothing of these is actionable.
    await as_organiser(site)
    assert (
        "No confirmed registrations"
        in await (await site.client.get("/organiser/registrations")).text()
    )


async def test_registration_honeypot_stores_nothing(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor")
    status, page = await register(site, website="http://spam.example")
    assert status == 200 and 'id="register-sent"' in page
    assert registration_ids(settings) == [] and mail.all() == []


async def test_registration_form_is_rate_limited(site: Site) -> None:
    await open_roles(site, "exhibitor")
    statuses = []
    for _ in range(21):
        response = await site.client.post(
            "/fair/register/exhibitor", data={"company": "", "people-0-name": ""}
        )
        statuses.append(response.status)
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429


async def test_registration_confirm_links_are_rate_limited(site: Site) -> None:
    statuses = [
        (await site.client.get(f"/fair/register/confirm/guess-{n}")).status for n in range(31)
    ]
    assert statuses[:30] == [403] * 30 and statuses[30] == 429


async def test_registration_oversized_post_is_refused(site: Site, settings: Settings) -> None:
    await open_roles(site, "exhibitor")
    filler = b"x" * (settings.limits_form_kib * 1024 + 1)
    body = io.BytesIO(urlencode(EXHIBITOR).encode() + b"&products-0-description=" + filler)
    response = await site.client.post(
        "/fair/register/exhibitor",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 413
    assert registration_ids(settings) == []


async def test_registration_rejected_leaves_nothing_behind(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor")
    await register(site)
    await site.client.get(mail.link("jiwoo@hadong-tea.example", r"/fair/register/confirm/[\w-]+"))
    [rid] = registration_ids(settings)
    status, page = await decide(site, "reject", [rid], "Tea is out of scope this year.")
    assert status == 200 and "Rejected." in page
    with db(settings) as session:
        assert session.exec(select(Registration)).all() == []
        assert session.exec(select(RegistrationPerson)).all() == []
        assert session.exec(select(Company).where(Company.name.startswith("Hadong"))).all() == []  # type: ignore[attr-defined]
    [rejection] = [m for m in mail.to("jiwoo@hadong-tea.example") if "registration" in m["Subject"]]
    assert "Tea is out of scope this year." in rejection.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_registration_approval_conflict_names_registration_and_writes_nothing(
    site: Site, settings: Settings, mail: Mail
) -> None:
    await open_roles(site, "exhibitor", "buyer")
    await register(site, **{"people-0-email": "a@tea.example"})
    await register(
        site, "buyer", **{"company": "부산해양식품 주식회사", "people-0-email": "b@tea.example"}
    )
    for address in ("a@tea.example", "b@tea.example"):
        await site.client.get(mail.link(address, r"/fair/register/confirm/[\w-]+"))
    ids = registration_ids(settings)
    await as_organiser(site)
    buyers = await (await site.client.get("/organiser/registrations?role=buyer")).text()
    assert "부산해양식품 주식회사" in buyers and "Hadong Green Tea" not in buyers
    korean = await (await site.client.get("/organiser/registrations?country=kr")).text()
    assert "Hadong Green Tea" in korean and "a@tea.example" in korean
    nobody = await (await site.client.get("/organiser/registrations?country=JP")).text()
    assert "No confirmed registrations" in nobody
    status, page = await decide(site, "approve", ids)
    assert status == 409
    assert f"Registration {ids[1]}, company" in page
    with db(settings) as session:
        added = select(Participant).where(Participant.email == "a@tea.example")
        assert session.exec(added).all() == []
        assert len(session.exec(select(Registration)).all()) == 2


async def test_registration_confirm_link_unknown_is_refused(site: Site) -> None:
    response = await site.client.get("/fair/register/confirm/not-a-token")
    assert response.status == 403


async def test_registration_organiser_posts_need_csrf_and_the_organiser(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_participant("kr1")
    assert (await site.client.get("/organiser/registrations")).status == 403
    await as_organiser(site)
    response = await site.client.post(
        "/organiser/registrations/open", data={"roles": "buyer"}, allow_redirects=False
    )
    assert response.status == 403  # no CSRF token
    with db(settings) as session:
        from fair.models import Fair

        fair = session.get(Fair, site.fair_id)
        assert fair is not None and fair.registration_roles == []
