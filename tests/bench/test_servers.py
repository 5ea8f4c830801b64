"""The processes the tools start: their environment, ports and memory."""

from __future__ import annotations

import os
import socket

import pytest

from bench.servers import ROOT, child_env, free_port, rss_mb


@pytest.mark.unit
def test_child_env_drops_fair_settings_and_puts_the_checkout_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAIR_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = child_env()
    assert not [k for k in env if k.startswith("FAIR_")]
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/somewhere"]


@pytest.mark.integration
def test_free_port_can_be_listened_on() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))


@pytest.mark.integration
def test_rss_mb_of_a_live_process_and_of_a_gone_one() -> None:
    assert rss_mb(os.getpid()) > 1
    assert rss_mb(2**22 + 12345) == 0.0
