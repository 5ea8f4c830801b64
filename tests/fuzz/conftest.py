"""The real app run as deployed (`fair serve`, a process of its own on a loopback port),
so synchronous clients (schemathesis drives `requests`) and hypothesis can call it while
it runs. A process, not a thread of this one: hypothesis watches the global `random`
state while it draws, and the server's own work (mail boundaries, cache jitter) must not
look like a strategy using it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bench.servers import fair_serve
from fair.settings import Settings
from tests.web.conftest import ORGANISER, published_fair, settings, site  # noqa: F401

# A line the server logged at ERROR or above (the `fair serve` log format).
LOGGED_ERROR = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ", re.MULTILINE)


@dataclass
class Served:
    base: str
    tokens: dict[str, str]  # participant key → magic token
    fair_id: int
    log: Path

    def session(self, who: str | None) -> tuple[requests.Session, str]:
        """A `requests` session signed in as `who` ("organiser", a participant key or
        None) and the CSRF token its writes send."""
        http = requests.Session()
        if who == "organiser":
            r = http.post(
                f"{self.base}/login",
                data={"email": ORGANISER[0], "password": ORGANISER[1]},
                allow_redirects=False,
            )
            assert r.status_code == 302, r.text
        elif who is not None:
            r = http.get(f"{self.base}/p/{self.tokens[who]}", allow_redirects=False)
            assert r.status_code == 302, r.text
        csrf = http.get(f"{self.base}/api/session").json()["csrf"] or ""
        return http, csrf

    def logged_errors(self) -> list[str]:
        """What the server logged at ERROR or above, and any traceback it printed."""
        text = self.log.read_text(errors="replace")
        found = [m.group(0) for m in LOGGED_ERROR.finditer(text)]
        return found + (["Traceback in the server log"] if "Traceback" in text else [])


@pytest.fixture
def served(
    settings: Settings,  # noqa: F811
    published_fair: tuple[int, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> Iterator[Served]:
    directory = tmp_path / "served"
    directory.mkdir()
    with fair_serve(settings.database_url, directory) as base:
        yield Served(base, published_fair[1], published_fair[0], directory / "server.log")
