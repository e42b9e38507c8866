"""A client's read model keeps when its Telegram chat was bound, for the staff's view of how
the client can be reached. Chats bound before take the time their /start link was used, when
one of this organisation's links was used by that chat.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as table:
        table.add_column(sa.Column("telegram_bound_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE clients SET telegram_bound_at = (
            SELECT max(l.used_at) FROM telegram_links l
            WHERE l.tenant_id = clients.tenant_id
              AND l.chat_id = clients.telegram_chat_id
              AND l.used_at IS NOT NULL
        )
        WHERE telegram_chat_id IS NOT NULL
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("clients") as table:
        table.drop_column("telegram_bound_at")
