"""orders placed on a roadshow's live stage, confirmed or declined by the exhibitor

Revision ID: 0018_stage_orders
Revises: 0017_invitations
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0018_stage_orders"
down_revision: str | None = "0017_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stage_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("roadshow_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("ordered_by_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ordered_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", fair.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["roadshow_id"], ["roadshow.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["seller_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["buyer_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["ordered_by_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_key"),
    )
    with op.batch_alter_table("stage_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_order_fair_id"), ["fair_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stage_order_roadshow_id"), ["roadshow_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stage_order_ordered_at"), ["ordered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stage_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_order_ordered_at"))
        batch_op.drop_index(batch_op.f("ix_stage_order_roadshow_id"))
        batch_op.drop_index(batch_op.f("ix_stage_order_fair_id"))
    op.drop_table("stage_order")
