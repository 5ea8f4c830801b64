"""The Janus WebRTC Server for the stage tests (`web/media_server.py` runs it from a temporary
configuration). Outside CI a machine without janus skips these tests with the reason; in
CI a missing janus fails them (`./dev test` installs it as root, `setup_system`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from web.media_server import JANUS, JanusServer, free_tcp_port, janus_binary
from web.media_server import running_janus as _running

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
__all__ = ["JanusServer", "free_tcp_port", "need_janus", "running_janus"]


def need_janus() -> str:
    """The janus binary, or a skip (a failure in CI) when it is missing."""
    found = janus_binary()
    if found is None:
        if IN_CI:
            pytest.fail(f"janus is required in CI and is missing at {JANUS}")
        pytest.skip(f"janus not installed ({JANUS}); ./dev test installs it as root")
    return found


@contextmanager
def running_janus(
    tmp: Path, *, session_timeout: int = 30, api_secret: str = "", admin_key: str = ""
) -> Iterator[JanusServer]:
    """janus on loopback with a temporary configuration; stopped at the end (several
    for one app: give them the same `api_secret` and `admin_key`)."""
    with _running(
        tmp,
        binary=need_janus(),
        session_timeout=session_timeout,
        api_secret=api_secret,
        admin_key=admin_key,
    ) as server:
        yield server
