"""Families on the journal's client cards and whether a pack copy is shared, so a shared
pack's classes show for everyone in its owner's family (as billing lets them use it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_cards") as table:
        table.add_column(sa.Column("family_id", sa.Uuid(), nullable=True))
        table.add_column(sa.Column("family_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_client_cards_family", "client_cards", ["tenant_id", "family_id"])
    with op.batch_alter_table("client_packs") as table:
        table.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("client_packs") as table:
        table.drop_column("shared")
    op.drop_index("ix_client_cards_family", table_name="client_cards")
    with op.batch_alter_table("client_cards") as table:
        table.drop_column("family_at")
        table.drop_column("family_id")
