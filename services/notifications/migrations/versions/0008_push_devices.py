"""push devices: FCM tokens and Web Push subscriptions of clients

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_devices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(length=128), nullable=True),
        sa.Column("auth", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_devices")),
    )
    op.create_index(op.f("ix_push_devices_tenant_id"), "push_devices", ["tenant_id"], unique=False)
    op.create_index(
        "ux_push_devices_client_token", "push_devices", ["client_id", "token"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_push_devices_client_token", table_name="push_devices")
    op.drop_index(op.f("ix_push_devices_tenant_id"), table_name="push_devices")
    op.drop_table("push_devices")
