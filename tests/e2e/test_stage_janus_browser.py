"""End to end in real Chromium with fake media and a real Janus (tests/janus.py): the
presenter goes live and sends one stream to the media server, three viewers receive it
from there (video playing, RTCPeerConnection `connected`); the presenter's page holds
one peer connection whatever the audience (issue 20, item 1). With two remote venues
invited by the host, the viewers receive all three feeds, and follow the host taking a
venue off screen (item 2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from fair.settings import Settings
from tests.e2e.test_roadshow_browser import SHOTS, signed_in
from tests.janus import JanusServer, running_janus
from tests.realtime.test_roadshow_stage import add_roadshow
from tests.web.conftest import ORGANISER
from web.app import create_app

pytestmark = pytest.mark.e2e
PLAYING = (
    "() => { const v = document.getElementById('stage-video');"
    " return !!v.srcObject && v.srcObject.getVideoTracks().length > 0"
    " && !v.paused && v.readyState >= 2 && v.videoWidth > 0; }"
)


# Every video of the stage (the host's screen and each venue's tile) is playing.
ALL_PLAYING = (
    "(n) => { const vs = [...document.querySelectorAll('#stage video')]"
    ".filter(v => v.srcObject);"
    " return vs.length === n && vs.every(v => !v.paused && v.readyState >= 2"
    " && v.videoWidth > 0); }"
)


@pytest.fixture
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    with running_janus(tmp_path_factory.mktemp("janus")) as server:
        yield server


async def test_three_browsers_watch_one_presenter_through_janus(
    browser: Any,
    aiohttp_server: Any,
    settings: Settings,
    janus: JanusServer,
    published_fair: tuple[int, dict[str, str]],
) -> None:
    settings = replace(
        settings,
        stage_janus_url=janus.url,
        janus_api_secret=janus.api_secret,
        janus_admin_key=janus.admin_key,
    )
    roadshow, _ = add_roadshow(settings.database_url)
    site: TestServer = await aiohttp_server(create_app(settings))
    fair_id, tokens = published_fair
    stage_path = f"/fair/{fair_id}/roadshows/{roadshow}"

    presenter = await signed_in(browser, site, tokens["kr2"])
    await presenter.goto(str(site.make_url(stage_path)))
    await presenter.wait_for_selector("#stage[data-joined='yes'][data-media='janus']")
    assert "media server" in await presenter.locator("#media-note").inner_text()
    await presenter.click("#btn-start")
    await presenter.wait_for_selector("#stage[data-status='live']")
    await presenter.wait_for_selector("#stage[data-connection='connected']", timeout=20000)

    viewers = []
    for who in ("de1", "cn1", "kr1"):
        viewer = await signed_in(browser, site, tokens[who])
        await viewer.goto(str(site.make_url(stage_path)))
        await viewer.wait_for_selector("#stage[data-joined='yes']")
        viewers.append(viewer)
    for viewer in viewers:
        await viewer.wait_for_selector("#stage[data-connection='connected']", timeout=20000)
        await viewer.wait_for_function(PLAYING, timeout=20000)
    # One upload: the presenter's page holds a single connection, to Janus.
    assert await presenter.get_attribute("#stage", "data-peers") == "1"
    await presenter.wait_for_selector("#audience:has-text('3')")
    if SHOTS.is_dir():
        await viewers[0].screenshot(path=str(SHOTS / "stage-janus.png"))
    assert presenter.errors == [] and all(v.errors == [] for v in viewers)
    for page in (presenter, *viewers):
        await page.context.close()


async def organiser_page(browser: Any, site: TestServer) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(str(site.make_url("/login")))
    await page.fill("input[name=email]", ORGANISER[0])
    await page.fill("input[name=password]", ORGANISER[1])
    await page.click("button.primary")
    await page.wait_for_url("**/organiser")
    return page


async def test_host_and_two_venues_reach_three_viewers_through_janus(
    browser: Any,
    aiohttp_server: Any,
    settings: Settings,
    janus: JanusServer,
    published_fair: tuple[int, dict[str, str]],
) -> None:
    settings = replace(
        settings,
        stage_janus_url=janus.url,
        janus_api_secret=janus.api_secret,
        janus_admin_key=janus.admin_key,
    )
    roadshow, _ = add_roadshow(settings.database_url)
    site: TestServer = await aiohttp_server(create_app(settings))
    fair_id, tokens = published_fair
    stage_path = f"/fair/{fair_id}/roadshows/{roadshow}"

    host = await signed_in(browser, site, tokens["kr2"])
    await host.goto(str(site.make_url(stage_path)))
    await host.wait_for_selector("#stage[data-joined='yes']")
    for email, label in (("minjun@busan-marine.example", "Seoul"), ("jihye@lang.example", "Daegu")):
        await host.fill("#venue-form input[name=email]", email)
        await host.fill("#venue-form input[name=label]", label)
        await host.click("#venue-form button")
        await host.wait_for_selector(f"#venue-list li:has-text('{label}')")
    await host.click("#btn-start")
    await host.wait_for_selector("#stage[data-connection='connected']", timeout=20000)

    venues = []
    for who in ("kr1", "int1"):
        venue = await signed_in(browser, site, tokens[who])
        await venue.goto(str(site.make_url(stage_path)))
        await venue.wait_for_selector("#stage[data-role='venue']")
        await venue.click("#btn-venue-go")
        await venue.wait_for_selector("#stage[data-connection='connected']", timeout=20000)
        venues.append(venue)

    viewers = [await signed_in(browser, site, tokens[who]) for who in ("de1", "cn1")]
    viewers.append(await organiser_page(browser, site))
    for viewer in viewers:
        await viewer.goto(str(site.make_url(stage_path)))
    for viewer in viewers:
        await viewer.wait_for_selector("#stage[data-feeds='3']", timeout=20000)
        await viewer.wait_for_selector("#stage[data-connection='connected']", timeout=20000)
        await viewer.wait_for_function(ALL_PLAYING, arg=3, timeout=20000)
        labels = await viewer.locator(".venue-tile figcaption").all_inner_texts()
        assert sorted(t.split(" · ")[0] for t in labels) == ["Daegu", "Seoul"]
    # Started muted (no gesture on the page yet), whichever of a feed's tracks came
    # first, though Playwright runs its waits and checks as user gestures (so the
    # browser's own `navigator.userActivation` says yes): one click turns the sound on.
    for viewer in viewers:
        assert await viewer.is_visible("#btn-sound")
        assert await viewer.evaluate(
            "() => [...document.querySelectorAll('#stage video')].every(v => v.muted)"
        )
    await viewers[0].click("#btn-sound")
    assert await viewers[0].evaluate(
        "() => [...document.querySelectorAll('#stage video')].every(v => !v.muted)"
    )
    if SHOTS.is_dir():
        for page, name in ((viewers[0], "stage-venues.png"), (host, "stage-venues-host.png")):
            await page.evaluate("() => window.scrollTo(0, 0)")
            await page.screenshot(path=str(SHOTS / name), full_page=True)

    # The second viewer presses a key on the page: a gesture too.
    await viewers[1].keyboard.press("Tab")

    # The host takes Seoul off screen: every viewer's layout follows.
    await host.click("#venue-list li:has-text('Seoul') button")
    await host.wait_for_selector("#venue-list li:has-text('Seoul'):not(.on)")
    for viewer in viewers:
        await viewer.wait_for_selector("#stage[data-feeds='2']", timeout=20000)
        await viewer.wait_for_function(ALL_PLAYING, arg=2, timeout=20000)
        labels = await viewer.locator(".venue-tile figcaption").all_inner_texts()
        assert [t.split(" · ")[0] for t in labels] == ["Daegu"]
    # The first two viewers have touched the page (a click on the sound button, a key):
    # the new layout plays with sound there. The third has not: it starts muted for them
    # again, with the button.
    for viewer in viewers[:2]:
        assert await viewer.evaluate(
            "() => [...document.querySelectorAll('#stage video')].every(v => !v.muted)"
        )
        assert not await viewer.is_visible("#btn-sound")
    for viewer in viewers[2:]:
        assert await viewer.is_visible("#btn-sound")
        assert await viewer.evaluate(
            "() => [...document.querySelectorAll('#stage video')].every(v => v.muted)"
        )
    pages = [host, *venues, *viewers]
    assert all(p.errors == [] for p in pages)
    for page in pages:
        await page.context.close()
