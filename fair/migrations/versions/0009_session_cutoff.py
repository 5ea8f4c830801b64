"""session cut-offs: signing out ends every session of that person

Revision ID: 0009_session_cutoff
Revises: 0008_slot_offers
Create Date: 2026-12-06 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fair.models

revision: str = "0009_session_cutoff"
down_revision: str | None = "0008_slot_offers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_cutoff",
        sa.Column("holder", sa.String(length=24), nullable=False),
        sa.Column("after", fair.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("holder"),
    )


def downgrade() -> None:
    op.drop_table("session_cutoff")
