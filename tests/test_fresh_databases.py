"""The test processes' fresh databases (tests/conftest.py: Alembic's statements recorded
once per process, replayed into later empty databases) have the schema Alembic makes:
the same tables, columns, indexes, triggers and alembic_version row, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import fair.db
from fair.db import current_revision, head_revision, make_engine, open_database
from tests import conftest
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.integration


def sqlite_schema(engine: Engine) -> list[tuple[str, ...]]:
    """Every table, index and trigger with its SQL; a table's lines (columns and
    constraints) sorted: Alembic's batch mode writes a rebuilt table's constraints in an
    order that changes from run to run."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master")
        found = []
        for kind, name, table, sql in rows:
            if kind == "table" and sql:
                sql = "\n".join(sorted(line.strip().rstrip(",") for line in sql.splitlines()))
            found.append((kind, name, table, str(sql)))
        return sorted(found)


def postgres_schema(engine: Engine, schema: str) -> list[tuple[str, ...]]:
    queries = [
        "SELECT 'column', table_name, column_name, data_type, is_nullable,"
        " coalesce(column_default, '') FROM information_schema.columns"
        " WHERE table_schema = current_schema()",
        "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema()",
        "SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
        "SELECT 'trigger', event_object_table, trigger_name, event_manipulation,"
        " action_statement FROM information_schema.triggers"
        " WHERE trigger_schema = current_schema()",
        "SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
        " WHERE p.pronamespace = current_schema()::regnamespace",
    ]
    found: list[tuple[str, ...]] = []
    with engine.connect() as conn:
        for query in queries:
            found += [
                tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in row)
                for row in conn.exec_driver_sql(query)
            ]
    return sorted(found)


def test_replayed_sqlite_database_is_alembics() -> None:
    alembic = make_engine("sqlite://")
    conftest._ALEMBIC_UPGRADE(alembic)
    open_database("sqlite://").dispose()  # recorded, if this process had not yet
    replayed = open_database("sqlite://")
    assert ("sqlite", None) in conftest._RECORDED
    assert fair.db.upgrade is conftest._upgrade
    assert current_revision(replayed) == head_revision()
    schema = sqlite_schema(replayed)
    assert any(row[:2] == ("trigger", "rev_meeting_ins") for row in schema)
    assert schema == sqlite_schema(alembic)
    alembic.dispose()
    replayed.dispose()


@pytest.fixture
def two_schemas(postgres_ok: bool) -> Iterator[tuple[str, str]]:
    if not postgres_ok:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (required in CI)")
    schemas = (f"test_{uuid.uuid4().hex[:12]}", f"test_{uuid.uuid4().hex[:12]}")
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        for schema in schemas:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield schemas
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.mark.postgres
def test_replayed_postgres_schema_is_alembics(two_schemas: tuple[str, str], pg_schema: str) -> None:
    def engine(schema: str) -> Engine:
        return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})

    first = engine(pg_schema)
    conftest._upgrade(first)  # recorded, if this process had not yet
    first.dispose()
    alembic, replayed = engine(two_schemas[0]), engine(two_schemas[1])
    conftest._ALEMBIC_UPGRADE(alembic)
    conftest._upgrade(replayed)
    assert current_revision(replayed) == head_revision()
    schema = postgres_schema(replayed, two_schemas[1])
    assert any(row[:3] == ("trigger", "meeting", "rev_meeting_ins") for row in schema)
    assert schema == postgres_schema(alembic, two_schemas[0])
    alembic.dispose()
    replayed.dispose()
