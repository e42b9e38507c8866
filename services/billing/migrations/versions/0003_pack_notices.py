"""Pack reminders: a pack is reminded about once per condition (expiring, running low).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pack_notices",
        sa.Column("pack_id", sa.Uuid(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["packs.id"], name=op.f("fk_pack_notices_pack_id_packs")
        ),
        sa.PrimaryKeyConstraint("pack_id", "notice", name="pk_pack_notices"),
    )


def downgrade() -> None:
    op.drop_table("pack_notices")
