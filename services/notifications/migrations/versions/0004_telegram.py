"""telegram

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 16:57:33.191965
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "telegram_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_telegram_links")),
    )
    op.add_column(
        "clients",
        sa.Column("telegram_blocked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:

    op.drop_column("clients", "telegram_blocked")
    op.drop_table("telegram_links")
