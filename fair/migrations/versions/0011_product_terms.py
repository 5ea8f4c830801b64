"""the organiser's product terms for the catalogue search (terms.csv)

Revision ID: 0011_product_terms
Revises: 0010_fair_revision
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_product_terms"
down_revision: str | None = "0010_fair_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("product_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_term_fair_id"), ["fair_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_term_fair_id"))
    op.drop_table("product_term")
