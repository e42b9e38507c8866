"""Make-up requests, the idempotency keys of the portal's writes, and group capacity.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime
from crm_platform.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = UtcDateTime()
LIVE = "status IN ('pending', 'booked', 'cancelling')"


def upgrade() -> None:
    op.add_column("rm_groups", sa.Column("capacity", sa.Integer(), nullable=True))
    op.create_table(
        "makeup_requests",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("absence_mark_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
    )
    op.create_index(
        "ix_makeup_requests_tenant_id_client_id", "makeup_requests", ["tenant_id", "client_id"]
    )
    op.create_index(
        "uq_makeup_requests_live_absence",
        "makeup_requests",
        ["absence_mark_id"],
        unique=True,
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
    op.drop_table("makeup_requests")
    with op.batch_alter_table("rm_groups") as batch:
        batch.drop_column("capacity")
