"""participants' language, and their invitation (when it was queued, its message)

Revision ID: 0017_invitations
Revises: 0016_participant_days
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0017_invitations"
down_revision: str | None = "0016_participant_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="en",
            )
        )
        batch_op.add_column(sa.Column("invited_at", fair.models.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "invitation", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
    # Participants imported before: the language their company's country implies, as an
    # import without the column would give (fair.languages.BY_COUNTRY).
    op.execute(
        """
        UPDATE participant SET language = CASE
            (SELECT upper(country) FROM company WHERE company.id = participant.company_id)
            WHEN 'CN' THEN 'zh' WHEN 'TW' THEN 'zh' WHEN 'HK' THEN 'zh' WHEN 'MO' THEN 'zh'
            WHEN 'KR' THEN 'ko' WHEN 'JP' THEN 'ja' ELSE 'en' END
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("invitation")
        batch_op.drop_column("invited_at")
        batch_op.drop_column("language")
