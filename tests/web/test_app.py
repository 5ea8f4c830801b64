"""The app factory's resources close in a safe order."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from fair.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.web.conftest import ClientFactory
from web.app import create_app
from web.keys import DB_EXECUTOR, ENGINE

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def pg_settings(pg_schema: str, tmp_path: Path) -> Settings:
    """The app's settings on a fresh PostgreSQL schema."""
    url = sa.engine.make_url(POSTGRES_URL)
    url = url.set(query={**url.query, "options": f"-csearch_path={pg_schema}"})
    return Settings(
        database_url=url.render_as_string(hide_password=False),
        secret_key="test-secret",
        smtp_outbox=str(tmp_path / "outbox"),
    )


async def test_app_shutdown_lets_database_work_finish_before_disposing_the_engine(
    aiohttp_client: ClientFactory, pg_schema: str, tmp_path: Path
) -> None:
    """A query still running in the DB executor at shutdown (a cancelled request's, a
    sweep's) finishes and its connection is closed, not handed back to a disposed pool
    and left open (psycopg then warns when it is collected)."""
    settings = pg_settings(pg_schema, tmp_path)
    app = create_app(settings)
    client = await aiohttp_client(app)
    started = threading.Event()

    def slow_query() -> int:
        with app[ENGINE].connect() as conn:
            started.set()
            time.sleep(0.5)
            return int(conn.exec_driver_sql("SELECT 1").scalar_one())

    running = asyncio.get_running_loop().run_in_executor(app[DB_EXECUTOR], slow_query)
    assert await asyncio.to_thread(started.wait, 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await client.close()
        assert await running == 1
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def open_connections() -> list[psycopg.Connection[object]]:
    return [o for o in gc.get_objects() if isinstance(o, psycopg.Connection) and not o.closed]


async def test_app_shutdown_waits_for_a_heartbeat_cut_off_mid_query(
    aiohttp_client: ClientFactory,
    pg_schema: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The liveness heartbeat runs on a thread of its own; a shutdown that cancels it
    mid-query (and then its release) waits for that thread, so the heartbeat's
    connection is closed with the engine rather than left open in a disposed pool."""
    from fair import instances

    beating = threading.Event()
    real = instances.heartbeat

    def slow_heartbeat(*args: Any) -> Any:
        found = real(*args)
        beating.set()
        time.sleep(0.5)  # the shutdown comes now
        return found

    monkeypatch.setattr(instances, "heartbeat", slow_heartbeat)
    settings = pg_settings(pg_schema, tmp_path)
    gc.collect()
    before = {id(c) for c in open_connections()}
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/healthz")).status == 200
    assert await asyncio.to_thread(beating.wait, 10)
    await client.close()
    gc.collect()
    assert [c for c in open_connections() if id(c) not in before] == []


@pytest.mark.parametrize("attempt", range(3))
async def test_a_clean_shutdown_always_removes_its_instance_row(
    aiohttp_client: ClientFactory, pg_schema: str, tmp_path: Path, attempt: int
) -> None:
    """Three shutdowns, three rows gone (issue 19: two of three were left, and the
    next start warned of a process without heartbeat)."""
    from sqlmodel import Session, select

    from fair.models import ServerInstance

    settings = pg_settings(pg_schema, tmp_path)
    app = create_app(settings)
    client = await aiohttp_client(app)
    assert (await client.get("/healthz")).status == 200
    engine = sa.create_engine(settings.database_url)
    try:
        for _ in range(100):  # the first heartbeat registers the process
            with Session(engine) as session:
                if session.exec(select(ServerInstance)).first() is not None:
                    break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05 * attempt)
        await client.close()
        with Session(engine) as session:
            assert session.exec(select(ServerInstance)).all() == []
    finally:
        engine.dispose()


def test_the_web_process_loads_no_solver_until_it_solves() -> None:
    """OR-Tools (and the pandas it loads) cost a web process ~60 MB from the start; it
    is imported when a solve runs (issue 19: ≤ 120 MB per process before clients)."""
    import subprocess
    import sys

    code = "import sys, web.app; print(sorted({'ortools', 'pandas'} & set(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"
