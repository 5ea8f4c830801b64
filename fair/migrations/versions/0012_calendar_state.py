"""what each participant's calendar last showed of each meeting

Revision ID: 0012_calendar_state
Revises: 0011_product_terms
Create Date: 2026-12-06 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0012_calendar_state"
down_revision: str | None = "0011_product_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("stamp", fair.models.UTCDateTime(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_id"], ["meeting_request.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("participant_id", "uid"),
    )
    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_entry_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_entry_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_entry_request_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_entry_participant_id"))
    op.drop_table("calendar_entry")
