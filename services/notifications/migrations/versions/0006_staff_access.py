"""staff access: role, status and branches, for letters to a branch's admins

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 18:36:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.alter_column("email", existing_type=sa.String(length=320), nullable=True)
        table.add_column(sa.Column("role", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        table.add_column(
            sa.Column("organisation_wide", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        table.add_column(sa.Column("branch_ids", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM staff WHERE email IS NULL")
    with op.batch_alter_table("staff") as table:
        table.drop_column("branch_ids")
        table.drop_column("organisation_wide")
        table.drop_column("status")
        table.drop_column("role")
        table.alter_column("email", existing_type=sa.String(length=320), nullable=False)
