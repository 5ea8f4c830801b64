"""Alembic environment: runs on the connection `fair.db.upgrade` hands over."""

from alembic import context
from sqlmodel import SQLModel

import fair.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through fair.db.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
