"""replays: the converted recordings of roadshow stages

Revision ID: 0020_replays
Revises: 0019_roadshow_venues
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0020_replays"
down_revision: str | None = "0019_roadshow_venues"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("roadshow_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("finished_at", fair.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["roadshow_id"], ["roadshow.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("roadshow_id"),
    )
    with op.batch_alter_table("replay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_replay_fair_id"), ["fair_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("replay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replay_fair_id"))
    op.drop_table("replay")
