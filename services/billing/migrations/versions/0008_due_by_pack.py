"""Due items of a sale or an extension on credit have an invoice too; the pack's own
payments still settle them (by_pack), as they did when such items had no invoice.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("due_items") as table:
        table.add_column(
            sa.Column("by_pack", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE due_items SET by_pack = true WHERE invoice_id IS NULL AND pack_id IS NOT NULL"
    )
    with op.batch_alter_table("due_items") as table:
        table.alter_column("by_pack", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("due_items") as table:
        table.drop_column("by_pack")
