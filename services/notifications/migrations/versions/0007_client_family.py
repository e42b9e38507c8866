"""client family: a portal account sets the preferences of its family's members

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as table:
        table.add_column(sa.Column("family_id", sa.Uuid(), nullable=True))
        table.create_index("ix_clients_family_id", ["family_id"])


def downgrade() -> None:
    with op.batch_alter_table("clients") as table:
        table.drop_index("ix_clients_family_id")
        table.drop_column("family_id")
