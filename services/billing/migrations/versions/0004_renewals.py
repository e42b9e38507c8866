"""Renewals and expiry: subscriptions renew by themselves (packs.auto_renew), the classes
each period brings (packs.period_classes), and what happened at the end of each pack's
validity (pack_period_ends, once per pack and end date).

Existing rows: period_classes starts as the pack's current class count. Subscriptions whose
period had already ended before this upgrade lapsed under the old rules (renewal was
manual), so they do not renew by themselves (which would charge every missed period at
once); staff can turn auto_renew on. Only subscriptions renew, and never a pack received
by a transfer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.add_column(
        "packs",
        sa.Column("auto_renew", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("packs", sa.Column("period_classes", sa.Integer(), nullable=True))
    packs = sa.table(
        "packs",
        sa.column("kind", sa.String()),
        sa.column("ends_on", sa.Date()),
        sa.column("classes_total", sa.Integer()),
        sa.column("period_classes", sa.Integer()),
        sa.column("auto_renew", sa.Boolean()),
        sa.column("transferred_from", sa.Uuid()),
    )
    op.execute(packs.update().values(period_classes=packs.c.classes_total))
    op.execute(
        packs.update()
        .where(
            sa.or_(
                packs.c.kind != "subscription",
                packs.c.ends_on < sa.func.current_date(),
                packs.c.transferred_from.is_not(None),
            )
        )
        .values(auto_renew=sa.false())
    )
    op.create_index(
        "ix_packs_active_ends_on",
        "packs",
        ["ends_on"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    op.create_table(
        "pack_period_ends",
        sa.Column("pack_id", sa.Uuid(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("next_ends_on", sa.Date(), nullable=True),
        sa.Column("classes_expired", sa.Integer(), nullable=False),
        sa.Column("expire_entry_id", sa.Uuid(), nullable=True),
        sa.Column("charge_entry_id", sa.Uuid(), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["packs.id"], name=op.f("fk_pack_period_ends_pack_id_packs")
        ),
        sa.PrimaryKeyConstraint("pack_id", "ends_on", name="pk_pack_period_ends"),
    )


def downgrade() -> None:
    op.drop_table("pack_period_ends")
    op.drop_index("ix_packs_active_ends_on", table_name="packs")
    op.drop_column("packs", "period_classes")
    op.drop_column("packs", "auto_renew")
