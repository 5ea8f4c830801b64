"""End to end in real Chromium with fake media and a real Janus (tests/janus.py): the
presenter goes live and sends one stream to the media server, three viewers receive it
from there (video playing, RTCPeerConnection `connected`); the presenter's page holds
one peer connection whatever the audience (issue 20, item 1)."""

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
from web.app import create_app

pytestmark = pytest.mark.e2e
PLAYING = (
    "() => { const v = document.getElementById('stage-video');"
    " return !!v.srcObject && v.srcObject.getVideoTracks().length > 0"
    " && !v.paused && v.readyState >= 2 && v.videoWidth > 0; }"
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
