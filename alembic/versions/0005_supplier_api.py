"""Supplier API: software suppliers as organisations, their machine credentials (hashed), short-lived
bearer tokens (hashed), the municipalities that authorised them, and idempotency keys.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


KINDS = ("municipality", "cooperative", "cbs", "servicedesk", "supplier")
UTC = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE organisationkind ADD VALUE IF NOT EXISTS 'supplier'")
    else:  # elsewhere the enum is a VARCHAR as long as its longest value
        with op.batch_alter_table("organisation") as batch:
            batch.alter_column(
                "kind", type_=sa.Enum(*KINDS, name="organisationkind"), existing_nullable=False
            )

    op.create_table(
        "apiclient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", TEXT(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("secret_hash", TEXT(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("secret_set_at", UTC(), nullable=False),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apiclient_client_id", "apiclient", ["client_id"], unique=True)
    op.create_index("ix_apiclient_organisation_id", "apiclient", ["organisation_id"])

    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", TEXT(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column("scope", TEXT(), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.Column("expires_at", UTC(), nullable=False),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["api_client_id"], ["apiclient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_apitoken_token_hash", "apitoken", ["token_hash"], unique=True)
    op.create_index("ix_apitoken_api_client_id", "apitoken", ["api_client_id"])

    op.create_table(
        "supplierauthorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", TEXT(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", UTC(), nullable=False),
        sa.Column("granted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", UTC(), nullable=True),
        sa.Column("revoked_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["municipality_code"], ["municipality.code"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["granted_by_user_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["revoked_by_user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "municipality_code", "organisation_id", name="uq_supplier_authorisation"
        ),
    )
    op.create_index(
        "ix_supplierauthorisation_municipality_code",
        "supplierauthorisation",
        ["municipality_code"],
    )
    op.create_index(
        "ix_supplierauthorisation_organisation_id", "supplierauthorisation", ["organisation_id"]
    )

    op.create_table(
        "idempotencykey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.Column("key", TEXT(length=200), nullable=False),
        sa.Column("request_sha256", TEXT(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["api_client_id"], ["apiclient.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_client_id", "key", name="uq_idempotency_key"),
    )
    op.create_index("ix_idempotencykey_api_client_id", "idempotencykey", ["api_client_id"])


def downgrade() -> None:
    for table in ("idempotencykey", "supplierauthorisation", "apitoken", "apiclient"):
        op.drop_table(table)
    # PostgreSQL cannot drop an enum value; 'supplier' stays in the type, unused.
