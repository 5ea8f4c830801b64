"""`join` acks carry TURN credentials minted for that person and that meeting/stage."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from fair.settings import Settings
from fair.turn import expiry, rest_credential
from tests.realtime.conftest import RATES, Live
from tests.realtime.test_roadshow_stage import Stage, stage  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration

STUN = {"urls": "stun:stun.example:3478"}
TURN_URLS = ("turn:turn.example:3478", "turns:turn.example:5349")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        deals_rates=RATES,
        rooms_ice_servers=(tuple(STUN.items()),),
        rooms_turn_urls=TURN_URLS,
        rooms_turn_ttl_minutes=20,
        turn_secret="shared-with-coturn",
    )


def turn_of(ack: dict[str, object], end: str) -> dict[str, object]:
    servers = ack["ice_servers"]
    assert isinstance(servers, list) and servers[0] == STUN and len(servers) == 2
    turn = servers[1]
    stamp, who = turn["username"].split(":")
    assert int(stamp) == expiry(datetime.fromisoformat(end), 20)
    assert turn["urls"] == list(TURN_URLS)
    assert turn["credential"] == rest_credential("shared-with-coturn", turn["username"])
    return {"who": who, **turn}


async def test_meeting_join_mints_turn_per_participant_expiring_with_meeting(
    live: Live,
) -> None:
    buyer = await live.connect("cn1")
    seller = await live.connect("kr1")
    a = await buyer.call("join", {"meeting": live.uid})
    b = await seller.call("join", {"meeting": live.uid})
    ta = turn_of(a, a["meeting"]["end"])
    tb = turn_of(b, b["meeting"]["end"])
    assert ta["who"] == str(a["you"]["participant"])
    assert tb["who"] == str(b["you"]["participant"])
    assert ta["username"] != tb["username"]


async def test_meeting_observer_gets_no_turn(live: Live) -> None:
    boss = await live.connect("organiser")
    ack = await boss.call("join", {"meeting": live.uid})
    assert ack["you"]["observer"] is True
    assert ack["ice_servers"] == [STUN]


async def test_stage_join_mints_turn_for_presenter_viewer_and_observer(
    stage: Stage,  # noqa: F811
) -> None:
    _, presenter = await stage.join("kr2")
    _, viewer = await stage.join("de1")
    _, observer = await stage.join("organiser")
    end = presenter["roadshow"]["end"]
    assert turn_of(presenter, end)["who"] == str(presenter["you"]["participant"])
    assert turn_of(viewer, end)["who"] == str(viewer["you"]["participant"])
    assert turn_of(observer, end)["who"].startswith("organiser-")
