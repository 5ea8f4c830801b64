"""TURN REST credentials (coturn's use-auth-secret) and their settings."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from fair.errors import InvalidInput
from fair.settings import load_settings
from fair.turn import Turn, expiry, rest_credential

pytestmark = pytest.mark.unit

END = datetime(2026, 11, 4, 10, 30, tzinfo=UTC)


def test_rest_credential_known_vector() -> None:
    # printf '%s' '1700000000:42' | openssl dgst -sha1 -hmac north -binary | base64
    assert rest_credential("north", "1700000000:42") == "DWX3FI7DiPIpadEYQAZsnZBAagI="


def test_turn_ice_server_username_is_expiry_and_participant() -> None:
    server = Turn(("turn:turn.example:3478",), "north", ttl_minutes=30).ice_server("42", END)
    expires = int((END + timedelta(minutes=30)).timestamp())
    assert server == {
        "urls": ["turn:turn.example:3478"],
        "username": f"{expires}:42",
        "credential": rest_credential("north", f"{expires}:42"),
    }


def test_expiry_naive_end_is_utc() -> None:
    assert expiry(END.replace(tzinfo=None), 0) == int(END.timestamp())


@given(
    minutes=hs.integers(min_value=-10_000, max_value=10_000),
    ttl=hs.integers(min_value=0, max_value=10080),
)
def test_turn_expiry_follows_meeting_end(minutes: int, ttl: int) -> None:
    end = END + timedelta(minutes=minutes)
    server = Turn(("turn:t:3478",), "s", ttl_minutes=ttl).ice_server("7", end)
    stamp, who = server["username"].split(":")
    assert who == "7"
    assert int(stamp) == int(end.timestamp()) + ttl * 60
    assert len(base64.b64decode(server["credential"])) == 20  # an HMAC-SHA1


def test_turn_credentials_differ_per_participant_and_meeting() -> None:
    turn = Turn(("turn:t:3478",), "s")
    seen = {
        turn.ice_server(who, END + timedelta(minutes=m))["credential"]
        for who in ("1", "2")
        for m in (0, 30)
    }
    assert len(seen) == 4


@pytest.mark.parametrize("who", ["", "1:2"])
def test_turn_user_with_separator_is_refused(who: str) -> None:
    with pytest.raises(ValueError, match="TURN user"):
        Turn(("turn:t:3478",), "s").ice_server(who, END)


def test_settings_turn_from_file_and_secret_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[rooms]\nturn_urls = ["turn:turn.example:3478", "turns:turn.example:5349"]\n'
        "turn_ttl_minutes = 15\n"
    )
    settings = load_settings(path, environ={"FAIR_TURN_SECRET": "north"})
    assert settings.turn == Turn(
        ("turn:turn.example:3478", "turns:turn.example:5349"), "north", ttl_minutes=15
    )


def test_settings_turn_urls_from_environment_json() -> None:
    env = {"FAIR_ROOMS_TURN_URLS": '["turn:10.0.0.1:3478"]', "FAIR_TURN_SECRET": "x"}
    settings = load_settings(None, environ=env)
    assert settings.turn is not None and settings.turn.urls == ("turn:10.0.0.1:3478",)


def test_settings_turn_none_without_urls() -> None:
    assert load_settings(None, environ={"FAIR_TURN_SECRET": "x"}).turn is None


def test_settings_turn_urls_without_secret_refused() -> None:
    env = {"FAIR_ROOMS_TURN_URLS": '["turn:10.0.0.1:3478"]'}
    with pytest.raises(InvalidInput, match="FAIR_TURN_SECRET is not"):
        load_settings(None, environ=env)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[rooms]\nturn_urls = ["stun:x:3478"]\n', r"turn_urls\[1\] must be a turn:/turns: URL"),
        ("[rooms]\nturn_urls = 3\n", "must be an array of turn:/turns: URLs"),
        ("[rooms]\nturn_ttl_minutes = -1\n", "rooms.turn_ttl_minutes must be 0–10080"),
    ],
)
def test_settings_bad_turn_values_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        load_settings(path, environ={"FAIR_TURN_SECRET": "x"})


def test_settings_turn_secret_not_settable_from_file_or_overrides(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[rooms]\nturn_secret = "x"\n')
    with pytest.raises(InvalidInput, match=r"unknown key rooms\.turn_secret"):
        load_settings(path, environ={})
    with pytest.raises(InvalidInput, match="unknown setting turn_secret"):
        load_settings(None, environ={}, overrides={"turn_secret": "x"})
