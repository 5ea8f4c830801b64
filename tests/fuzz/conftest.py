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
from tests.conftest import POSTGRES_URL
from tests.drill.conftest import schema_url
from tests.realtime.conftest import RATES
from tests.web.conftest import ORGANISER, published_fair, site  # noqa: F401

# A line the server logged at ERROR or above (the `fair serve` log format).
LOGGED_ERROR = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ", re.MULTILINE)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every fuzzer runs on both databases: PostgreSQL refuses what SQLite stores (a NUL
    in text) and reports other errors, so a 500 can hide on either."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fair.sqlite'}"
    else:
        url = schema_url(POSTGRES_URL, request.getfixturevalue("pg_schema"))
    return Settings(
        database_url=url,
        secret_key="test-secret",
        deals_rates=RATES,
        smtp_outbox=str(tmp_path / "outbox"),
    )


@pytest.fixture(autouse=True)
def _database_first(settings: Settings) -> None:
    """The database before any server: set up first, it is dropped last, after the test
    servers (and their connections) are gone."""


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
    settings: Settings,
    published_fair: tuple[int, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> Iterator[Served]:
    directory = tmp_path / "served"
    directory.mkdir()
    with fair_serve(settings.database_url, directory) as base:
        yield Served(base, published_fair[1], published_fair[0], directory / "server-1.log")
