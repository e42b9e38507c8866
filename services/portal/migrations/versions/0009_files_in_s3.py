"""A knowledge file's bytes may live in an S3-compatible store instead of the row.

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
    with op.batch_alter_table("material_files") as table:
        table.add_column(sa.Column("stored_in", sa.String(8), nullable=False, server_default="db"))
        table.alter_column("data", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("material_files") as table:
        table.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        table.drop_column("stored_in")
