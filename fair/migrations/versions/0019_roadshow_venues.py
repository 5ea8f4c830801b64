"""remote venues on a roadshow's stage

Revision ID: 0019_roadshow_venues
Revises: 0018_stage_orders
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0019_roadshow_venues"
down_revision: str | None = "0018_stage_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roadshow_venue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roadshow_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("on_screen", sa.Boolean(), nullable=False),
        sa.Column("invited_at", fair.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["roadshow_id"], ["roadshow.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("roadshow_id", "participant_id"),
    )
    with op.batch_alter_table("roadshow_venue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roadshow_venue_roadshow_id"), ["roadshow_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("roadshow_venue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadshow_venue_roadshow_id"))
    op.drop_table("roadshow_venue")
