"""The participant's agenda page: served from the version's agenda book and page cache,
yet always with the session's own CSRF token and the newest published version."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

import scheduler.problem as sp
from fair.db import open_database, session_scope
from fair.models import MeetingRequest, RequestStatus
from fair.publishing import publish
from fair.scheduling import schedule_fair
from fair.settings import Settings
from tests.web.conftest import Site

pytestmark = pytest.mark.integration


def csrf_in(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def test_agenda_lists_own_meetings_in_own_time_zone(site: Site) -> None:
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me")).text()
    assert "王伟" in page  # the counterpart of r1
    assert "Asia/Seoul" in page
    assert "Anna Becker" not in page  # r2 (de1 → kr1) was not scheduled


async def test_each_session_gets_its_own_csrf_token_on_a_cached_agenda(site: Site) -> None:
    await site.sign_in_participant("kr1")
    first = csrf_in(await (await site.client.get("/me")).text())
    site.client.session.cookie_jar.clear()
    await site.sign_in_participant("kr1")  # a second device: a new session
    second_page = await (await site.client.get("/me")).text()
    second = csrf_in(second_page)
    assert first != second
    assert "csrf-" not in second_page.replace(second, "")  # no placeholder left behind
    made = await site.client.post("/me/feed", data={"csrf": second})
    assert made.status == 200
    refused = await site.client.post("/me/feed", data={"csrf": first}, allow_redirects=False)
    assert refused.status == 403


async def test_agenda_follows_a_new_publication(site: Site, settings: Settings) -> None:
    await site.sign_in_participant("kr1")
    assert "王伟" in await (await site.client.get("/me")).text()
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:
        request = session.exec(select(MeetingRequest).where(MeetingRequest.key == "r1")).one()
        request.status = RequestStatus.DECLINED
        session.add(request)
    number, _ = schedule_fair(
        engine, site.fair_id, sp.Options(time_limit=5, workers=1, seed=0, levels=1), "greedy"
    )
    with session_scope(engine) as session:
        publish(session, site.fair_id, number)
    engine.dispose()
    page = await (await site.client.get("/me")).text()
    assert "王伟" not in page
    assert "No meetings are published for you yet" in page


async def test_agendas_of_the_published_version_are_rendered_ahead(site: Site) -> None:
    import asyncio
    from datetime import UTC, datetime

    from web import agenda_books
    from web.keys import PAGE_CACHE

    app = site.client.app
    assert app is not None
    for _ in range(200):  # the server renders them in the background after it starts
        ahead = {key[1] for key in app[PAGE_CACHE] if key[0] == "agenda"}
        if len(ahead) == 5:
            break
        await asyncio.sleep(0.02)
    assert len(ahead) == 5  # everyone of the fair, meetings or not
    await site.sign_in_participant("kr1")
    page = await (await site.client.get("/me")).text()
    assert agenda_books.NOW_SLOT not in page and agenda_books.CSRF_SLOT not in page
    now = re.search(r'data-now="([^"]+)"', page)
    assert now
    assert abs((datetime.fromisoformat(now.group(1)) - datetime.now(UTC)).total_seconds()) < 5
    assert "王伟" in page


async def test_rendering_ahead_gives_way_to_live_work_and_only_to_it() -> None:
    """Between chunks of agendas rendered ahead: no pause on an idle loop; a pause of
    three times the chunk's time when callbacks were waiting (a restarted process's
    clients reconnecting, issue 21)."""
    import asyncio
    import time

    from web import agenda_books

    # Nothing else to run: no pause (of twenty tries, one at least: a loaded machine may
    # hold this process off the CPU for a moment).
    assert 0.0 in [await agenda_books.give_way(0.001) for _ in range(20)]

    loop = asyncio.get_running_loop()

    def live_work() -> None:
        time.sleep(0.005)  # a request or a room event holding the loop

    for _ in range(3):
        loop.call_soon(live_work)
    begun = time.monotonic()
    assert await agenda_books.give_way(0.01) == 0.01 * agenda_books.PRERENDER_BACKOFF
    assert time.monotonic() - begun >= 0.015 + 0.03


async def test_rendering_ahead_asks_to_give_way_after_every_chunk(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agendas rendered ahead call `give_way` after each chunk (of 2 pages here, so 3
    chunks for the fair's 5 people), with the chunk's time."""
    import asyncio

    from web import agenda_books
    from web.keys import BOOKS

    app = site.client.app
    assert app is not None
    for _ in range(200):  # the book the server built as it started
        if site.fair_id in app[BOOKS].held:
            break
        await asyncio.sleep(0.02)
    made = app[BOOKS].held[site.fair_id][1]
    await asyncio.gather(*app[BOOKS].warming)  # the start-up's own rendering ahead
    took: list[float] = []

    async def record(seconds: float) -> float:
        took.append(seconds)
        return 0.0

    monkeypatch.setattr(agenda_books, "PRERENDER_CHUNK", 2)
    monkeypatch.setattr(agenda_books, "give_way", record)
    agenda_books._prerender(app, made)
    await asyncio.gather(*app[BOOKS].warming)
    assert len(took) == 3 and all(t > 0 for t in took)
