"""Backup and restore of a fair (docs/deploy.md): `pg_dump` of the fair's schema in the
custom format, `pg_restore` into a fresh database, and every table's rows compared."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from fair import chat, deals, presence
from fair.db import current_revision, head_revision, open_database, session_scope
from fair.settings import Settings
from tests.conftest import IN_CI, POSTGRES_URL
from tests.drill.conftest import SEVERED, schema_url

pytestmark = [pytest.mark.integration, pytest.mark.postgres, SEVERED]


def libpq(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as a libpq one, as pg_dump and pg_restore take it."""
    parsed = sa.engine.make_url(url).set(drivername="postgresql", query={})
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def fresh_database(postgres_ok: bool) -> Iterator[str]:
    if not postgres_ok:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} (required in CI)")
    if not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")):
        if IN_CI:
            pytest.fail("pg_dump, pg_restore and psql are required in CI")
        pytest.skip("pg_dump, pg_restore or psql not installed (required in CI)")
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in primary-key order."""
    engine = sa.create_engine(url)
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            order = [c for c in table.primary_key.columns] or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
        out["alembic_version"] = [
            tuple(r) for r in conn.exec_driver_sql("SELECT * FROM alembic_version")
        ]
    engine.dispose()
    return out


def test_backup_and_restore_round_trip(
    settings: Settings,
    pg_schema: str,
    published_fair: tuple[int, dict[str, str]],
    live_meeting: str,
    fresh_database: str,
    tmp_path: Path,
) -> None:
    fair_id, _tokens = published_fair
    engine = open_database(settings.database_url)
    with session_scope(engine) as session:  # someone in the room, a chat line
        room = presence.load_room(session, live_meeting)
        buyer, seller = room.members[0].participant_id, room.members[1].participant_id
        presence.enter(session, room, buyer, datetime.now(UTC))
        chat.add_chat(session, room, "你好, 안녕하세요", buyer, None, "Organiser")
    rates = {"CNY": Decimal("0.14")}
    view, _ = deals.record_deal_once(
        engine,
        room,
        seller,
        {"type": "purchase", "amount": "1234.56", "currency": "USD", "client_key": "backup-1"},
        rates,
    )
    with session_scope(engine) as session:
        deals.confirm_deal(session, room, buyer, view["id"])
    engine.dispose()
    before = rows(settings.database_url)
    assert before["deal"] and before["meeting"] and before["chat_message"]

    dump = tmp_path / "fair.dump"
    subprocess.run(  # the recipe of docs/deploy.md
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--schema={pg_schema}",
            f"--file={dump}",
            libpq(POSTGRES_URL),
        ],
        check=True,
    )
    # A schema dump leaves out extensions: the catalogue search index needs pg_trgm.
    subprocess.run(
        [
            "psql",
            "--quiet",
            f"--dbname={libpq(POSTGRES_URL, fresh_database)}",
            "--command=CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
        ],
        check=True,
    )
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={libpq(POSTGRES_URL, fresh_database)}",
            str(dump),
        ],
        check=True,
    )

    restored_url = schema_url(
        sa.engine.make_url(POSTGRES_URL)
        .set(database=fresh_database)
        .render_as_string(hide_password=False),
        pg_schema,
    )
    after = rows(restored_url)
    assert after == before
    # The restored database is a working one: at the newest migration, ids continue.
    engine = open_database(restored_url)
    assert current_revision(engine) == head_revision()
    with session_scope(engine) as session:
        room = presence.load_room(session, live_meeting)
        totals = deals.fair_totals(session, fair_id, rates)
    assert (totals["deals"], totals["confirmed"], totals["value"]) == (1, 1, "1234.56")
    view2, created = deals.record_deal_once(
        engine,
        room,
        seller,
        {"type": "purchase", "amount": "1", "currency": "USD", "client_key": "backup-2"},
        rates,
    )
    assert created and view2["id"] > view["id"]
    engine.dispose()
