"""OutboxMail.period_code and delivery_id: the Berichtenlog line of a sent mail names its period
and belongs to its delivery.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmail") as batch:
        batch.add_column(sa.Column("period_code", sa.String(), nullable=True))
        batch.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outboxmail_period_code", "reportingperiod", ["period_code"], ["code"]
        )
        batch.create_foreign_key("fk_outboxmail_delivery_id", "delivery", ["delivery_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("outboxmail") as batch:
        batch.drop_constraint("fk_outboxmail_delivery_id", type_="foreignkey")
        batch.drop_constraint("fk_outboxmail_period_code", type_="foreignkey")
        batch.drop_column("delivery_id")
        batch.drop_column("period_code")
