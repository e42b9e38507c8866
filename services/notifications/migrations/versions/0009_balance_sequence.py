"""The balance kept to re-check a reminder keeps billing's sequence of the balance_changed it
came from, so an older balance delivered late never replaces a newer one, whatever the
events' times.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "balances"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        table.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        table.drop_column("sequence")
