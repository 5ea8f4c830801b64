"""per-date availability, arrival and departure of participants

Revision ID: 0016_participant_days
Revises: 0013_import_uploads
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fair.models

revision: str = "0016_participant_days"
down_revision: str | None = "0015_registrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE, not a batch: SQLite's batch copies the table, which the input
    # revision triggers of 0010_fair_revision refer to
    op.add_column(
        "participant",
        sa.Column("dates", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column("participant", sa.Column("arrives", fair.models.UTCDateTime(), nullable=True))
    op.add_column("participant", sa.Column("departs", fair.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    for column in ("departs", "arrives", "dates"):
        op.drop_column("participant", column)
