"""Operators, organisations' plan limits and status, client cards (active count).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("organisations") as table:
        table.add_column(sa.Column("max_active_clients", sa.Integer(), nullable=True))
        table.add_column(sa.Column("max_branches", sa.Integer(), nullable=True))
        table.add_column(sa.Column("max_staff", sa.Integer(), nullable=True))
        table.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="active")
        )
        table.add_column(sa.Column("suspended_reason", sa.String(500), nullable=True))
    # Organisations signed up before plans had limits of their own: the free plan's.
    op.execute("UPDATE organisations SET max_active_clients = 3 WHERE plan = 'free'")
    with op.batch_alter_table("refresh_tokens") as table:
        table.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "operators",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("email", name="uq_operators_email"),
    )
    op.create_table(
        "client_cards",
        sa.Column("client_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("as_of", TZ, nullable=False),
    )
    op.create_index("ix_client_cards_tenant_id_archived", "client_cards", ["tenant_id", "archived"])


def downgrade() -> None:
    op.drop_index("ix_client_cards_tenant_id_archived", table_name="client_cards")
    op.drop_table("client_cards")
    op.drop_table("operators")
    with op.batch_alter_table("refresh_tokens") as table:
        table.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("organisations") as table:
        for column in ("suspended_reason", "status", "max_staff", "max_branches"):
            table.drop_column(column)
        table.drop_column("max_active_clients")
