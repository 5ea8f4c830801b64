"""slot offers for freed slots, and the published version's revision

Revision ID: 0008_slot_offers
Revises: 0007_announcements
Create Date: 2026-12-06 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0008_slot_offers"
down_revision: str | None = "0007_announcements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slot_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("freed_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("start", fair.models.UTCDateTime(), nullable=False),
        sa.Column("end", fair.models.UTCDateTime(), nullable=False),
        sa.Column("place_kind", sa.String(length=20), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=True),
        sa.Column("table_id", sa.Integer(), nullable=True),
        sa.Column("room", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("third_seat_id", sa.Integer(), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("why", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("from_accepted_at", fair.models.UTCDateTime(), nullable=True),
        sa.Column("to_accepted_at", fair.models.UTCDateTime(), nullable=True),
        sa.Column("declined_by_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", fair.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["freed_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["meeting_request.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["booth_id"], ["booth.id"]),
        sa.ForeignKeyConstraint(["table_id"], ["meeting_table.id"]),
        sa.ForeignKeyConstraint(["third_seat_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["declined_by_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("freed_id", "request_id"),
    )
    with op.batch_alter_table("slot_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_offer_fair_id"), ["fair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_offer_freed_id"), ["freed_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_slot_offer_request_id"), ["request_id"], unique=False)
    with op.batch_alter_table("schedule_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("schedule_version", schema=None) as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("slot_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_offer_request_id"))
        batch_op.drop_index(batch_op.f("ix_slot_offer_freed_id"))
        batch_op.drop_index(batch_op.f("ix_slot_offer_fair_id"))
    op.drop_table("slot_offer")
