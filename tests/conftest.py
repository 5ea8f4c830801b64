"""Shared fixtures: databases (SQLite in memory and PostgreSQL on 127.0.0.1)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import fair.db
from fair.db import open_database
from fair.settings import Settings
from tests.mail import Inbox, mail_settings_for, smtp_server

POSTGRES_URL = os.environ.get(
    "FAIR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# -- test processes ------------------------------------------------------------------
# The suite runs in two processes (pytest-xdist, `-n 2` in pyproject's addopts), tests
# handed out one at a time, except these groups (by path prefix), whose tests run one
# after another in one process:
SERIAL_GROUPS = {
    # Real Chromium (and network namespaces, Janus): a handful of processes each, with
    # timeouts sized for one browser test at a time on this 2-core machine.
    "tests/e2e/": "browser",
    # `serve_two`: fair serve processes on the shared Redis database 13, flushed first.
    "tests/realtime/test_redis_processes.py": "redis-db13",
    "tests/realtime/test_stage_orders_processes.py": "redis-db13",
    "tests/realtime/test_notices.py": "redis-db13",
    "tests/realtime/test_offers.py": "redis-db13",
    # A module-scoped fixture (the expo fair and its PDF), built once.
    "tests/web/test_report_expo.py": "report-expo",
}


def serial_group(nodeid: str) -> str:
    """The unit of work `nodeid` is handed out in: its group, or itself."""
    path = nodeid.split("::", 1)[0]
    for prefix, group in SERIAL_GROUPS.items():
        if path.startswith(prefix):
            return group
    return nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist load` (the default) with SERIAL_GROUPS kept together. (xdist's own
    `loadgroup` marks do not take with pytest 9.2, which no longer reads the node id
    they rewrite.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return serial_group(nodeid)

    return GroupScheduling(config, log)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Once, before the test processes start: the catalogue search's pg_trgm extension,
    which the first migration on a new PostgreSQL server installs (two processes doing
    that at once could both try, and one fail)."""
    if hasattr(session.config, "workerinput") or not postgres_available():
        return
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # not permitted: the migration falls back as it does in production
    finally:
        engine.dispose()


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_ok() -> bool:
    ok = postgres_available()
    if not ok and IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and not reachable at {POSTGRES_URL}")
    return ok


# -- fresh databases -----------------------------------------------------------------
# Alembic's upgrade of an empty database to the newest revision takes 1-3 s on this
# 2-core machine (it compiles every operation, and SQLite's batch mode rebuilds tables),
# and most tests open one or more empty databases. So, in each test process, the first
# empty database of a dialect (and PostgreSQL database) is migrated by Alembic with the
# SQL statements it sent recorded, and later empty ones get the same statements, in the
# same transaction, in milliseconds: the same schema, triggers and alembic_version row.
# Upgrades to another revision, of a database with tables, and every upgrade in tests
# marked `migrations` (the tests of the migrations themselves) run Alembic.
_ALEMBIC_UPGRADE = fair.db.upgrade
_RECORDED: dict[tuple[str, str | None], list[tuple[str, Any]]] = {}
_RECORDING = threading.Lock()
_ALEMBIC_ONLY = threading.Event()  # set while a `migrations` test runs


def _upgrade(engine: Engine, revision: str = "head") -> None:
    if revision != "head" or _ALEMBIC_ONLY.is_set():
        _ALEMBIC_UPGRADE(engine, revision)
        return
    with engine.connect() as conn:
        empty = not sa.inspect(conn).get_table_names()
    if not empty:
        _ALEMBIC_UPGRADE(engine, revision)
        return
    dialect = engine.dialect.name
    key = (dialect, None if dialect == "sqlite" else engine.url.database)
    with _RECORDING:
        statements = _RECORDED.get(key)
        if statements is None:
            sent: list[tuple[str, Any]] = []

            def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
                sent.append((statement, parameters))  # after: only what succeeded

            sa.event.listen(engine, "after_cursor_execute", record)
            try:
                _ALEMBIC_UPGRADE(engine, revision)
            finally:
                sa.event.remove(engine, "after_cursor_execute", record)
            _RECORDED[key] = sent
            return
    with engine.begin() as conn:
        for statement, parameters in statements:
            conn.exec_driver_sql(statement, parameters)


@pytest.fixture(scope="session", autouse=True)
def _recorded_migrations() -> Iterator[None]:
    fair.db.upgrade = _upgrade  # open_database looks it up at each call
    try:
        yield
    finally:
        fair.db.upgrade = _ALEMBIC_UPGRADE


@pytest.fixture(autouse=True)
def _alembic_for_migration_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("migrations") is None:
        yield
        return
    _ALEMBIC_ONLY.set()
    try:
        yield
    finally:
        _ALEMBIC_ONLY.clear()


@pytest.fixture
def sqlite_engine() -> Iterator[Engine]:
    engine = open_database("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_schema(postgres_ok: bool) -> Iterator[str]:
    """A fresh schema on the test PostgreSQL server, dropped afterwards."""
    if not postgres_ok:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (required in CI)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def postgres_engine(pg_schema: str) -> Iterator[Engine]:
    """An engine on a fresh PostgreSQL schema."""
    engine = open_database(POSTGRES_URL, connect_args={"options": f"-csearch_path={pg_schema}"})
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    result: Engine = request.getfixturevalue(name)
    return result


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) and the inbox it fills."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        yield inbox, port


@pytest.fixture
def mail_settings(tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    return mail_settings_for(smtp[1], tmp_path)
