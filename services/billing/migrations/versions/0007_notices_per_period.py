"""Pack reminders once per pack, condition and period (the end date the pack had), so a
subscription that renews, or a pack that is extended, is reminded again in its next
period. Reminders already sent count for the period the pack is in now.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_END = "9999-12-31"


def upgrade() -> None:
    with op.batch_alter_table("pack_notices") as table:
        table.add_column(sa.Column("period_end", sa.Date(), nullable=False, server_default=NO_END))
    op.execute(
        "UPDATE pack_notices SET period_end = coalesce("
        f"(SELECT ends_on FROM packs WHERE packs.id = pack_notices.pack_id), '{NO_END}')"
    )
    with op.batch_alter_table("pack_notices") as table:
        table.alter_column("period_end", server_default=None)
        table.drop_constraint("pk_pack_notices", type_="primary")
        table.create_primary_key("pk_pack_notices", ["pack_id", "notice", "period_end"])


def downgrade() -> None:
    # Keeps the newest period's row of each (pack, notice).
    op.execute(
        "DELETE FROM pack_notices WHERE period_end < (SELECT max(n.period_end) FROM "
        "pack_notices n WHERE n.pack_id = pack_notices.pack_id "
        "AND n.notice = pack_notices.notice)"
    )
    with op.batch_alter_table("pack_notices") as table:
        table.drop_constraint("pk_pack_notices", type_="primary")
        table.create_primary_key("pk_pack_notices", ["pack_id", "notice"])
        table.drop_column("period_end")
