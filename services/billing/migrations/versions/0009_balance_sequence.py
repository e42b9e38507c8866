"""Each client balance counts its changes (`sequence`, raised by the statement that moves
the balance), so billing.balance_changed events are ordered by the database, not by the
time they were stamped.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_balances") as table:
        table.add_column(
            sa.Column(
                "sequence",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=False,
                server_default="0",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("client_balances") as table:
        table.drop_column("sequence")
