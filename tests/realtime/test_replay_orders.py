"""An order from a roadshow's replay (an HTTP request, web/replays.py) reaches the
organiser's live dashboard as a live stage order does, without a reload."""

from __future__ import annotations

import aiohttp
import pytest

from fair.db import make_engine, session_scope
from fair.models import Replay, ReplayStatus, Roadshow, RoadshowStatus
from fair.settings import Settings
from tests.realtime.conftest import Live, eventually
from tests.realtime.test_roadshow_stage import Stage
from tests.realtime.test_roadshow_stage import stage as stage  # the fixture
from web import sessions

pytestmark = pytest.mark.integration


async def test_order_from_a_replay_moves_the_dashboard(stage: Stage, settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        show = session.get(Roadshow, stage.roadshow)
        assert show is not None
        show.status = RoadshowStatus.ENDED
        session.add(show)
        replay = Replay(
            fair_id=show.fair_id,
            roadshow_id=stage.roadshow,
            key="r" * 24,
            status=ReplayStatus.READY,
        )
        session.add(replay)
    engine.dispose()
    boss = await Live.connect(stage, "organiser", namespace="/dashboard")
    watch = await boss.call("watch", {"fair": stage.fair_id}, namespace="/dashboard")
    assert watch["totals"]["orders"]["orders"] == 0

    cookie = await stage.cookie("de1")
    csrf = sessions.decode(settings.secret_key, cookie)["csrf"]
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        http.post(
            f"{stage.base}/fair/{stage.fair_id}/replays/{'r' * 24}/orders",
            json={"product": stage.products[1], "quantity": 40, "client_key": "replay-dash-1"},
            headers={
                "Cookie": f"fair_session={cookie}",
                "X-CSRF-Token": csrf,
                "Accept": "application/json",
            },
        ) as response,
    ):
        assert response.status == 201, await response.text()

    def counted() -> bool:
        pushed = boss.got("totals")
        return bool(pushed) and pushed[-1]["orders"]["orders"] == 1

    await eventually(counted)
    assert boss.got("totals")[-1]["orders"]["value"] == "100.00"
