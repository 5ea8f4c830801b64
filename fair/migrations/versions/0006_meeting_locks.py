"""meetings locked by the organiser

A locked meeting stays at its time and place in every later solve (fair.planning turns
it into the scheduler's lock). Existing meetings are unlocked.

Revision ID: 0006_meeting_locks
Revises: 0005_live_connections
Create Date: 2026-12-06 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_meeting_locks"
down_revision: str | None = "0005_live_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("locked")
