"""A small scheduled and published fair served by the real app on a SQLite file."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from aiohttp.web import Application
from sqlmodel import select

import scheduler.problem as sp
from fair.accounts import create_organiser
from fair.db import open_database, session_scope
from fair.loader import import_files
from fair.models import Participant, TokenKind
from fair.publishing import publish
from fair.scheduling import schedule_fair
from fair.settings import Settings
from fair.tokens import issue_token
from tests.factories import fair_files
from web.app import create_app

ORGANISER = ("boss@fair.example", "correct horse battery")
ClientFactory = Callable[[Application], Awaitable[TestClient]]  # type: ignore[type-arg]


@dataclass
class Site:
    client: TestClient  # type: ignore[type-arg]
    tokens: dict[str, str]  # participant key → magic token
    fair_id: int

    async def sign_in_organiser(self) -> None:
        response = await self.client.post(
            "/login",
            data={"email": ORGANISER[0], "password": ORGANISER[1]},
            allow_redirects=False,
        )
        assert response.status == 302, await response.text()

    async def sign_in_participant(self, key: str) -> None:
        """Open `key`'s personal link; confirm the switch when already signed in as
        someone else."""
        response = await self.client.get(f"/p/{self.tokens[key]}", allow_redirects=False)
        if response.status == 200:  # "Switch account?": continue, with the CSRF token
            page = await response.text()
            match = re.search(r'name="csrf" value="([^"]+)"', page)
            assert match and 'id="switch-account"' in page
            response = await self.client.post(
                f"/p/{self.tokens[key]}", data={"csrf": match.group(1)}, allow_redirects=False
            )
        assert response.status == 302

    async def csrf(self) -> str:
        page = await (await self.client.get("/organiser")).text()
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "no CSRF token on the page"
        return match.group(1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'fair.sqlite'}",
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
        stage_recordings_dir=str(tmp_path / "recordings"),
    )


def publish_fair(url: str) -> tuple[int, dict[str, str]]:
    """The factory fair imported into `url`, scheduled, published, with the organiser
    account and a personal link for everyone; its id and the links' tokens by key."""
    engine = open_database(url)
    summary = import_files(engine, fair_files())
    number, _ = schedule_fair(
        engine,
        summary.fair_id,
        sp.Options(time_limit=5, workers=1, seed=0, levels=1),
        method="greedy",
    )
    tokens = {}
    with session_scope(engine) as session:
        publish(session, summary.fair_id, number)
        create_organiser(session, *ORGANISER)
        for person in session.exec(select(Participant)):
            tokens[person.key] = issue_token(session, person, TokenKind.MAGIC)
    engine.dispose()
    return summary.fair_id, tokens


# The published fair on SQLite, made once per test process and copied for each test:
# import, schedule and publish take a second or more, a file copy milliseconds. Each test
# still has a database of its own. (Nothing in it depends on the hour it was made: the
# fair's dates are fixed, its tokens live until weeks after it.)
_TEMPLATE: dict[str, tuple[Path, tuple[int, dict[str, str]]]] = {}
_TEMPLATE_LOCK = threading.Lock()


@pytest.fixture
def published_fair(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, str]]:
    url = sa.engine.make_url(settings.database_url)
    target = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    if target is None or target.exists():
        return publish_fair(settings.database_url)
    with _TEMPLATE_LOCK:
        if "fair" not in _TEMPLATE:
            path = tmp_path_factory.mktemp("published") / "fair.sqlite"
            made = publish_fair(f"sqlite:///{path}")
            # Closing its last connection checkpointed the WAL: the file is the database.
            assert not path.with_name("fair.sqlite-wal").exists()
            _TEMPLATE["fair"] = path, made
    path, (fair_id, tokens) = _TEMPLATE["fair"]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return fair_id, dict(tokens)


@pytest.fixture
async def site(
    aiohttp_client: ClientFactory, settings: Settings, published_fair: tuple[int, dict[str, str]]
) -> Site:
    client = await aiohttp_client(create_app(settings))
    return Site(client=client, tokens=published_fair[1], fair_id=published_fair[0])
