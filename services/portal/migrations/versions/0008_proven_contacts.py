"""A change of email or phone waits until the account proves the new address: the proven
contacts, and what each request still waits for.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proven_contacts",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("login", sa.String(320), primary_key=True),
        sa.Column("proven_at", UtcDateTime(), nullable=False),
    )
    op.add_column(
        "profile_requests",
        sa.Column("unconfirmed", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    op.drop_column("profile_requests", "unconfirmed")
    op.drop_table("proven_contacts")
