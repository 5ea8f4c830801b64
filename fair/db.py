"""Database engines, sessions and schema migrations (Alembic, run in-process).

`open_database(url)` returns an engine whose schema is at the newest migration, so a
user's existing database upgrades in place. SQLite gets foreign keys, WAL and a busy
timeout; PostgreSQL is used as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT = 5  # seconds to reach PostgreSQL before a request gives up


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`; creates the folder of a SQLite file if needed."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        in_memory = path in (None, "", ":memory:")
        if in_memory:
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            assert path is not None
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if not in_memory:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # a connection lost meanwhile is replaced
    if "connect_timeout" not in sa.engine.make_url(url).query:
        # a database host that does not answer fails a request instead of hanging it
        kwargs["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT,
            **kwargs.get("connect_args", {}),
        }
    return sa.create_engine(url, **kwargs)


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached right now (refused, lost or
    timed-out connection, no pooled connection free): a "try again" for the user, not a
    bug. Constraint violations and programming errors are not."""
    if isinstance(exc, sa.exc.TimeoutError):  # the pool had no connection to give
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(
            exc, (sa.exc.OperationalError, sa.exc.InterfaceError)
        )
    return False


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: newest)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def open_database(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` with its schema migrated to the newest revision."""
    engine = make_engine(url, **kwargs)
    upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
