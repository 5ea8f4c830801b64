"""catalogue search index

Revision ID: 0003_search
Revises: 0002
Create Date: 2026-11-27 05:45:03.456559

The `search_entry` table on both databases. On PostgreSQL its `doc` column gets a GIN
trigram index (pg_trgm, created in `public` when this role may; without it the search
still works by scanning). On SQLite the FTS5 trigram table over `search_entry` is made by
`fair.search` when it first indexes a fair: autogenerate would see its shadow tables as
tables to drop if a migration created them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _trigram_schema(bind: sa.Connection) -> str | None:
    """The schema pg_trgm lives in, installing it in `public` if needed and allowed."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except sa.exc.DBAPIError:
        pass  # not permitted here: search falls back to scanning
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).scalar()
    return str(schema) if schema else None


def upgrade() -> None:
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("pavilion_id", sa.Integer(), nullable=True),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sectors", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pavilion_id"], ["pavilion.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_entry_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_search_entry_fair_id"), ["fair_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = _trigram_schema(bind)
        if schema is not None:
            # Qualified: the extension may sit outside this connection's search_path.
            bind.exec_driver_sql(
                "CREATE INDEX ix_search_entry_doc_trgm ON search_entry"
                f' USING gin (doc "{schema}".gin_trgm_ops)'
            )
    else:
        op.create_index("ix_search_entry_doc_trgm", "search_entry", ["doc"])


def downgrade() -> None:
    op.drop_index("ix_search_entry_doc_trgm", table_name="search_entry", if_exists=True)
    op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table("search_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entry_fair_id"))
        batch_op.drop_index(batch_op.f("ix_search_entry_company_id"))
    op.drop_table("search_entry")
