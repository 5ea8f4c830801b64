"""self-registration: the roles open on each fair, pending registrations and their
addresses' confirmations

Revision ID: 0015_registrations
Revises: 0013_import_uploads
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fair.models

revision: str = "0015_registrations"
down_revision: str | None = "0013_import_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): on SQLite a copied `fair` table would lose the
    # input-revision triggers of 0010_fair_revision.
    op.add_column(
        "fair", sa.Column("registration_roles", sa.JSON(), nullable=False, server_default="[]")
    )
    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("company", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", fair.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registration_fair_id"), ["fair_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registration_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "registration_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("fair_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", fair.models.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", fair.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["fair_id"], ["fair.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["registration.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registration_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_person_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_registration_person_fair_id"), ["fair_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registration_person_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registration_person_token_hash"), ["token_hash"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("registration_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_person_token_hash"))
        batch_op.drop_index(batch_op.f("ix_registration_person_email"))
        batch_op.drop_index(batch_op.f("ix_registration_person_fair_id"))
        batch_op.drop_index(batch_op.f("ix_registration_person_registration_id"))
    op.drop_table("registration_person")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_expires_at"))
        batch_op.drop_index(batch_op.f("ix_registration_fair_id"))
    op.drop_table("registration")
    op.drop_column("fair", "registration_roles")
