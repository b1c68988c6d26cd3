"""Files every node reaches: delivered files in the portal's own database when
CBS_MONITOR_FILE_STORAGE=database (content-addressed, one row per distinct file).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


UTC = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "storedfile",
        sa.Column("key", TEXT(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("touched_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_storedfile_touched_at", "storedfile", ["touched_at"])


def downgrade() -> None:
    op.drop_table("storedfile")
