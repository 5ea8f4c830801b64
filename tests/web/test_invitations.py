"""The organiser's invitations through the app: organiser only, with the CSRF token;
invite-all invites each person once and a second click nobody; the filter invites only
those shown; the e-mailed link signs the person in and their agenda speaks their
language; the outbox page shows progress, the SMTP server's answer of a failure and
retries it."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from fair import notify
from fair.db import open_database
from fair.models import Participant
from fair.settings import Settings
from tests.mail import Inbox, free_port
from tests.web.conftest import ClientFactory, Site
from web.app import create_app
from web.keys import MAILER

pytestmark = pytest.mark.integration
LINK = re.compile(r"/p/([\w-]+)\?lang=(\w+)")


def outbox_messages(settings: Settings) -> dict[str, EmailMessage]:
    out = {}
    for path in notify.Outbox(settings.smtp_outbox).pending():
        message = message_from_bytes(path.read_bytes(), policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        out[str(message["To"]).rsplit("<", 1)[1].rstrip(">")] = message
    return out


def invited(settings: Settings) -> dict[str, bool]:
    engine = open_database(settings.database_url)
    try:
        with Session(engine) as session:
            return {p.key: p.invited_at is not None for p in session.exec(select(Participant))}
    finally:
        engine.dispose()


async def invite(site: Site, csrf: str, **form: str) -> int:
    """Click an invite button; returns how many it set out to invite, once the run in
    the background has queued them all."""
    response = await site.client.post(
        "/organiser/participants/invite", data={"csrf": csrf, **form}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    found = re.search(r"invited=(\d+)", response.headers["Location"])
    assert found
    app = site.client.app
    assert app is not None
    await asyncio.gather(*app[MAILER].tasks)
    return int(found.group(1))


async def test_invite_is_for_the_organiser_with_the_csrf_token(
    site: Site, settings: Settings
) -> None:
    path = "/organiser/participants/invite"
    anonymous = await site.client.post(path, data={}, allow_redirects=False)
    assert anonymous.status in (302, 401, 403)
    await site.sign_in_organiser()
    no_token = await site.client.post(path, data={}, allow_redirects=False)
    assert no_token.status == 403
    await site.client.post("/logout", data={"csrf": await site.csrf()})
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    as_participant = await site.client.post(path, data={"csrf": csrf.group(1)})
    assert as_participant.status == 403
    assert not any(invited(settings).values())
    assert notify.Outbox(settings.smtp_outbox).pending() == []


async def test_invite_all_invites_each_once_and_a_second_click_nobody(
    site: Site, settings: Settings
) -> None:
    await site.sign_in_organiser()
    csrf = await site.csrf()
    assert await invite(site, csrf, scope="filter", country="KR") == 2
    assert invited(settings) == {
        "kr1": True,
        "kr2": True,
        "cn1": False,
        "de1": False,
        "int1": False,
    }
    assert await invite(site, csrf, scope="all") == 3
    assert await invite(site, csrf, scope="all") == 0
    messages = outbox_messages(settings)
    assert len(messages) == 5 == len(notify.Outbox(settings.smtp_outbox).pending())
    page = await (await site.client.get("/organiser/outbox?invited=3")).text()
    assert "Inviting 3 participant(s)" in page
    status = await (await site.client.get("/organiser/outbox/status")).json()
    assert status["invited"] == 5 and status["not_invited"] == 0
    assert status["invitations"]["queued"] == 5  # no SMTP host: they stay to be read
    people = await (await site.client.get("/organiser/participants?q=kr1")).text()
    assert "Invite everyone not yet invited (0)" in people
    row = people[people.index("<code>kr1</code>") :]
    assert "<td>ko</td>" in row[:2000] and "queued" in row[:2000]  # language, last mail


async def test_invitation_link_signs_in_to_the_agenda_in_the_persons_language(
    aiohttp_client: ClientFactory, site: Site, settings: Settings
) -> None:
    await site.sign_in_organiser()
    await invite(site, await site.csrf(), scope="filter", q="kr1")
    (message,) = outbox_messages(settings).values()
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = LINK.search(text)
    assert found and found.group(2) == "ko"
    browser = await aiohttp_client(create_app(settings))  # the participant's own browser
    response = await browser.get(f"/p/{found.group(1)}?lang=ko")
    assert response.status == 200 and str(response.url).endswith("/me")
    page = await response.text()
    assert '<html lang="ko">' in page and "김민준" in page
    again = await (await browser.get("/me")).text()  # the choice is kept
    assert '<html lang="ko">' in again


async def test_outbox_page_shows_the_smtp_answer_and_retries(
    aiohttp_client: ClientFactory, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> None:
    inbox = Inbox(refuse={"minjun@busan-marine.example"})
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        client = await aiohttp_client(create_app(smtp))
        site = Site(client=client, tokens=published_fair[1], fair_id=published_fair[0])
        await site.sign_in_organiser()
        csrf = await site.csrf()
        assert await invite(site, csrf, scope="filter", country="KR") == 2
        notify.deliver(smtp)  # what the background sender does (it also runs: same lock)
        page = await (await client.get("/organiser/outbox")).text()
        assert "550 no such user" in page and "kr1" in page
        name = re.search(r"/organiser/outbox/([\w.-]+)/retry", page)
        assert name
        status = await (await client.get("/organiser/outbox/status")).json()
        assert status["invitations"]["failed"] == 1 and status["invitations"]["sent"] == 1
        inbox.refuse.clear()
        refused = await client.post(
            f"/organiser/outbox/{name.group(1)}/retry", allow_redirects=False
        )
        assert refused.status == 403  # no CSRF token
        retried = await client.post(
            f"/organiser/outbox/{name.group(1)}/retry", data={"csrf": csrf}, allow_redirects=False
        )
        assert retried.status == 303
        notify.deliver(smtp)
        status = await (await client.get("/organiser/outbox/status")).json()
        assert status["invitations"]["sent"] == 2 and status["troubles"] == []
        assert {r for r, _m in inbox.messages for r in r} == {
            "minjun@busan-marine.example",
            "seoyeon@busan-marine.example",
        }
    finally:
        controller.stop()
