"""coturn accepts the TURN credentials the app mints and refuses expired or forged ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fair.settings import load_settings
from fair.turn import Turn, rest_credential
from tests.coturn import Coturn, allocate, running_coturn

pytestmark = pytest.mark.integration


ROOT = Path(__file__).resolve().parents[2]


def documented_config() -> str:
    doc = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```ini\n(.*?)```", doc, re.S)
    assert len(blocks) == 1, "docs/deploy.md has one turnserver.conf"
    return str(blocks[0])


@pytest.fixture(params=["test config", "docs/deploy.md config"])
def coturn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Coturn]:
    documented = documented_config() if request.param.startswith("docs") else None
    with running_coturn(tmp_path, documented=documented) as server:
        yield server


def test_documented_coturn_config_checks_app_minted_credentials() -> None:
    config = documented_config().splitlines()
    assert "use-auth-secret" in config
    assert any(line.startswith("static-auth-secret=") for line in config)


def app_turn(server: Coturn) -> Turn:
    """The app's TURN minting, configured as in production (settings + environment)."""
    env = {
        "FAIR_ROOMS_TURN_URLS": f'["turn:127.0.0.1:{server.port}?transport=udp"]',
        "FAIR_TURN_SECRET": server.secret,
    }
    turn = load_settings(None, environ=env).turn
    assert turn is not None
    return turn


def test_coturn_accepts_credentials_minted_for_a_running_meeting(coturn: Coturn) -> None:
    end = datetime.now(UTC) + timedelta(minutes=25)
    server = app_turn(coturn).ice_server("42", end)
    got = allocate("127.0.0.1", coturn.port, server["username"], server["credential"])
    assert got.accepted, got
    assert got.relayed is not None and got.relayed[0] == "127.0.0.1"


def test_coturn_refuses_credentials_of_a_meeting_long_over(coturn: Coturn) -> None:
    turn = app_turn(coturn)
    end = datetime.now(UTC) - timedelta(minutes=turn.ttl_minutes + 1)
    server = turn.ice_server("42", end)
    got = allocate("127.0.0.1", coturn.port, server["username"], server["credential"])
    assert (got.accepted, got.error) == (False, 401)


def test_coturn_refuses_forged_credentials(coturn: Coturn) -> None:
    end = datetime.now(UTC) + timedelta(minutes=25)
    server = app_turn(coturn).ice_server("42", end)
    stamp = server["username"].split(":")[0]
    forged = [
        # Another participant's name on someone's credential.
        (f"{stamp}:43", server["credential"]),
        # A later expiry on the same credential.
        (f"{int(stamp) + 86400}:42", server["credential"]),
        # Minted with a guessed secret.
        (server["username"], rest_credential("guessed", server["username"])),
    ]
    for username, credential in forged:
        got = allocate("127.0.0.1", coturn.port, username, credential)
        assert (got.accepted, got.error) == (False, 401), username
