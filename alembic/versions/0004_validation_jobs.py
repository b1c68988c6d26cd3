"""Receipt first: a delivery is stored 'ontvangen' with what its validation job needs, and the
job's attempts, claim and end; 'technische fout' when validation keeps failing.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


STATUSES = ("received", "approved", "rejected", "technical_error")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE deliverystatus ADD VALUE IF NOT EXISTS 'technical_error'")
    with op.batch_alter_table("delivery") as batch:
        if not postgres:  # elsewhere the enum is a VARCHAR as long as its longest value
            for column, nullable in (("status", False), ("override_status", True)):
                batch.alter_column(
                    column,
                    type_=sa.Enum(*STATUSES, name="deliverystatus"),
                    existing_nullable=nullable,
                )
        batch.add_column(
            sa.Column("validation_context", sa.JSON(), nullable=False, server_default="{}")
        )
        batch.add_column(
            sa.Column("validation_queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("validation_claimed_by", sa.String(), nullable=True))
        batch.add_column(
            sa.Column("validation_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("validation_claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("validated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("validation_error", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        for name in (
            "validation_error",
            "validated_at",
            "validation_claimed_at",
            "validation_attempts",
            "validation_claimed_by",
            "validation_queued_at",
            "validation_context",
        ):
            batch.drop_column(name)
