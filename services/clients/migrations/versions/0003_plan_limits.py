"""Organisations' limit of active clients as identity sets it with the plan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as table:
        table.add_column(sa.Column("max_active_clients", sa.Integer(), nullable=True))
        table.add_column(sa.Column("plan_as_of", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE organisations SET max_active_clients = 3 WHERE plan = 'free'")


def downgrade() -> None:
    with op.batch_alter_table("organisations") as table:
        table.drop_column("plan_as_of")
        table.drop_column("max_active_clients")
