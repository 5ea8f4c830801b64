"""Schema migrations: an empty database upgrades to the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from fair.db import current_revision, head_revision, make_engine, open_database, upgrade

pytestmark = [pytest.mark.integration, pytest.mark.migrations]  # Alembic each time


def test_migration_from_empty_database_reaches_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_migrations_match_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fair.sqlite'}"
    engine = open_database(url)
    engine.dispose()
    again = make_engine(url)
    upgrade(again)
    assert current_revision(again) == head_revision()
    again.dispose()


def test_sqlite_file_database_is_created_with_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'fair.sqlite'}"
    engine = open_database(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    assert (tmp_path / "nested" / "fair.sqlite").exists()
