"""Database engines, sessions and schema migrations (Alembic, run in-process).

`open_database(url)` returns an engine whose schema is at the newest migration, so a
user's existing database upgrades in place. SQLite gets foreign keys, WAL and a busy
timeout. PostgreSQL gets a connect timeout, TCP keepalives and a TCP user timeout (a
database behind a network that drops packets, rather than refusing them, fails a query
within seconds instead of hanging it for the kernel's quarter of an hour), and a
statement timeout; a URL that sets any of these itself keeps its own.
"""

from __future__ import annotations

import threading
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
# libpq connection parameters for PostgreSQL (seconds, except the user timeout in ms):
# an idle connection is probed after 10 s, every 5 s, and given up after 3 lost probes;
# data sent and not acknowledged for 8 s ends the connection (a silent partition).
POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": CONNECT_TIMEOUT,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 8000,
}
STATEMENT_TIMEOUT_MS = 120_000  # one statement (a big import's too) at most two minutes


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class StatementCount:
    """SQL statements sent by this process's engines (`make_engine`), for `/metrics` and
    the benchmarks' queries per join; thread-safe, a few hundred nanoseconds each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def hit(self, *_args: Any) -> None:
        with self._lock:
            self.value += 1


STATEMENTS = StatementCount()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url` (its statements counted in `STATEMENTS`); creates the
    folder of a SQLite file if needed."""
    engine = _make_engine(url, **kwargs)
    sa.event.listen(engine, "before_cursor_execute", STATEMENTS.hit)
    return engine


def _make_engine(url: str, **kwargs: Any) -> Engine:
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
    kwargs.setdefault("pool_timeout", 10)  # waiting for a free pooled connection
    given = sa.engine.make_url(url).query
    # a database host that does not answer fails a request instead of hanging it
    connect_args = {k: v for k, v in POSTGRES_CONNECT_ARGS.items() if k not in given}
    connect_args.update(kwargs.get("connect_args", {}))
    kwargs["connect_args"] = connect_args
    engine = sa.create_engine(url, **kwargs)
    sa.event.listen(engine, "connect", _postgres_statement_timeout)
    return engine


def _postgres_statement_timeout(dbapi_connection: Any, _record: Any) -> None:
    """A statement (or a wait for a lock) that runs past `STATEMENT_TIMEOUT_MS` is
    cancelled by the server; a session that sets its own keeps it. Committed at once,
    so a rollback of the first transaction does not undo it."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        row = cursor.fetchone()
        if row is not None and row[0] in ("0", "0ms"):
            cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    dbapi_connection.commit()


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
