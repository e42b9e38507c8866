"""The portal inbox (messages from notifications, and when each was read) and the balance's
sequence from billing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = UtcDateTime()


def upgrade() -> None:
    op.add_column("rm_clients", sa.Column("balance_seq", sa.Integer(), nullable=True))
    op.create_table(
        "rm_messages",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_rm_messages_tenant_id_client_id_sent_at",
        "rm_messages",
        ["tenant_id", "client_id", "sent_at"],
    )
    op.create_table(
        "message_reads",
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("message_reads")
    op.drop_table("rm_messages")
    with op.batch_alter_table("rm_clients") as batch:
        batch.drop_column("balance_seq")
