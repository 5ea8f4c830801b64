"""Shared fixtures: databases (SQLite in memory and PostgreSQL on 127.0.0.1)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fair.db import open_database
from fair.settings import Settings
from tests.mail import Inbox, mail_settings_for, smtp_server

POSTGRES_URL = os.environ.get(
    "FAIR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


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
